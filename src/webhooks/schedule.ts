// The schedule rule shared by every Kind with a scheduler: a cron expression that the CronJob API accepts.
import { cronProblem } from '../api/cron.ts';
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
