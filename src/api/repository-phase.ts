// Repository status vocabulary and its phase rule.
import { isConditionTrue } from './conditions.ts';
import type { Condition } from './conditions.ts';

export const RepositoryPhase = {
  Ready: 'Ready',
  NotReady: 'NotReady',
} as const;
export type RepositoryPhase = (typeof RepositoryPhase)[keyof typeof RepositoryPhase];

export const RepositoryCondition = {
  RepositoryInitialized: 'RepositoryInitialized',
} as const;

export const RepositoryReason = {
  RepositoryInitializationSucceeded: 'RepositoryInitializationSucceeded',
  RepositoryInitializationFailed: 'RepositoryInitializationFailed',
} as const;

export interface RepositoryStatusInput {
  conditions?: readonly Condition[];
}

/** Ready exactly when RepositoryInitialized is True; anything else (absent, False, Unknown) is NotReady. */
export function repositoryPhase(status: RepositoryStatusInput | undefined): RepositoryPhase {
  return isConditionTrue(status?.conditions, RepositoryCondition.RepositoryInitialized)
    ? RepositoryPhase.Ready
    : RepositoryPhase.NotReady;
}
