// Small builders shared by the api unit tests.
import type { Condition, ConditionStatus } from '../../../src/api/conditions.ts';

export const T0 = '2024-02-23T13:25:00Z';

/** A condition with a fixed transition time; only type and status matter to phase rules. */
export function cond(type: string, status: ConditionStatus): Condition {
  return { type, status, lastTransitionTime: T0 };
}
