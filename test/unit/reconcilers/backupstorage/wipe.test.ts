import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KUBESTASH, K8S, type ResourceType } from '../../../../src/api/resource-type.ts';
import { silentLog } from '../../../../src/common/log.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';
import type { BackupStorageObject, SecretObject } from '../../../../src/reconcilers/backupstorage/backend.ts';
import { deletionNote } from '../../../../src/reconcilers/backupstorage/deletion.ts';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import { BackupStorageReconciler } from '../../../../src/reconcilers/backupstorage/reconciler.ts';
import { wipeObjectStore, wipePrefix } from '../../../../src/reconcilers/backupstorage/wipe.ts';
import { resolveStorage } from '../../../../src/storage/resolve.ts';
import { FakeInformer } from '../../controller/fake-informer.ts';
import { fakeSecretReader } from '../../controller/fake-secret-reader.ts';

const signal = new AbortController().signal;

function s3(prefix: string | undefined, policy = 'WipeOut'): BackupStorageObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: {
      name: 'minio',
      namespace: 'demo',
      uid: 'u',
      resourceVersion: '3',
      finalizers: ['kubestash.com/cleanup'],
      deletionTimestamp: '2026-01-02T03:04:05Z',
    },
    spec: {
      storage: {
        provider: 's3',
        s3: {
          bucket: 'backups',
          endpoint: 'http://127.0.0.1:1',
          secretName: 'creds',
          ...(prefix !== undefined ? { prefix } : {}),
        },
      },
      deletionPolicy: policy as 'WipeOut',
    },
  };
}

test('an object store WipeOut deletes under its prefix, and refuses a storage whose prefix is the whole bucket', () => {
  assert.deepEqual(wipePrefix(resolveStorage(s3('/team/prod/').spec.storage)), { prefix: 'team/prod' });
  for (const prefix of [undefined, '', '/']) {
    const r = wipePrefix(resolveStorage(s3(prefix).spec.storage));
    assert.ok('refused' in r);
    assert.match('refused' in r ? r.refused : '', /whole bucket backups/);
  }
});

test('an object store WipeOut whose Secret is missing fails naming the Secret, and deletes nothing', async () => {
  const r = await wipeObjectStore(s3('demo'), undefined);
  assert.equal(r.state, 'failed');
  assert.match(r.state === 'failed' ? r.message : '', /Secret demo\/creds/);
});

test('the deletion Event of an object store says what was wiped, what failed with both fixes, or why nothing was', () => {
  const bs = s3('demo');
  const ok = deletionNote(bs, [], { state: 'succeeded', message: '3 objects' }, false);
  assert.equal(ok.reason, 'BackendDataWipedOut');
  assert.match(ok.note, /everything under its prefix was removed \(3 objects\)/);
  const failed = deletionNote(bs, [], { state: 'failed', message: 'endpoint down' }, false);
  assert.equal(failed.reason, 'WipeOutFailed');
  assert.match(
    failed.note,
    /endpoint down\. It is tried again a minute after it failed.*set spec\.deletionPolicy to Delete/,
  );
  const refused = deletionNote(s3(''), [], { state: 'refused', message: 'whole bucket' }, false);
  assert.equal(refused.type, 'Warning');
  assert.equal(refused.reason, 'WipeOutRefused');
  assert.match(refused.note, /nothing was removed: whole bucket/);
});

function setup() {
  const calls: { verb: string; resource: ResourceType; body: unknown }[] = [];
  const client = {
    create: (resource: ResourceType, body: unknown) => {
      calls.push({ verb: 'create', resource, body });
      return Promise.resolve(body);
    },
    patch: (resource: ResourceType, _name: string, body: unknown) => {
      calls.push({ verb: 'patch', resource, body });
      return Promise.resolve(body);
    },
  } as unknown as KubeClient;
  const sources = {
    storages: new FakeInformer<BackupStorageObject>(KUBESTASH.backupStorages),
    repositories: new FakeInformer<RepositoryObject>(KUBESTASH.repositories),
    secrets: fakeSecretReader<SecretObject>(),
    jobs: new FakeInformer<KubeObject>(K8S.jobs),
  };
  const reconciler = new BackupStorageReconciler({ client, sources, log: silentLog, image: 'cairn:dev' });
  return { calls, sources, reconciler };
}

test('deleting a WipeOut storage whose prefix is the whole bucket releases it keeping the data, with a Warning', async () => {
  const { calls, sources, reconciler } = setup();
  sources.storages.put(s3(''));
  await reconciler.reconcile('demo/minio', signal);
  const event = calls.find((c) => c.resource === K8S.events)?.body as { reason: string; type: string };
  assert.equal(event.reason, 'WipeOutRefused');
  assert.deepEqual(calls.find((c) => c.verb === 'patch')?.body, {
    metadata: { finalizers: [], resourceVersion: '3' },
  });
});

test('deleting a WipeOut storage whose backend fails keeps the finalizer and comes back a minute later', async () => {
  const { calls, sources, reconciler } = setup();
  sources.storages.put(s3('demo'));
  assert.deepEqual(await reconciler.reconcile('demo/minio', signal), { requeueAfterMs: 60_000 });
  const event = calls.find((c) => c.resource === K8S.events)?.body as { reason: string };
  assert.equal(event.reason, 'WipeOutFailed');
  assert.equal(
    calls.some((c) => c.verb === 'patch'),
    false,
  );
});
