// retryConfig of a session: a run that fails is retried after the delay with one retry fewer, and the
// retries stop when none is left.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
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

async function setup(client: KubeClient, namespace: string, minio: MinioServer): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace });
  await create(K8S.secrets, {
    metadata: { name: 'enc', namespace },
    stringData: { RESTIC_PASSWORD: 'pw-retry-1b7e' },
  });
  await create(K8S.secrets, { metadata: { name: 's3-cred', namespace }, stringData: minio.secretData });
  await minio.createBucket('retry');
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'store', namespace },
    spec: {
      storage: { provider: 's3', s3: { ...minio.storageSpec('retry', namespace).s3, secretName: 's3-cred' } },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace },
    spec: { successfulSnapshots: { last: 5 }, failedSnapshots: { last: 5 } },
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'flaky', namespace },
    spec: {
      target: { apiGroup: '', kind: 'Namespace', name: namespace },
      backends: [
        {
          name: 's3',
          storageRef: { name: 'store', namespace },
          retentionPolicy: { name: 'keep', namespace },
        },
      ],
      sessions: [
        {
          name: 'daily',
          sessionHistoryLimit: 5,
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: { backoffLimit: 0 } },
          retryConfig: { maxRetry: 1, delay: '2s' },
          repositories: [
            {
              name: 'manifests',
              backend: 's3',
              directory: 'manifests',
              encryptionSecret: { name: 'enc', namespace },
            },
          ],
          // The backup container refuses this value and exits before reporting: every run fails.
          addon: {
            name: 'kubedump-addon',
            tasks: [{ name: 'manifest-backup', params: { IncludeClusterResources: 'maybe' } }],
          },
        },
      ],
    },
  });
}

clusterTest(
  'a failed run is retried once after the delay with no retry left, and the failed retry is not retried again',
  async ({ client, namespace }) => {
    const minio = s3;
    assert.ok(minio, 'MinIO started');
    await setup(client, namespace, minio);
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
