import assert from 'node:assert/strict';
import { test } from 'node:test';
import { derivedSnapshotStatus } from '../../../../src/reconcilers/snapshot/plan.ts';

void test('a Snapshot with nothing reported is Pending, and a stored Pending needs no write', () => {
  assert.deepEqual(derivedSnapshotStatus(undefined), { phase: 'Pending' });
  assert.equal(derivedSnapshotStatus({ phase: 'Pending' }), undefined);
});

void test('BackupIncomplete fails a Snapshot', () => {
  const status = {
    phase: 'Pending',
    conditions: [
      { type: 'BackupIncomplete', status: 'True' as const, lastTransitionTime: '2026-01-01T00:00:00Z' },
    ],
  };
  assert.deepEqual(derivedSnapshotStatus(status), { phase: 'Failed' });
});

void test('reported components give Running until the metadata upload is recorded, with size and integrity', () => {
  const components = {
    manifest: { phase: 'Succeeded', integrity: true, size: '1.596 MiB', resticStats: [{}] },
  };
  assert.deepEqual(derivedSnapshotStatus({ phase: 'Pending', totalComponents: 1, components }), {
    phase: 'Running',
    size: '1.596 MiB',
    integrity: true,
  });
  const uploaded = [
    { type: 'SnapshotMetadataUploaded', status: 'True' as const, lastTransitionTime: '2026-01-01T00:00:00Z' },
  ];
  assert.equal(
    derivedSnapshotStatus({ phase: 'Running', totalComponents: 1, components, conditions: uploaded })?.phase,
    'Succeeded',
  );
});
