import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  metadataDue,
  snapshotRecord,
  uploadSnapshotMetadata,
} from '../../../../src/reconcilers/snapshot/metadata.ts';

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
