import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SnapshotCondition as C,
  snapshotComponentsPhase,
  snapshotPhase,
} from '../../../src/api/snapshot-phase.ts';
import type { SnapshotStatusInput } from '../../../src/api/snapshot-phase.ts';
import { cond } from './helpers.ts';

const uploaded = [cond(C.SnapshotMetadataUploaded, 'True'), cond(C.RecentSnapshotListUpdated, 'True')];

function snap(
  totalComponents: number,
  phases: Record<string, string>,
  extra: Partial<SnapshotStatusInput> = {},
) {
  const components = Object.fromEntries(Object.entries(phases).map(([k, phase]) => [k, { phase }]));
  return { totalComponents, components, ...extra };
}

void describe('Snapshot components phase (upstream vectors)', () => {
  void test('is Pending when no component has reported', () => {
    assert.equal(snapshotComponentsPhase(snap(2, {})), 'Pending');
  });

  void test('is Running while a component is running', () => {
    assert.equal(snapshotComponentsPhase(snap(2, { dump: 'Running' })), 'Running');
  });

  void test('is Failed when one component failed while another is still running', () => {
    assert.equal(snapshotComponentsPhase(snap(2, { manifest: 'Failed', dump: 'Running' })), 'Failed');
  });

  void test('is Failed when every component reported and one failed', () => {
    assert.equal(snapshotComponentsPhase(snap(2, { manifest: 'Succeeded', dump: 'Failed' })), 'Failed');
  });

  void test('is Failed when one component failed and the others never reported', () => {
    assert.equal(snapshotComponentsPhase(snap(2, { dump: 'Failed' })), 'Failed');
  });

  void test('is Succeeded when every component succeeded', () => {
    assert.equal(snapshotComponentsPhase(snap(2, { manifest: 'Succeeded', dump: 'Succeeded' })), 'Succeeded');
  });
});

void describe('Snapshot components phase (counting)', () => {
  void test('is Running while fewer components succeeded than expected', () => {
    assert.equal(snapshotComponentsPhase(snap(2, { manifest: 'Succeeded' })), 'Running');
  });

  void test('treats a missing totalComponents as the number of reported components', () => {
    assert.equal(snapshotComponentsPhase({ components: { manifest: { phase: 'Succeeded' } } }), 'Succeeded');
    assert.equal(snapshotComponentsPhase(snap(0, { manifest: 'Succeeded' })), 'Succeeded');
  });

  void test('never expects fewer components than were reported', () => {
    assert.equal(snapshotComponentsPhase(snap(1, { a: 'Succeeded', b: 'Running' })), 'Running');
    assert.equal(snapshotComponentsPhase(snap(1, { a: 'Succeeded', b: 'Succeeded' })), 'Succeeded');
  });

  void test('is Running when reported components are all Pending', () => {
    assert.equal(snapshotComponentsPhase(snap(1, { manifest: 'Pending' })), 'Running');
  });
});

void describe('Snapshot phase', () => {
  void test('is Pending with no components even after the metadata upload', () => {
    assert.equal(snapshotPhase(snap(1, {}, { conditions: uploaded })), 'Pending');
    assert.equal(snapshotPhase(undefined), 'Pending');
  });

  void test('stays Running after the components succeeded until the metadata upload was attempted', () => {
    assert.equal(snapshotPhase(snap(1, { manifest: 'Succeeded' })), 'Running');
    assert.equal(snapshotPhase(snap(1, { manifest: 'Failed' })), 'Running');
  });

  void test('reports the components result once the metadata was uploaded', () => {
    assert.equal(snapshotPhase(snap(1, { manifest: 'Succeeded' }, { conditions: uploaded })), 'Succeeded');
    assert.equal(snapshotPhase(snap(1, { manifest: 'Failed' }, { conditions: uploaded })), 'Failed');
  });

  void test('is Failed when the metadata upload failed', () => {
    const conditions = [cond(C.SnapshotMetadataUploaded, 'False')];
    assert.equal(snapshotPhase(snap(1, { manifest: 'Succeeded' }, { conditions })), 'Failed');
  });

  void test('is Failed when updating the recent snapshot list failed, even with no components', () => {
    const conditions = [cond(C.RecentSnapshotListUpdated, 'False')];
    assert.equal(snapshotPhase(snap(1, {}, { conditions })), 'Failed');
  });

  void test('is Failed when the backup executor terminated before completion', () => {
    const conditions = [cond(C.BackupIncomplete, 'True')];
    assert.equal(snapshotPhase(snap(1, { manifest: 'Running' }, { conditions })), 'Failed');
  });

  void test('ignores a BackupIncomplete condition that is False', () => {
    const conditions = [...uploaded, cond(C.BackupIncomplete, 'False')];
    assert.equal(snapshotPhase(snap(1, { manifest: 'Succeeded' }, { conditions })), 'Succeeded');
  });
});
