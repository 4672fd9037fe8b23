// When sessions run: the CronJob Cairn creates for a backup session or a verifier.
import type { Static } from '@sinclair/typebox';
import { Bool, Enum, Int32, Int64, Obj, Opt, Str } from '../schema/builders.ts';
import { PodTemplateSpec } from './pod-template.ts';

export function JobTemplate(description: string) {
  return Obj(
    {
      template: Opt(PodTemplateSpec('Pod settings of the trigger Job.')),
      backoffLimit: Opt(Int32('Retries of the trigger Job before it is marked failed.', { minimum: 0 })),
      activeDeadlineSeconds: Opt(
        Int64('Seconds the trigger Job may run before it is stopped.', { minimum: 1 }),
      ),
      ttlSecondsAfterFinished: Opt(
        Int32('Seconds a finished trigger Job is kept before it is deleted.', { minimum: 0 }),
      ),
      parallelism: Opt(Int32('Pods of the Job that may run at once.', { minimum: 0 })),
      completions: Opt(Int32('Successful pods that complete the Job.', { minimum: 0 })),
      completionMode: Opt(Enum(['NonIndexed', 'Indexed'], 'How the Job counts completions.')),
      suspend: Opt(Bool('Create the Job suspended.')),
    },
    description,
  );
}

export function SchedulerSpec(description: string, owner: string) {
  return Obj(
    {
      schedule: Str(
        `When the ${owner} runs, as a cron expression in the controller's time zone, e.g. "*/5 * * * *" (every five minutes) or "@daily".`,
        { minLength: 1 },
      ),
      jobTemplate: JobTemplate('The Job the CronJob creates at each scheduled time.'),
      concurrencyPolicy: Opt(
        Enum(
          ['Allow', 'Forbid', 'Replace'],
          'What happens when a run is due while the previous one still runs.',
        ),
      ),
      startingDeadlineSeconds: Opt(
        Int64('Seconds after a missed schedule during which the run still starts.', { minimum: 0 }),
      ),
      suspend: Opt(Bool('Stop creating runs (runs already started continue).')),
      successfulJobsHistoryLimit: Opt(Int32('Finished successful trigger Jobs to keep.', { minimum: 0 })),
      failedJobsHistoryLimit: Opt(Int32('Failed trigger Jobs to keep.', { minimum: 0 })),
    },
    description,
  );
}
export type SchedulerSpec = Static<ReturnType<typeof SchedulerSpec>>;
