import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KUBESTASH, K8S, type ResourceType } from '../../../../src/api/resource-type.ts';
import { silentLog } from '../../../../src/common/log.ts';
import type { KubeClient } from '../../../../src/kube/types.ts';
import type { BackupStorageObject, SecretObject } from '../../../../src/reconcilers/backupstorage/backend.ts';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import { BackupStorageReconciler } from '../../../../src/reconcilers/backupstorage/reconciler.ts';
import type { SnapshotObject } from '../../../../src/reconcilers/repository/plan.ts';
import { RepositoryReconciler } from '../../../../src/reconcilers/repository/reconciler.ts';
import { FakeInformer } from '../../controller/fake-informer.ts';

interface Call {
  verb: string;
  resource: ResourceType;
  name?: string;
  body: unknown;
  opts?: unknown;
}

const NOW = new Date('2026-01-02T03:04:05Z');
const signal = new AbortController().signal;

function setup() {
  const calls: Call[] = [];
  const client = {
    create: (resource: ResourceType, body: unknown) => {
      calls.push({ verb: 'create', resource, body });
      return Promise.resolve(body);
    },
    patch: (resource: ResourceType, name: string, body: Record<string, unknown>, opts: unknown) => {
      calls.push({ verb: 'patch', resource, name, body, opts });
      return Promise.resolve({ ...sources.storages.get(name, 'demo'), ...body });
    },
    patchStatus: (resource: ResourceType, name: string, _ns: string, body: unknown, opts: unknown) => {
      calls.push({ verb: 'patchStatus', resource, name, body, opts });
      return Promise.resolve(body);
    },
  } as unknown as KubeClient;
  const sources = {
    storages: new FakeInformer<BackupStorageObject>(KUBESTASH.backupStorages),
    repositories: new FakeInformer<RepositoryObject>(KUBESTASH.repositories),
    secrets: new FakeInformer<SecretObject>(K8S.secrets),
    snapshots: new FakeInformer<SnapshotObject>(KUBESTASH.snapshots),
  };
  const opts = { client, sources, log: silentLog, operatorVersion: '0.0.0', now: () => NOW };
  return {
    calls,
    sources,
    storage: new BackupStorageReconciler(opts),
    repository: new RepositoryReconciler(opts),
  };
}

function local(extra: Partial<NonNullable<BackupStorageObject['metadata']>> = {}): BackupStorageObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'nfs', namespace: 'demo', resourceVersion: '3', generation: 1, ...extra },
    spec: { storage: { provider: 'local', local: { mountPath: '/safe/data' } } },
  };
}

function s3(extra: Partial<NonNullable<BackupStorageObject['metadata']>> = {}): BackupStorageObject {
  return {
    ...local(extra),
    metadata: { ...local(extra).metadata, name: 'minio' },
    spec: {
      storage: { provider: 's3', s3: { bucket: 'b', endpoint: 'http://127.0.0.1:1', secretName: 'creds' } },
    },
  };
}

test('a new storage gets the cleanup finalizer by a patch conditional on the resourceVersion read', async () => {
  const { calls, sources, storage } = setup();
  sources.storages.put(local());
  await storage.reconcile('demo/nfs', signal);
  const patch = calls.find((c) => c.verb === 'patch');
  assert.deepEqual(patch?.body, {
    metadata: { finalizers: ['kubestash.com/cleanup'], resourceVersion: '3' },
  });
});

test('a local storage is reported NotReady with an Unknown BackendInitialized, and nothing is written twice', async () => {
  const { calls, sources, storage } = setup();
  sources.storages.put(local({ finalizers: ['kubestash.com/cleanup'] }));
  const r = await storage.reconcile('demo/nfs', signal);
  assert.deepEqual(r, { requeueAfterMs: 300_000 });
  const written = calls.find((c) => c.verb === 'patchStatus');
  const status = written?.body as { phase: string; conditions: { type: string; status: string }[] };
  assert.equal(status.phase, 'NotReady');
  assert.deepEqual(
    status.conditions.map((c) => [c.type, c.status]),
    [['BackendInitialized', 'Unknown']],
  );
  assert.deepEqual(written?.opts, { resourceVersion: '3', signal });
  assert.equal(calls.filter((c) => c.verb === 'create' && c.resource === K8S.events).length, 1);

  calls.length = 0;
  sources.storages.put({ ...local({ finalizers: ['kubestash.com/cleanup'] }), status: status as never });
  await storage.reconcile('demo/nfs', signal);
  assert.deepEqual(calls, [], 'an unchanged status is not written again');
});

test('a missing Secret is named in BackendSecretFound, no backend is contacted, and the key is retried later', async () => {
  const { calls, sources, storage } = setup();
  sources.storages.put(s3({ finalizers: ['kubestash.com/cleanup'] }));
  const r = await storage.reconcile('demo/minio', signal);
  assert.deepEqual(r, { requeueAfterMs: 60_000 });
  const status = calls.find((c) => c.verb === 'patchStatus')?.body as {
    phase: string;
    conditions: { type: string; status: string; message: string }[];
  };
  assert.equal(status.phase, 'NotReady');
  const secret = status.conditions.find((c) => c.type === 'BackendSecretFound');
  assert.equal(secret?.status, 'False');
  assert.match(secret?.message ?? '', /Secret demo\/creds .* does not exist/);
});

test('deleting a storage removes the finalizer without contacting the backend, and says the data was kept', async () => {
  const { calls, sources, storage } = setup();
  sources.storages.put({
    ...s3({ finalizers: ['other/keep', 'kubestash.com/cleanup'], deletionTimestamp: '2026-01-01T00:00:00Z' }),
  });
  await storage.reconcile('demo/minio', signal);
  const event = calls.find((c) => c.resource === K8S.events)?.body as { reason: string; note: string };
  assert.equal(event.reason, 'BackendDataKept');
  const patch = calls.find((c) => c.verb === 'patch');
  assert.deepEqual(patch?.body, { metadata: { finalizers: ['other/keep'], resourceVersion: '3' } });
  assert.equal(
    calls.some((c) => c.verb === 'patchStatus'),
    false,
  );
});

test('a Repository whose storage does not exist says so in RepositoryInitialized, and still counts its Snapshots', async () => {
  const { calls, sources, repository } = setup();
  sources.repositories.put({
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: 'repo', namespace: 'demo', resourceVersion: '4', generation: 1 },
    spec: { storageRef: { name: 'gone' }, path: '/repo' },
  });
  sources.snapshots.put({
    metadata: { name: 's1', namespace: 'demo' },
    spec: { repository: 'repo' },
    status: { phase: 'Running' },
  } as SnapshotObject);
  const r = await repository.reconcile('demo/repo', signal);
  assert.deepEqual(r, { requeueAfterMs: 60_000 });
  const status = calls.find((c) => c.verb === 'patchStatus')?.body as {
    phase: string;
    snapshotCount: number;
    conditions: { status: string; message: string }[];
  };
  assert.equal(status.phase, 'NotReady');
  assert.equal(status.snapshotCount, 1);
  assert.match(
    status.conditions[0]?.message ?? '',
    /BackupStorage demo\/gone named by spec\.storageRef does not exist/,
  );
});
