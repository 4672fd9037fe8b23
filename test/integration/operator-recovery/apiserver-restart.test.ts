// The operator keeps reconciling across a restart of its kube-apiserver (an API server of the file's own dev
// environment, which the test restarts), as one operator in the test's process (see fixture.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupTriggerCronJobName } from '../../../src/api/names.ts';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { startRestartableApiserver } from '../../harness/apiserver-restart.ts';
import { createBackupObjects, repositoryOf, SESSION } from '../../harness/backup-setup.ts';
import { startMinio } from '../../harness/objectstores.ts';
import { dir, startTestOperator, TIMEOUT, useOperatorEnvironment, withNamespace } from './fixture.ts';

useOperatorEnvironment();

void test(
  'the operator keeps reconciling across a restart of its kube-apiserver, without restarting',
  { timeout: TIMEOUT },
  async (t) => {
    const s3 = await startMinio(t);
    // An API server of the environment's own (same etcd, same flags) that this test may restart.
    const api = await startRestartableApiserver([], dir);
    let stopOperator = (): Promise<void> => Promise.resolve();
    // The operator first: it would otherwise see its API server go away once more.
    t.after(async () => {
      await stopOperator();
      await api.stop();
    });
    const op = await startTestOperator(api.kubeconfig);
    stopOperator = () => op.stop();
    await withNamespace(t, async (client, namespace) => {
      const children = async (bc: string): Promise<void> => {
        await waitFor(
          async () => {
            const repo = await client.find(KUBESTASH.repositories, repositoryOf(bc), namespace);
            const cron = await client.find(K8S.cronJobs, backupTriggerCronJobName(bc, SESSION), namespace);
            return repo && cron ? true : undefined;
          },
          { what: `the Repository and CronJob of ${bc}`, timeoutMs: 60_000 },
        );
      };
      const t1 = performance.now();
      await createBackupObjects(client, namespace, s3, { bc: 'before', paused: true });
      await children('before');
      t.diagnostic(
        `a BackupConfiguration created before the restart got its children in ${Math.round(performance.now() - t1)} ms`,
      );

      await api.stop();
      await api.start();
      const t0 = performance.now();
      await createBackupObjects(client, namespace, s3, { bc: 'after', paused: true });
      await children('after');
      t.diagnostic(
        `a BackupConfiguration created after the restart got its children in ${Math.round(performance.now() - t0)} ms`,
      );
      assert.ok(op.leading(), 'the same operator still leads');
    });
  },
);
