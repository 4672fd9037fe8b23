import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  metadataDue,
  snapshotRecord,
  uploadSnapshotMetadata,
} from '../../../../src/reconcilers/snapshot/metadata.ts';
import type { Informer } from '../../../../src/kube/informer.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';

const t = '2026-01-01T00:00:00Z';

void test('the record is due once every component reported, and only until an upload was tried', () => {
  assert.equal(metadataDue({ status: {} }), false);
  assert.equal(
    metadataDue({ status: { totalComponents: 2, components: { a: { phase: 'Succeeded' } } } }),
    false,
  );
  assert.equal(metadataDue({ status: { totalComponents: 1, components: { a: { phase: 'Failed' } } } }), true);
  const tried = [{ type: 'SnapshotMetadataUploaded', status: 'False' as const, lastTransitionTime: t }];
  assert.equal(
    metadataDue({
      status: { totalComponents: 1, components: { a: { phase: 'Succeeded' } }, conditions: tried },
    }),
    false,
  );
});

void test('the record is the whole object without the server bookkeeping', () => {
  const text = snapshotRecord({
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name: 's', namespace: 'n', resourceVersion: '7', managedFields: [], uid: 'u' },
    spec: { repository: 'r' },
    status: { phase: 'Succeeded' },
  });
  assert.deepEqual(parse(text), {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name: 's', namespace: 'n', uid: 'u' },
    spec: { repository: 'r' },
    status: { phase: 'Succeeded' },
  });
});

void test('a missing Repository or BackupStorage fails the upload, naming it', async () => {
  const snap = { metadata: { name: 's', namespace: 'n' }, spec: { repository: 'r' } };
  const none = { repository: () => undefined, storage: () => undefined, secret: () => undefined };
  const r1 = await uploadSnapshotMetadata(snap, none);
  assert.ok(
    'condition' in r1 &&
      r1.condition.status === 'False' &&
      /Repository n\/r/.test(r1.condition.message ?? ''),
  );
  const r2 = await uploadSnapshotMetadata(snap, {
    ...none,
    repository: () => ({ spec: { path: 'p', storageRef: { name: 'store' } } }),
  });
  assert.ok(
    'condition' in r2 &&
      /BackupStorage n\/store of Repository n\/r does not exist/.test(r2.condition.message ?? ''),
  );
});

void test("a local storage's record is written by a Job: retried while it runs, uploaded once it completed", async () => {
  const snap = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name: 's', namespace: 'n', uid: 's-uid' },
    spec: { repository: 'r' },
  };
  const jobs = new Map<string, KubeObject>();
  const created: KubeObject[] = [];
  const client = {
    create: (_r: unknown, body: KubeObject) => {
      created.push(body);
      return Promise.resolve(body);
    },
  } as unknown as KubeClient;
  const src = {
    repository: () => ({ spec: { path: '/ns-manifests', storageRef: { name: 'local' } } }),
    storage: () =>
      ({
        metadata: { name: 'local', namespace: 'n', uid: 'bs-uid' },
        spec: {
          storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/srv' } } },
        },
      }) as never,
    secret: () => undefined,
    localJobs: {
      client,
      jobs: { get: (name: string) => jobs.get(name) } as unknown as Informer<KubeObject>,
      image: 'cairn:dev',
    },
  };
  const first = await uploadSnapshotMetadata(snap, src);
  assert.match(
    'pending' in first ? first.pending : '',
    /Snapshot n\/s: its record is being written on the local volume/,
  );
  const job = created[0] as {
    metadata: { name: string };
    spec: { template: { spec: { containers: { args: string[] }[] } } };
  };
  assert.deepEqual(job.spec.template.spec.containers[0]?.args, [
    'storage',
    'write',
    '--storage=n/local',
    '--key=ns-manifests/snapshots/s.yaml',
  ]);
  jobs.set(job.metadata.name, {
    ...job,
    status: { conditions: [{ type: 'Complete', status: 'True' }] },
  });
  const done = await uploadSnapshotMetadata(snap, src);
  assert.equal('condition' in done ? done.condition.status : '', 'True');
  assert.equal(created.length, 1);
});
