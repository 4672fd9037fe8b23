import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KUBESTASH, K8S, type ResourceType } from '../../../../src/api/resource-type.ts';
import { silentLog } from '../../../../src/common/log.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';
import type { BackupStorageObject, SecretObject } from '../../../../src/reconcilers/backupstorage/backend.ts';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import { BackupStorageReconciler } from '../../../../src/reconcilers/backupstorage/reconciler.ts';
import type { SnapshotObject } from '../../../../src/reconcilers/repository/plan.ts';
import { RepositoryReconciler } from '../../../../src/reconcilers/repository/reconciler.ts';
import { storageJobName } from '../../../../src/reconcilers/storage-job/job.ts';
import { FakeInformer } from '../../controller/fake-informer.ts';
import { fakeSecretReader } from '../../controller/fake-secret-reader.ts';

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
      const current = sources.storages.get(name, 'demo');
      const metadata = { ...current?.metadata, ...(body.metadata as object) };
      return Promise.resolve({ ...current, ...body, metadata });
    },
    patchStatus: (resource: ResourceType, name: string, _ns: string, body: unknown, opts: unknown) => {
      calls.push({ verb: 'patchStatus', resource, name, body, opts });
      return Promise.resolve(body);
    },
    list: () => Promise.resolve({ items: [], metadata: { resourceVersion: '1' } }),
  } as unknown as KubeClient;
  const sources = {
    storages: new FakeInformer<BackupStorageObject>(KUBESTASH.backupStorages),
    repositories: new FakeInformer<RepositoryObject>(KUBESTASH.repositories),
    secrets: fakeSecretReader<SecretObject>(),
    snapshots: new FakeInformer<SnapshotObject>(KUBESTASH.snapshots),
    jobs: new FakeInformer<KubeObject>(K8S.jobs),
  };
  const opts = {
    client,
    sources,
    log: silentLog,
    operatorVersion: '0.0.0',
    image: 'cairn:dev',
    now: () => NOW,
  };
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
    metadata: {
      name: 'nfs',
      namespace: 'demo',
      uid: 'nfs-uid',
      resourceVersion: '3',
      generation: 1,
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...extra,
    },
    spec: {
      storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/srv/backups' } } },
    },
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

/** Marks the one Job the reconciler created as finished (Complete or Failed) in the Job informer. */
function finishJob(calls: Call[], jobs: FakeInformer<KubeObject>, type: 'Complete' | 'Failed'): KubeObject {
  const created = calls.find((c) => c.verb === 'create' && c.resource === K8S.jobs)?.body as KubeObject;
  assert.ok(created, 'a Job was created');
  const done = {
    ...created,
    metadata: { ...created.metadata, uid: 'job-uid' },
    status: {
      conditions: [
        { type, status: 'True', reason: type, message: `job ${type}`, lastTransitionTime: NOW.toISOString() },
      ],
    },
  };
  jobs.put(done);
  return done;
}

test('a local storage starts the Job that writes metadata.yaml and is NotReady until it succeeded, then Ready', async () => {
  const { calls, sources, storage } = setup();
  sources.storages.put(local({ finalizers: ['kubestash.com/cleanup'] }));
  const r = await storage.reconcile('demo/nfs', signal);
  assert.deepEqual(r, { requeueAfterMs: 5_000 });
  const job = calls.find((c) => c.verb === 'create' && c.resource === K8S.jobs)?.body as {
    metadata: { name: string; namespace: string };
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  assert.equal(job.metadata.namespace, 'demo');
  assert.deepEqual(job.spec.template.spec.containers[0]?.args, [
    'storage',
    'write',
    '--storage=demo/nfs',
    '--key=metadata.yaml',
    '--if-absent',
  ]);
  const pending = calls.find((c) => c.verb === 'patchStatus')?.body as {
    phase: string;
    conditions: { type: string; status: string; reason: string }[];
  };
  assert.equal(pending.phase, 'NotReady');
  assert.deepEqual(
    pending.conditions.map((c) => [c.type, c.status, c.reason]),
    [['BackendInitialized', 'Unknown', 'LocalBackendInitializing']],
  );

  calls.length = 0;
  finishJob([{ verb: 'create', resource: K8S.jobs, body: job }], sources.jobs, 'Complete');
  sources.storages.put({ ...local({ finalizers: ['kubestash.com/cleanup'] }), status: pending as never });
  assert.deepEqual(await storage.reconcile('demo/nfs', signal), { requeueAfterMs: 300_000 });
  const ready = calls.find((c) => c.verb === 'patchStatus')?.body as { phase: string };
  assert.equal(ready.phase, 'Ready');
  assert.equal(calls.filter((c) => c.verb === 'create' && c.resource === K8S.jobs).length, 0);

  calls.length = 0;
  sources.jobs.remove(`demo/${job.metadata.name}`);
  sources.storages.put({ ...local({ finalizers: ['kubestash.com/cleanup'] }), status: ready as never });
  await storage.reconcile('demo/nfs', signal);
  assert.deepEqual(
    calls,
    [],
    'a storage initialised for its generation runs no Job again and writes nothing',
  );
});

test("a local storage whose Job failed is NotReady with the Job's error and the fix", async () => {
  const { calls, sources, storage } = setup();
  sources.storages.put(local({ finalizers: ['kubestash.com/cleanup'] }));
  await storage.reconcile('demo/nfs', signal);
  finishJob(calls, sources.jobs, 'Failed');
  calls.length = 0;
  assert.deepEqual(await storage.reconcile('demo/nfs', signal), { requeueAfterMs: 60_000 });
  const status = calls.find((c) => c.verb === 'patchStatus')?.body as {
    conditions: { type: string; status: string; message: string }[];
  };
  const c = status.conditions.find((x) => x.type === 'BackendInitialized');
  assert.equal(c?.status, 'False');
  assert.match(
    c?.message ?? '',
    /metadata\.yaml could not be written on the volume: Job demo\/nfs-write-[0-9a-f]+ failed \(Failed: job Failed\).*Check spec\.storage\.local/,
  );
});

test('a local storage without a volume source is refused, naming what to add, and no Job is made', async () => {
  const { calls, sources, storage } = setup();
  sources.storages.put({
    ...local({ finalizers: ['kubestash.com/cleanup'] }),
    spec: { storage: { provider: 'local', local: { mountPath: '/safe/data' } } },
  });
  await storage.reconcile('demo/nfs', signal);
  assert.equal(
    calls.some((c) => c.resource === K8S.jobs),
    false,
  );
  const status = calls.find((c) => c.verb === 'patchStatus')?.body as { conditions: { message: string }[] };
  assert.match(
    status.conditions[0]?.message ?? '',
    /names no volume source: add one \(hostPath, persistentVolumeClaim/,
  );
});

test('deleting a local storage with WipeOut runs the cleanup Job and removes the finalizer only after it succeeded', async () => {
  const { calls, sources, storage } = setup();
  const doomed = {
    ...local({ finalizers: ['kubestash.com/cleanup'], deletionTimestamp: '2026-01-02T00:00:00Z' }),
  };
  doomed.spec = { ...doomed.spec, deletionPolicy: 'WipeOut' };
  sources.storages.put(doomed);
  assert.deepEqual(await storage.reconcile('demo/nfs', signal), { requeueAfterMs: 5_000 });
  const job = calls.find((c) => c.verb === 'create' && c.resource === K8S.jobs)?.body as {
    metadata: { name: string };
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  assert.deepEqual(job.spec.template.spec.containers[0]?.args, [
    'storage',
    'remove-tree',
    '--storage=demo/nfs',
    '--all',
  ]);
  assert.equal(
    calls.some((c) => c.verb === 'patch'),
    false,
    'the finalizer stays while the Job runs',
  );
  finishJob(calls, sources.jobs, 'Complete');
  calls.length = 0;
  await storage.reconcile('demo/nfs', signal);
  const event = calls.find((c) => c.resource === K8S.events)?.body as { reason: string };
  assert.equal(event.reason, 'BackendDataWipedOut');
  assert.deepEqual(calls.find((c) => c.verb === 'patch')?.body, {
    metadata: { finalizers: [], resourceVersion: '3' },
  });
  assert.equal(
    job.metadata.name,
    storageJobName({
      storage: { namespace: 'demo', name: 'nfs', spec: local().spec },
      operation: { op: 'remove-tree', prefix: '' },
      owner: { apiVersion: '', kind: 'BackupStorage', metadata: { name: 'nfs' } },
    }),
  );
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

test('a Repository on a Ready local storage gets repository.yaml through a Job, and is Ready once it succeeded', async () => {
  const { calls, sources, repository } = setup();
  sources.storages.put({ ...local(), status: { phase: 'Ready' } });
  const repo: RepositoryObject = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: 'repo', namespace: 'demo', uid: 'repo-uid', resourceVersion: '4', generation: 1 },
    spec: { storageRef: { name: 'nfs' }, path: '/ns-manifests' },
  };
  sources.repositories.put(repo);
  assert.deepEqual(await repository.reconcile('demo/repo', signal), { requeueAfterMs: 5_000 });
  const job = calls.find((c) => c.verb === 'create' && c.resource === K8S.jobs)?.body as {
    metadata: { ownerReferences: { kind: string }[] };
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  assert.deepEqual(job.spec.template.spec.containers[0]?.args, [
    'storage',
    'write',
    '--storage=demo/nfs',
    '--key=ns-manifests/repository.yaml',
  ]);
  assert.equal(job.metadata.ownerReferences[0]?.kind, 'Repository');
  const pending = calls.find((c) => c.verb === 'patchStatus')?.body as {
    conditions: { status: string; reason: string }[];
  };
  assert.deepEqual(
    pending.conditions.map((c) => [c.status, c.reason]),
    [['Unknown', 'RepositoryInitializing']],
  );

  finishJob(calls, sources.jobs, 'Complete');
  calls.length = 0;
  sources.repositories.put({ ...repo, status: pending as never });
  assert.equal(await repository.reconcile('demo/repo', signal), undefined);
  const ready = calls.find((c) => c.verb === 'patchStatus')?.body as {
    phase: string;
    conditions: { status: string }[];
  };
  assert.equal(ready.conditions[0]?.status, 'True');
  assert.equal(calls.filter((c) => c.verb === 'create' && c.resource === K8S.jobs).length, 0);
});
