import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KUBESTASH, K8S, type ResourceType } from '../../../../src/api/resource-type.ts';
import { silentLog } from '../../../../src/common/log.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';
import type { BackupStorageObject, SecretObject } from '../../../../src/reconcilers/backupstorage/backend.ts';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import type { SnapshotObject } from '../../../../src/reconcilers/repository/plan.ts';
import { RepositoryReconciler } from '../../../../src/reconcilers/repository/reconciler.ts';
import { FakeInformer } from '../../controller/fake-informer.ts';
import { fakeSecretReader } from '../../controller/fake-secret-reader.ts';

interface Call {
  verb: string;
  resource: ResourceType;
  name?: string;
  body: unknown;
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
    patch: (resource: ResourceType, name: string, body: Record<string, unknown>) => {
      calls.push({ verb: 'patch', resource, name, body });
      return Promise.resolve({ metadata: { ...(body.metadata as object), resourceVersion: '5' } });
    },
    patchStatus: (resource: ResourceType, name: string, _ns: string, body: unknown) => {
      calls.push({ verb: 'patchStatus', resource, name, body });
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
  const reconciler = new RepositoryReconciler({
    client,
    sources,
    log: silentLog,
    image: 'cairn:dev',
    now: () => NOW,
  });
  return { calls, sources, reconciler };
}

const localStorage: BackupStorageObject = {
  apiVersion: 'storage.kubestash.com/v1alpha1',
  kind: 'BackupStorage',
  metadata: { name: 'nfs', namespace: 'demo', uid: 'nfs-uid' },
  spec: {
    storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/srv/backups' } } },
  },
  status: { phase: 'Ready' },
};

function repo(policy: string, deleting = true): RepositoryObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: {
      name: 'repo',
      namespace: 'demo',
      uid: 'repo-uid',
      resourceVersion: '4',
      finalizers: ['kubestash.com/cleanup'],
      ...(deleting ? { deletionTimestamp: NOW.toISOString() } : {}),
    },
    spec: { storageRef: { name: 'nfs' }, path: '/ns-manifests', deletionPolicy: policy as 'WipeOut' },
  };
}

test('a new Repository gets the finalizer and its status in the same run, the status conditional on the new resourceVersion', async () => {
  const { calls, sources, reconciler } = setup();
  const r = repo('Delete', false);
  sources.repositories.put({ ...r, metadata: { ...r.metadata, finalizers: [] } });
  await reconciler.reconcile('demo/repo', signal);
  const patch = calls.find((c) => c.verb === 'patch');
  assert.deepEqual(patch?.body, {
    metadata: { finalizers: ['kubestash.com/cleanup'], resourceVersion: '4' },
  });
  assert.ok(calls.some((c) => c.verb === 'patchStatus'));
});

test('deleting a Repository with Delete removes only the finalizer and leaves its data, with an Event', async () => {
  const { calls, sources, reconciler } = setup();
  sources.storages.put(localStorage);
  sources.repositories.put(repo('Delete'));
  assert.deepEqual(await reconciler.reconcile('demo/repo', signal), {});
  assert.equal(
    calls.some((c) => c.verb === 'create' && c.resource === K8S.jobs),
    false,
  );
  const patch = calls.find((c) => c.verb === 'patch');
  assert.deepEqual(patch?.body, { metadata: { finalizers: [], resourceVersion: '4' } });
  const event = calls.find((c) => c.resource === K8S.events)?.body as { reason: string };
  assert.equal(event.reason, 'RepositoryDataKept');
});

test('a WipeOut on a local storage removes the repository directory through a remove-tree Job, then releases', async () => {
  const { calls, sources, reconciler } = setup();
  sources.storages.put(localStorage);
  sources.repositories.put(repo('WipeOut'));
  assert.deepEqual(await reconciler.reconcile('demo/repo', signal), { requeueAfterMs: 5_000 });
  const job = calls.find((c) => c.verb === 'create' && c.resource === K8S.jobs)?.body as {
    metadata: { name: string; ownerReferences: { kind: string }[] };
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  assert.deepEqual(job.spec.template.spec.containers[0]?.args, [
    'storage',
    'remove-tree',
    '--storage=demo/nfs',
    '--prefix=ns-manifests',
  ]);
  assert.equal(job.metadata.ownerReferences[0]?.kind, 'Repository');
  assert.equal(
    calls.some((c) => c.verb === 'patch'),
    false,
    'the finalizer stays while the Job runs',
  );

  calls.length = 0;
  const created = job as unknown as KubeObject;
  sources.jobs.put({
    ...created,
    metadata: { ...created.metadata, uid: 'job-uid' },
    status: { conditions: [{ type: 'Complete', status: 'True' }] },
  });
  assert.deepEqual(await reconciler.reconcile('demo/repo', signal), {});
  const patch = calls.find((c) => c.verb === 'patch');
  assert.deepEqual(patch?.body, { metadata: { finalizers: [], resourceVersion: '4' } });
  const event = calls.find((c) => c.resource === K8S.events)?.body as { reason: string };
  assert.equal(event.reason, 'RepositoryDataWipedOut');
});

test('a WipeOut whose Job failed keeps the finalizer, says what failed and both fixes, and is retried with backoff', async () => {
  const { calls, sources, reconciler } = setup();
  sources.storages.put(localStorage);
  sources.repositories.put(repo('WipeOut'));
  await reconciler.reconcile('demo/repo', signal);
  const job = calls.find((c) => c.verb === 'create' && c.resource === K8S.jobs)?.body as KubeObject;
  calls.length = 0;
  sources.jobs.put({
    ...job,
    metadata: { ...job.metadata, uid: 'job-uid' },
    status: {
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          lastTransitionTime: NOW.toISOString(),
        },
      ],
    },
  });
  await assert.rejects(reconciler.reconcile('demo/repo', signal), /RepositoryWipeOut|could not be removed/);
  assert.equal(
    calls.some((c) => c.verb === 'patch'),
    false,
  );
  const status = calls.find((c) => c.verb === 'patchStatus')?.body as {
    conditions: { type: string; reason: string; message: string }[];
  };
  const c = status.conditions.find((x) => x.type === 'RepositoryCleanupIncomplete');
  assert.equal(c?.reason, 'RepositoryWipeOutFailed');
  assert.match(c?.message ?? '', /Job demo\/repo-remove-tree-/);
  assert.match(
    c?.message ?? '',
    /set spec\.deletionPolicy to Delete to finish the deletion without removing data/,
  );
  const event = calls.find((c) => c.resource === K8S.events)?.body as { type: string };
  assert.equal(event.type, 'Warning');
});
