// The BackupStorage and Repository reconcilers of the dev cluster's operator against MinIO: a storage is
// initialised (metadata.yaml in the bucket), wrong credentials are named in its condition and fixed by
// editing the Secret alone, and deleting the storage completes.
import assert from 'node:assert/strict';
import { GetObjectCommand } from '@aws-sdk/client-s3';
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
  'a BackupStorage on MinIO becomes Ready with metadata.yaml, names wrong credentials, and recovers when the Secret is fixed, and deletes cleanly',
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

    // Deleting it completes (the finalizer is removed) and leaves the data (deletionPolicy Delete).
    await ctx.client.delete(KUBESTASH.backupStorages, 'minio', { namespace: ns });
    await waitForGone('BackupStorage minio', () => ctx.client.get(KUBESTASH.backupStorages, 'minio', ns));
    assert.deepEqual(await s3.keys(bucket), ['demo/metadata.yaml']);
  },
  240_000,
);
