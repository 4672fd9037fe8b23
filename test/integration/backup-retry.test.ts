// retryConfig of a session: a run that fails is retried after the delay with one retry fewer, and the
// retries stop when none is left.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import {
  applyAll,
  backupConfiguration,
  retentionPolicy,
  s3Storage,
  secret,
  type Manifest,
} from '../harness/backup-manifests.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

type Obj = KubeObject & {
  spec?: { retryLeft?: number; session?: string };
  status?: { phase?: string; retried?: boolean; nextRetry?: string };
};

let s3: MinioServer | undefined;
before(async () => {
  s3 = await startMinio();
});
after(async () => {
  await s3?.dispose();
});

function objects(namespace: string, minio: MinioServer): Manifest[] {
  return [
    secret(namespace, 'enc', { RESTIC_PASSWORD: 'pw-retry-1b7e' }),
    ...s3Storage(namespace, 'store', minio, 'retry'),
    retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 5 }, failedSnapshots: { last: 5 } }),
    backupConfiguration({
      namespace,
      name: 'flaky',
      target: namespace,
      backends: { s3: 'store' },
      retentionPolicy: 'keep',
      repositories: { manifests: 's3' },
      encryptionSecret: 'enc',
      session: { name: 'daily', sessionHistoryLimit: 5, retryConfig: { maxRetry: 1, delay: '2s' } },
      // The backup container refuses this value and exits before reporting: every run fails.
      params: { IncludeClusterResources: 'maybe' },
    }),
  ];
}

clusterTest(
  'a failed run is retried once after the delay with no retry left, and the failed retry is not retried again',
  async ({ client, namespace }) => {
    const minio = s3;
    assert.ok(minio, 'MinIO started');
    await minio.createBucket('retry');
    await applyAll(client, objects(namespace, minio));
    const runs = async (): Promise<Obj[]> =>
      (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items.sort((a, b) =>
        (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1,
      );
    // The first run (triggered when the configuration became Ready) fails and is retried once.
    const [first, retry] = await waitFor(
      async () => {
        const all = await runs();
        return all.length === 2 && all.every((r) => r.status?.phase === 'Failed') && all[0]?.status?.retried
          ? all
          : undefined;
      },
      { what: 'the first run and its retry to fail', timeoutMs: 180_000 },
    );
    assert.ok(first && retry);
    assert.equal(first.spec?.retryLeft, 1);
    assert.equal(retry.spec?.retryLeft, 0);
    assert.equal(retry.spec?.session, 'daily');
    const due = Date.parse(first.status?.nextRetry ?? '');
    assert.ok(!Number.isNaN(due), 'the failed run says when its retry was due');
    assert.ok(
      Date.parse(retry.metadata?.creationTimestamp ?? '') >= due - 1_000,
      'the retry was not created before it was due',
    );
    assert.equal(retry.metadata?.ownerReferences?.[0]?.name, 'flaky');
    // The retry, with none left, is not retried: its status never gets a retry time and no third run comes.
    await waitFor(
      async () => {
        const r = await client.get<Obj>(KUBESTASH.backupSessions, retry.metadata?.name ?? '', namespace);
        return r.status?.phase === 'Failed' ? true : undefined;
      },
      { what: 'the retry to stay Failed', timeoutMs: 10_000 },
    );
    const events = await client.list<KubeObject & { reason?: string; regarding?: { name?: string } }>(
      K8S.events,
      {
        namespace,
      },
    );
    assert.ok(
      events.items.some((e) => e.reason === 'BackupRetried' && e.regarding?.name === first.metadata?.name),
      'an Event says the run was retried',
    );
    const final = await runs();
    assert.equal(final.length, 2, `runs: ${final.map((r) => r.metadata?.name).join(', ')}`);
    assert.equal(final[1]?.status?.nextRetry, undefined);
  },
  300_000,
);
