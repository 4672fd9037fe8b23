// The schedule rule of the admission webhooks against the API server's own: the CronJob API and cronProblem
// refuse exactly the same schedules of the shared corpus.
import assert from 'node:assert/strict';
import { cronProblem } from '../../../src/api/cron.ts';
import { K8S } from '../../../src/api/resource-type.ts';
import { apiMessage, statusCode } from '../../../src/kube/errors.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { CRON_CORPUS } from '../../unit/api/cron-corpus.ts';

clusterTest(
  'schedules are refused exactly when the CronJob API refuses them: the API server and cronProblem agree on the whole corpus',
  async ({ client, namespace }, t) => {
    const disagreements: string[] = [];
    for (const [schedule, expected] of CRON_CORPUS) {
      const cronJob = {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'schedule-probe', namespace },
        spec: {
          schedule,
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } },
          },
        },
      };
      let why: string | undefined;
      try {
        await client.create(K8S.cronJobs, cronJob, { namespace, dryRun: true });
      } catch (err) {
        if (statusCode(err) !== 422) throw err;
        why = apiMessage(err);
      }
      const ours = cronProblem(schedule);
      t.diagnostic(`${JSON.stringify(schedule)}: ${why ?? 'accepted'}`);
      if ((why === undefined) !== (ours === undefined) || (why === undefined) !== expected) {
        disagreements.push(
          `${JSON.stringify(schedule)}: the API server ${why === undefined ? 'accepts it' : `refuses it (${why})`}, cronProblem ${ours === undefined ? 'accepts it' : `says ${ours}`}, the corpus expects ${expected ? 'accepted' : 'refused'}`,
        );
      }
    }
    assert.deepEqual(disagreements, []);
  },
);
