import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cleanupJob,
  cleanupJobName,
  cleanupRbac,
  deletionStep,
  RETRY_MS,
  SNAPSHOT_FINALIZER,
  type CleanupSnapshotObject,
} from '../../../../src/reconcilers/snapshot/cleanup-plan.ts';
import type { KubeObject } from '../../../../src/kube/types.ts';

const now = new Date('2026-03-01T12:00:00Z');
const snapshot = (
  o: { deleting?: boolean; finalizer?: boolean; policy?: string } = {},
): CleanupSnapshotObject => ({
  apiVersion: 'storage.kubestash.com/v1alpha1',
  kind: 'Snapshot',
  metadata: {
    name: 'repo-a-bc-frequent-1700000000',
    namespace: 'demo',
    uid: 'uid-1',
    ...(o.finalizer === false ? {} : { finalizers: [SNAPSHOT_FINALIZER] }),
    ...(o.deleting ? { deletionTimestamp: '2026-03-01T11:59:00Z' } : {}),
  },
  spec: { repository: 'repo-a', ...(o.policy ? { deletionPolicy: o.policy } : {}) },
});
const repository = {
  metadata: { name: 'repo-a', namespace: 'demo' },
  spec: { storageRef: { name: 'store', namespace: 'ops' }, encryptionSecret: { name: 'enc' } },
};
const storage = (provider = 's3'): KubeObject => ({
  metadata: { name: 'store', namespace: 'ops' },
  spec: { storage: { provider, [provider]: { bucket: 'b', secretName: 's3-cred' } } },
});
const job = (type?: 'Complete' | 'Failed', at = '2026-03-01T11:58:00Z'): KubeObject => ({
  metadata: { name: 'cleanup-snapshot-repo-a-bc-frequent-1700000000', namespace: 'demo' },
  status: type
    ? {
        conditions: [
          { type, status: 'True', reason: 'BackoffLimitExceeded', message: 'boom', lastTransitionTime: at },
        ],
      }
    : {},
});
const base = { repository, storage: storage(), now };

void test('a live Snapshot gets the cleanup finalizer once', () => {
  assert.equal(deletionStep({ ...base, snapshot: snapshot({ finalizer: false }) }).kind, 'add-finalizer');
  assert.equal(deletionStep({ ...base, snapshot: snapshot() }).kind, 'nothing');
});

void test('a Snapshot deleted with deletionPolicy Delete (or none) is released at once and its data kept', () => {
  assert.deepEqual(deletionStep({ ...base, snapshot: snapshot({ deleting: true }) }), { kind: 'release' });
  const d = deletionStep({ ...base, snapshot: snapshot({ deleting: true, policy: 'Delete' }), job: job() });
  assert.deepEqual(d, { kind: 'release' });
});

void test('a WipeOut Snapshot runs the cleanup Job, waits for it, and is released once it succeeded', () => {
  const s = snapshot({ deleting: true, policy: 'WipeOut' });
  assert.equal(deletionStep({ ...base, snapshot: s }).kind, 'run-job');
  assert.equal(deletionStep({ ...base, snapshot: s, job: job() }).kind, 'wait');
  assert.equal(deletionStep({ ...base, snapshot: s, job: job('Complete') }).kind, 'done');
});

void test('a failed cleanup Job keeps the finalizer, names the Job, the log and the fix, and is run again once the retry is due', () => {
  const s = snapshot({ deleting: true, policy: 'WipeOut' });
  const d = deletionStep({ ...base, snapshot: s, job: job('Failed') });
  assert.equal(d.kind, 'failed');
  if (d.kind !== 'failed') return;
  assert.equal(d.retryInMs, RETRY_MS - 120_000);
  assert.equal(d.condition.status, 'True');
  assert.match(
    d.condition.message ?? '',
    /cleanup Job demo\/cleanup-snapshot-repo-a-bc-frequent-1700000000 .* failed \(BackoffLimitExceeded: boom\)/,
  );
  assert.match(d.condition.message ?? '', /kubectl logs job\/cleanup-snapshot-/);
  assert.match(d.condition.message ?? '', /set spec.deletionPolicy to Delete/);
  const later = new Date(Date.parse('2026-03-01T11:58:00Z') + RETRY_MS);
  assert.equal(deletionStep({ ...base, snapshot: s, job: job('Failed'), now: later }).kind, 'rerun');
});

void test('a WipeOut Snapshot whose Repository or BackupStorage is gone is released with a warning naming what is left', () => {
  const s = snapshot({ deleting: true, policy: 'WipeOut' });
  const noRepo = deletionStep({ ...base, snapshot: s, repository: undefined });
  assert.equal(noRepo.kind, 'release');
  assert.match(
    noRepo.kind === 'release' ? (noRepo.warning ?? '') : '',
    /Repository demo\/repo-a no longer exists/,
  );
  const noStorage = deletionStep({ ...base, snapshot: s, storage: undefined });
  assert.match(noStorage.kind === 'release' ? (noStorage.warning ?? '') : '', /BackupStorage ops\/store/);
});

void test("the cleanup Job of a Snapshot on a local storage mounts the storage's volume and names where", () => {
  const local: KubeObject = {
    metadata: { name: 'disk', namespace: 'demo' },
    spec: {
      storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/data/disk' } } },
    },
  };
  const j = cleanupJob(snapshot(), 'cairn:test', local) as KubeObject & {
    spec: {
      template: {
        spec: {
          volumes: { name: string; hostPath?: unknown }[];
          containers: { env: { name: string; value: string }[]; volumeMounts: { mountPath: string }[] }[];
        };
      };
    };
  };
  const pod = j.spec.template.spec;
  assert.deepEqual(pod.volumes[0]?.hostPath, { path: '/data/disk' });
  assert.equal(pod.containers[0]?.volumeMounts[0]?.mountPath, '/safe/data');
  assert.deepEqual(pod.containers[0]?.env, [
    { name: 'CAIRN_LOCAL_STORAGE_ROOTS', value: 'demo/disk=/safe/data' },
  ]);
});

void test('the cleanup Job runs cairn snapshot cleanup as its own ServiceAccount, owned by the Snapshot', () => {
  const j = cleanupJob(snapshot(), 'cairn:test', storage()) as KubeObject & {
    spec: {
      backoffLimit: number;
      template: { spec: { serviceAccountName: string; containers: { image: string; args: string[] }[] } };
    };
  };
  assert.equal(j.metadata?.name, cleanupJobName('repo-a-bc-frequent-1700000000'));
  assert.equal(j.metadata?.ownerReferences?.[0]?.kind, 'Snapshot');
  assert.equal(j.metadata?.ownerReferences?.[0]?.uid, 'uid-1');
  assert.equal(j.metadata?.labels?.['app.kubernetes.io/component'], 'kubestash-cleaner');
  const pod = j.spec.template.spec;
  assert.equal(pod.serviceAccountName, j.metadata?.name);
  assert.equal(pod.containers[0]?.image, 'cairn:test');
  assert.deepEqual(pod.containers[0]?.args, [
    'snapshot',
    'cleanup',
    '--namespace=demo',
    '--snapshot=repo-a-bc-frequent-1700000000',
  ]);
  assert.equal(j.spec.backoffLimit, 0);
  assert.equal((pod as { volumes?: unknown }).volumes, undefined);
});

void test('the cleanup identity may get only that Snapshot, its Repository, its BackupStorage and the Secrets they name, where they are', () => {
  const objects = cleanupRbac(snapshot(), repository, storage());
  const roles = objects.filter((o) => o.object.kind === 'Role') as unknown as {
    object: KubeObject & { rules: { resources: string[]; verbs: string[]; resourceNames?: string[] }[] };
  }[];
  const byNs = new Map(roles.map((r) => [r.object.metadata?.namespace, r.object.rules]));
  assert.deepEqual(
    byNs.get('demo')?.map((r) => [r.resources[0], r.verbs.join(), r.resourceNames?.join()]),
    [
      ['snapshots', 'get', 'repo-a-bc-frequent-1700000000'],
      ['repositories', 'get', 'repo-a'],
      ['secrets', 'get', 'enc'],
    ],
  );
  assert.deepEqual(
    byNs.get('ops')?.map((r) => [r.resources[0], r.verbs.join(), r.resourceNames?.join()]),
    [
      ['backupstorages', 'get', 'store'],
      ['secrets', 'get', 's3-cred'],
    ],
  );
  const foreign = roles.find((r) => r.object.metadata?.namespace === 'ops')?.object;
  assert.equal(foreign?.metadata?.ownerReferences, undefined);
  assert.equal(objects[0]?.object.kind, 'ServiceAccount');
  const bindings = objects.filter((o) => o.object.kind === 'RoleBinding');
  assert.equal(bindings.length, 2);
});
