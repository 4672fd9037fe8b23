// The schedule rule shared by every Kind with a scheduler: a cron expression that the CronJob API accepts.
import { cronProblem, nextAfter } from '../api/cron.ts';
import { q } from '../common/json.ts';
import type { Denial } from './decision.ts';

const FIX =
  'write 5 fields (minute hour day-of-month month day-of-week), e.g. "*/5 * * * *" (every five minutes) or "0 2 * * *" (at 02:00), or one of @hourly, @daily, @weekly, @monthly, @yearly';

/**
 * The denial for the schedule at `field`, or undefined when it is a string that a CronJob accepts. A
 * schedule equal to `old` (the one the object had before the update) is not checked again. A missing or
 * non-string schedule is the schema's to refuse.
 */
export function scheduleDenial(field: string, schedule: unknown, old?: unknown): Denial | undefined {
  if (typeof schedule !== 'string' || schedule === old) return undefined;
  if (schedule === '') return { field, problem: 'is required', fix: FIX };
  const problem = cronProblem(schedule);
  return problem === undefined
    ? undefined
    : { field, problem: `${q(schedule)} is not a schedule a CronJob accepts: ${problem}`, fix: FIX };
}

/** Any date will do: a schedule that runs at all runs within the five years `nextAfter` searches. */
const REFERENCE = new Date(Date.UTC(2000, 0, 1));

/**
 * A warning for a schedule that the CronJob API accepts but that never runs (`0 0 30 2 *`, `,,, * * * *`),
 * or undefined. The API accepts those, so admission does too; the user is told.
 */
export function scheduleWarning(field: string, schedule: unknown): string | undefined {
  if (typeof schedule !== 'string' || cronProblem(schedule) !== undefined) return undefined;
  return nextAfter(schedule, REFERENCE) === undefined
    ? `${field}: ${q(schedule)} never runs (no date matches it); ${FIX}`
    : undefined;
}
