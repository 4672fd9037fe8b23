import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decideRecord,
  readSyncState,
  recordTime,
  SKEW_MARGIN_MS,
  syncDue,
  syncStart,
  syncStateAnnotations,
  withinMargin,
  type SyncState,
} from '../../../../src/reconcilers/backupstorage/resync-plan.ts';

const LAST = Date.parse('2026-01-02T10:00:00Z');
const state = (recent: string[] = []): SyncState => ({ at: LAST, recent: new Set(recent) });
const min = 60_000;

test('a record newer than the last sync whose object is missing is created', () => {
  const d = decideRecord({ id: 'Snapshot demo/b', exists: false, time: LAST + 2 * min, state: state() });
  assert.equal(d, 'create');
});

test('a record older than the last sync (beyond the margin) whose object is missing stays deleted', () => {
  const time = LAST - SKEW_MARGIN_MS - 1000;
  assert.equal(decideRecord({ id: 'Snapshot demo/a', exists: false, time, state: state() }), 'keep-deleted');
});

test('a record a little older than the last sync (within the skew margin) that sync did not see is created', () => {
  const time = LAST - SKEW_MARGIN_MS + 1000;
  assert.equal(decideRecord({ id: 'Snapshot demo/late', exists: false, time, state: state() }), 'create');
});

test('a record within the margin that the last sync saw, whose object is now missing, stays deleted', () => {
  const time = LAST - 1000;
  const d = decideRecord({
    id: 'Snapshot demo/seen',
    exists: false,
    time,
    state: state(['Snapshot demo/seen']),
  });
  assert.equal(d, 'keep-deleted');
});

test('a record whose object exists is left alone, however new', () => {
  const d = decideRecord({ id: 'Snapshot demo/own', exists: true, time: LAST + min, state: state() });
  assert.equal(d, 'exists');
});

test('before any sync every missing record is created; after one, a record without any time counts as old', () => {
  const none: SyncState = { at: undefined, recent: new Set() };
  assert.equal(decideRecord({ id: 'x', exists: false, time: undefined, state: none }), 'create');
  assert.equal(decideRecord({ id: 'x', exists: false, time: undefined, state: state() }), 'keep-deleted');
});

test('a record’s time is its newest timestamp: a backup that ran long counts from when its last component ended', () => {
  const doc = {
    metadata: { creationTimestamp: '2026-01-02T08:00:00Z' },
    status: {
      snapshotTime: '2026-01-02T08:00:01Z',
      conditions: [{ type: 'X', lastTransitionTime: '2026-01-02T08:30:00Z' }],
      components: {
        manifest: { resticStats: [{ summary: { endTime: '2026-01-02T09:58:00Z' } }] },
        old: { resticStats: [{ endTime: '2026-01-02T09:00:00Z' }] },
      },
    },
  };
  assert.equal(recordTime(doc), Date.parse('2026-01-02T09:58:00Z'));
  assert.equal(recordTime({ metadata: {} }), undefined);
  assert.equal(recordTime('text'), undefined);
});

test('the state is read from the annotations; before the first continuing sync the first sync’s time stands in', () => {
  const s = readSyncState({
    metadata: {
      annotations: {
        'storage.cairn.dev/snapshots-synced-at': '2026-01-02T10:00:00Z',
        'storage.cairn.dev/snapshots-synced-recent': '["Snapshot demo/a"]',
      },
    },
  });
  assert.equal(s.at, LAST);
  assert.deepEqual([...s.recent], ['Snapshot demo/a']);
  const first = readSyncState({
    metadata: { annotations: { 'storage.cairn.dev/repositories-synced': '2026-01-02T09:00:00Z' } },
  });
  assert.equal(first.at, LAST - 60 * min);
  assert.equal(first.recent.size, 0);
  const broken = readSyncState({
    metadata: { annotations: { 'storage.cairn.dev/snapshots-synced-recent': '{' } },
  });
  assert.deepEqual(broken, { at: undefined, recent: new Set() });
});

test('a sync is due once per interval, and never before the first sync claimed the storage', () => {
  const claimed = { 'storage.cairn.dev/repositories-synced': '2026-01-02T09:00:00Z' };
  const at = (a: Record<string, string>) => ({ metadata: { annotations: a } });
  assert.equal(syncDue(at({}), new Date(LAST), 5 * min), false);
  assert.equal(syncDue(at(claimed), new Date(LAST), 5 * min), true);
  const synced = { ...claimed, 'storage.cairn.dev/snapshots-synced-at': '2026-01-02T10:00:00Z' };
  assert.equal(syncDue(at(synced), new Date(LAST + min), 5 * min), false);
  assert.equal(syncDue(at(synced), new Date(LAST + 5 * min), 5 * min), true);
});

test('a completed sync records its start in whole seconds and the records it saw within the margin, sorted once each', () => {
  const started = syncStart(new Date('2026-01-02T10:00:00.750Z'));
  assert.equal(started.getTime(), LAST);
  assert.equal(withinMargin(LAST - SKEW_MARGIN_MS + 1, started), true);
  assert.equal(withinMargin(LAST - SKEW_MARGIN_MS, started), false);
  assert.equal(withinMargin(undefined, started), false);
  assert.deepEqual(syncStateAnnotations(started, ['Snapshot demo/b', 'Snapshot demo/a', 'Snapshot demo/b']), {
    'storage.cairn.dev/snapshots-synced-at': '2026-01-02T10:00:00Z',
    'storage.cairn.dev/snapshots-synced-recent': '["Snapshot demo/a","Snapshot demo/b"]',
  });
});
