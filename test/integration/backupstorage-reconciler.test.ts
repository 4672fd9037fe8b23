// The BackupStorage and Repository reconcilers of the dev cluster's operator against MinIO: a storage is
// initialised (metadata.yaml in the bucket), wrong credentials are named in its condition and fixed by
// editing the Secret alone, a Repository on it gets repository.yaml, becomes Ready and reports its Snapshots,
// and deleting the storage completes.
import assert from 'node:assert/strict';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { KUBESTASH, K8S } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { clusterTest, waitForGone } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

interface Status {
  phase?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  repositories?: { name?: string; path?: string }[];
}
type WithStatus = KubeObject & { status?: Status };

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function secret(namespace: string, name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
  };
}

function storage(namespace: string, name: string, s3: MinioServer, bucket: string): KubeObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name, namespace },
    spec: {
      storage: {
        provider: 's3',
        s3: { endpoint: s3.endpoint, bucket, prefix: 'demo', region: s3.region, secretName: 's3-secret' },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  };
}

async function objectText(s3: MinioServer, bucket: string, key: string): Promise<string> {
  const client = s3.s3Client();
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await out.Body?.transformToString()) ?? '';
  } finally {
    client.destroy();
  }
}

const condition = (o: WithStatus | undefined, type: string) =>
  o?.status?.conditions?.find((c) => c.type === type);

clusterTest(
  'a BackupStorage on MinIO becomes Ready with metadata.yaml, names wrong credentials, recovers when the Secret is fixed, serves a Repository and deletes cleanly',
  async (ctx, t) => {
    const s3 = await startMinio(t);
    const bucket = 'bs-reconciler';
    await s3.createBucket(bucket);
    const ns = ctx.namespace;
    const read = (r = KUBESTASH.backupStorages, name = 'minio') => ctx.client.find<WithStatus>(r, name, ns);

    // Wrong credentials first: the condition names the Secret and says the credentials were rejected.
    await ctx.client.create(
      K8S.secrets,
      secret(ns, 's3-secret', { ...s3.secretData, AWS_SECRET_ACCESS_KEY: 'wrong-key-1234' }),
      { namespace: ns },
    );
    await ctx.client.create(KUBESTASH.backupStorages, storage(ns, 'minio', s3, bucket), { namespace: ns });
    const denied = await waitFor(
      async () => {
        const c = condition(await read(), 'BackendInitialized');
        return c?.status === 'False' ? c : undefined;
      },
      { what: 'BackendInitialized=False for wrong credentials', timeoutMs: 60_000 },
    );
    assert.equal(denied.reason, 'BackendInitializationFailed');
    assert.match(denied.message ?? '', /rejected the credentials in Secret .*\/s3-secret/);
    assert.ok(!(denied.message ?? '').includes('wrong-key-1234'), 'the condition quotes the secret key');
    assert.equal((await read())?.status?.phase, 'NotReady');
    assert.deepEqual(await s3.keys(bucket), []);

    // Fixing the Secret alone makes it Ready: the Secret's change runs the storage again.
    await ctx.client.patch(
      K8S.secrets,
      's3-secret',
      { data: { AWS_SECRET_ACCESS_KEY: b64(s3.secretAccessKey) } },
      { type: 'merge', namespace: ns },
    );
    const ready = await waitFor(
      async () => {
        const bs = await read();
        return bs?.status?.phase === 'Ready' ? bs : undefined;
      },
      { what: 'BackupStorage Ready after the Secret was fixed', timeoutMs: 60_000 },
    );
    assert.equal(condition(ready, 'BackendSecretFound')?.status, 'True');
    assert.ok(ready.metadata?.finalizers?.includes('kubestash.com/cleanup'));
    assert.deepEqual(await s3.keys(bucket), ['demo/metadata.yaml']);
    const meta = parse(await objectText(s3, bucket, 'demo/metadata.yaml')) as Record<string, unknown>;
    assert.equal(meta.apiVersion, 'config.kubestash.com/v1alpha1');
    assert.equal(meta.kind, 'BackendMeta');
    assert.match(String(meta.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(typeof meta.operatorVersion, 'string');

    // A Repository on it: repository.yaml at its path, phase Ready, listed by the storage.
    await ctx.client.create(
      KUBESTASH.repositories,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'repo', namespace: ns },
        spec: {
          storageRef: { name: 'minio', namespace: ns },
          path: '/cluster-manifests',
          deletionPolicy: 'Delete',
          encryptionSecret: { name: 'encryption', namespace: ns },
        },
      },
      { namespace: ns },
    );
    await waitFor(
      async () =>
        (await read(KUBESTASH.repositories, 'repo'))?.status?.phase === 'Ready' ? true : undefined,
      { what: 'Repository Ready', timeoutMs: 60_000 },
    );
    assert.deepEqual(await s3.keys(bucket), ['demo/cluster-manifests/repository.yaml', 'demo/metadata.yaml']);
    const repoFile = parse(await objectText(s3, bucket, 'demo/cluster-manifests/repository.yaml')) as {
      kind?: string;
      metadata?: { name?: string; namespace?: string };
      spec?: { path?: string };
    };
    assert.equal(repoFile.kind, 'Repository');
    assert.deepEqual(repoFile.metadata, { name: 'repo', namespace: ns });
    assert.equal(repoFile.spec?.path, '/cluster-manifests');
    await waitFor(
      async () => {
        const entries = (await read())?.status?.repositories ?? [];
        return entries.some((e) => e.name === 'repo' && e.path === '/cluster-manifests') ? true : undefined;
      },
      { what: 'the storage to list its Repository', timeoutMs: 30_000 },
    );

    // A succeeded Snapshot of it shows up in its status.
    await ctx.client.create(
      KUBESTASH.snapshots,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Snapshot',
        metadata: { name: 'repo-frequent-backup-1752139981', namespace: ns },
        spec: { repository: 'repo', session: 'frequent-backup', version: 'v1' },
      },
      { namespace: ns },
    );
    await ctx.client.patchStatus(KUBESTASH.snapshots, 'repo-frequent-backup-1752139981', ns, {
      phase: 'Succeeded',
      snapshotTime: '2025-07-10T09:33:01Z',
      size: '1.596 MiB',
      integrity: true,
      totalComponents: 1,
      components: { manifest: { path: 'repository/v1/frequent-backup/manifest', phase: 'Succeeded' } },
      // The Snapshot phase rule reads Succeeded only with this condition (src/api/snapshot-phase.ts).
      conditions: [
        {
          type: 'SnapshotMetadataUploaded',
          status: 'True',
          reason: 'SuccessfullyUploadedSnapshotMetadata',
          lastTransitionTime: '2025-07-10T09:33:05Z',
        },
      ],
    });
    const withSnap = await waitFor(
      async () => {
        const r = (await read(KUBESTASH.repositories, 'repo')) as
          (WithStatus & { status?: Record<string, unknown> }) | undefined;
        return r?.status?.snapshotCount === 1 && r.status.lastBackupTime ? r : undefined;
      },
      { what: 'the Repository to count its Snapshot', timeoutMs: 30_000 },
    );
    const st = withSnap.status as Record<string, unknown>;
    assert.equal(st.lastBackupTime, '2025-07-10T09:33:01Z');
    assert.equal(st.size, '1.596 MiB');
    assert.equal(st.integrity, true);
    assert.deepEqual(st.componentPaths, ['repository/v1/frequent-backup/manifest']);
    assert.deepEqual(st.recentSnapshots, [
      {
        name: 'repo-frequent-backup-1752139981',
        phase: 'Succeeded',
        session: 'frequent-backup',
        size: '1.596 MiB',
        snapshotTime: '2025-07-10T09:33:01Z',
      },
    ]);

    // Deleting it completes (the finalizer is removed) and leaves the data (deletionPolicy Delete).
    await ctx.client.delete(KUBESTASH.backupStorages, 'minio', { namespace: ns });
    await waitForGone('BackupStorage minio', () => ctx.client.get(KUBESTASH.backupStorages, 'minio', ns));
    assert.deepEqual(await s3.keys(bucket), ['demo/cluster-manifests/repository.yaml', 'demo/metadata.yaml']);
  },
  240_000,
);

clusterTest(
  'a BackupStorage whose endpoint is down says it could not be reached, and becomes Ready by itself once it is back',
  async (ctx, t) => {
    const s3 = await startMinio(t);
    const bucket = 'bs-unreachable';
    await s3.createBucket(bucket);
    const ns = ctx.namespace;
    await s3.stop();
    await ctx.client.create(K8S.secrets, secret(ns, 's3-secret', s3.secretData), { namespace: ns });
    await ctx.client.create(KUBESTASH.backupStorages, storage(ns, 'down', s3, bucket), { namespace: ns });
    const down = await waitFor(
      async () => {
        const c = condition(
          await ctx.client.find<WithStatus>(KUBESTASH.backupStorages, 'down', ns),
          'BackendInitialized',
        );
        return c?.status === 'False' ? c : undefined;
      },
      { what: 'BackendInitialized=False for a stopped endpoint', timeoutMs: 60_000 },
    );
    assert.match(down.message ?? '', /endpoint could not be reached/);

    await s3.restart();
    await waitFor(
      async () =>
        (await ctx.client.find<WithStatus>(KUBESTASH.backupStorages, 'down', ns))?.status?.phase === 'Ready'
          ? true
          : undefined,
      { what: 'BackupStorage Ready once the endpoint is back', timeoutMs: 90_000 },
    );
    assert.deepEqual(await s3.keys(bucket), ['demo/metadata.yaml']);
    await ctx.client.delete(KUBESTASH.backupStorages, 'down', { namespace: ns });
    await waitForGone('BackupStorage down', () => ctx.client.get(KUBESTASH.backupStorages, 'down', ns));
  },
  240_000,
);

clusterTest(
  'a BackupStorage created over a backend that already holds repositories recreates their Repository objects once',
  async (ctx, t) => {
    const s3 = await startMinio(t);
    const bucket = 'bs-sync';
    await s3.createBucket(bucket);
    const ns = ctx.namespace;
    const client = s3.s3Client();
    try {
      const put = (key: string, body: string) =>
        client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      await put('demo/metadata.yaml', 'apiVersion: config.kubestash.com/v1alpha1\nkind: BackendMeta\n');
      await put(
        'demo/team/old-repo/repository.yaml',
        [
          'apiVersion: storage.kubestash.com/v1alpha1',
          'kind: Repository',
          'metadata:',
          '  name: old-repo',
          `  namespace: ${ns}`,
          'spec:',
          '  storageRef: {name: elsewhere, namespace: another}',
          '  path: /team/old-repo',
          '  deletionPolicy: Delete',
          `  encryptionSecret: {name: encryption, namespace: ${ns}}`,
          '',
        ].join('\n'),
      );
    } finally {
      client.destroy();
    }
    await ctx.client.create(K8S.secrets, secret(ns, 's3-secret', s3.secretData), { namespace: ns });
    await ctx.client.create(KUBESTASH.backupStorages, storage(ns, 'synced', s3, bucket), { namespace: ns });
    const repo = await waitFor(
      async () => {
        const r = await ctx.client.find<WithStatus & { spec?: { storageRef?: unknown; path?: string } }>(
          KUBESTASH.repositories,
          'old-repo',
          ns,
        );
        return r?.status?.phase === 'Ready' ? r : undefined;
      },
      { what: 'the Repository recreated from the backend, Ready', timeoutMs: 60_000 },
    );
    assert.deepEqual(repo.spec?.storageRef, { name: 'synced', namespace: ns });
    assert.equal(repo.spec?.path, '/team/old-repo');
    const bs = await ctx.client.get<WithStatus>(KUBESTASH.backupStorages, 'synced', ns);
    assert.ok(bs.metadata?.annotations?.['storage.cairn.dev/repositories-synced']);

    // Synced once: a Repository deleted afterwards is not brought back.
    await ctx.client.delete(KUBESTASH.repositories, 'old-repo', { namespace: ns });
    await waitForGone('Repository old-repo', () => ctx.client.get(KUBESTASH.repositories, 'old-repo', ns));
    await ctx.client.patch(
      KUBESTASH.backupStorages,
      'synced',
      { metadata: { labels: { touched: 'yes' } } },
      {
        type: 'merge',
        namespace: ns,
      },
    );
    await waitFor(
      async () => {
        const s = await ctx.client.get<WithStatus>(KUBESTASH.backupStorages, 'synced', ns);
        return s.status?.repositories?.length === 0 ? true : undefined;
      },
      { what: 'the storage to list no Repository', timeoutMs: 30_000 },
    );
    assert.equal(await ctx.client.find(KUBESTASH.repositories, 'old-repo', ns), undefined);
  },
  240_000,
);
