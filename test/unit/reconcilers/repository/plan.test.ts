import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import {
  belongsTo,
  planRepositoryStatus,
  RECENT_SNAPSHOTS,
  repositoryKeyOf,
  repositoryStatusChanged,
  repositoryYaml,
  snapshotFields,
  statusPatch,
  type SnapshotObject,
} from '../../../../src/reconcilers/repository/plan.ts';

const NOW = new Date('2026-01-02T03:04:05Z');

const repo: RepositoryObject = {
  apiVersion: 'storage.kubestash.com/v1alpha1',
  kind: 'Repository',
  metadata: {
    name: 'repo',
    namespace: 'demo',
    generation: 3,
    resourceVersion: '9',
    uid: 'x',
    labels: { a: 'b' },
  },
  spec: {
    storageRef: { name: 'minio', namespace: 'demo' },
    path: '/cluster-manifests',
    deletionPolicy: 'Delete',
  },
};

function snap(
  name: string,
  time: string,
  phase: string,
  extra: Record<string, unknown> = {},
): SnapshotObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name, namespace: 'demo', creationTimestamp: time },
    spec: { repository: 'repo', session: 'frequent-backup' },
    status: { phase, snapshotTime: time, ...extra },
  } as SnapshotObject;
}

test('a Snapshot belongs to a Repository by spec.repository, else by the repo-name label, in the same namespace', () => {
  const s = snap('s1', '2026-01-01T00:00:00Z', 'Succeeded');
  assert.equal(belongsTo(s, repo), true);
  assert.equal(repositoryKeyOf(s), 'demo/repo');
  const labelled = {
    ...s,
    spec: {},
    metadata: { ...s.metadata, labels: { 'kubestash.com/repo-name': 'repo' } },
  } as SnapshotObject;
  assert.equal(belongsTo(labelled, repo), true);
  const elsewhere = { ...s, metadata: { ...s.metadata, namespace: 'other' } } as SnapshotObject;
  assert.equal(belongsTo(elsewhere, repo), false);
});

test('status lists the newest five Snapshots first, and takes time, size and integrity from the newest succeeded one', () => {
  const snaps = [
    snap('old', '2026-01-01T00:00:00Z', 'Succeeded', { size: '1 KiB', integrity: true }),
    snap('ok', '2026-01-01T01:00:00Z', 'Succeeded', {
      size: '2.000 KiB',
      integrity: false,
      components: { manifest: { path: 'repository/v1/frequent-backup/manifest' } },
    }),
    snap('failed', '2026-01-01T02:00:00Z', 'Failed'),
    ...[3, 4, 5, 6].map((h) => snap(`run-${h}`, `2026-01-01T0${h}:00:00Z`, 'Running')),
  ];
  const f = snapshotFields(snaps);
  assert.equal(f.snapshotCount, 7);
  assert.equal(f.recentSnapshots?.length, RECENT_SNAPSHOTS);
  assert.deepEqual(
    f.recentSnapshots?.map((s) => s.name),
    ['run-6', 'run-5', 'run-4', 'run-3', 'failed'],
  );
  assert.equal(f.lastBackupTime, '2026-01-01T01:00:00Z');
  assert.equal(f.size, '2.000 KiB');
  assert.equal(f.integrity, false);
  assert.deepEqual(f.componentPaths, ['repository/v1/frequent-backup/manifest']);
});

test('without Snapshots the count is zero and nothing else is claimed', () => {
  assert.deepEqual(snapshotFields([]), { snapshotCount: 0, recentSnapshots: [], componentPaths: [] });
});

test('the phase is Ready exactly when repository.yaml is in place; a failure says why, an unknown is NotReady', () => {
  const ok = planRepositoryStatus(repo, [], { state: 'ok' }, NOW);
  assert.equal(ok.phase, 'Ready');
  assert.equal(ok.conditions?.[0]?.reason, 'RepositoryInitializationSucceeded');
  assert.equal(ok.conditions?.[0]?.observedGeneration, 3);
  const failed = planRepositoryStatus(
    repo,
    [],
    { state: 'failed', message: 'BackupStorage demo/minio is not Ready' },
    NOW,
  );
  assert.equal(failed.phase, 'NotReady');
  assert.equal(failed.conditions?.[0]?.message, 'BackupStorage demo/minio is not Ready');
  const unknown = planRepositoryStatus(
    repo,
    [],
    { state: 'unknown', reason: 'LocalBackendNotInitialized', message: 'm' },
    NOW,
  );
  assert.equal(unknown.phase, 'NotReady');
  assert.equal(unknown.conditions?.[0]?.status, 'Unknown');
});

test('the status patch nulls what a deleted Snapshot had set, and an unchanged status is not rewritten', () => {
  const withSnap = planRepositoryStatus(
    repo,
    [snap('s', '2026-01-01T00:00:00Z', 'Succeeded', { size: '1 KiB' })],
    { state: 'ok' },
    NOW,
  );
  const without = planRepositoryStatus({ ...repo, status: withSnap }, [], { state: 'ok' }, NOW);
  const patch = statusPatch(without);
  assert.equal(patch.size, null);
  assert.equal(patch.lastBackupTime, null);
  assert.equal(repositoryStatusChanged(withSnap, without), true);
  const reordered = JSON.parse(
    JSON.stringify({ conditions: withSnap.conditions, ...withSnap }),
  ) as typeof withSnap;
  assert.equal(repositoryStatusChanged(reordered, withSnap), false);
});

test('repository.yaml holds the type, name, namespace, labels and spec, and no server-set field', () => {
  assert.deepEqual(parse(repositoryYaml({ ...repo, status: { phase: 'Ready' } })), {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: 'repo', namespace: 'demo', labels: { a: 'b' } },
    spec: repo.spec,
  });
});

void test('component paths already listed are kept when no Snapshot records them any more', () => {
  const listed = {
    ...repo,
    status: { componentPaths: ['repository/v1/daily/manifest'] },
  } as RepositoryObject;
  const next = planRepositoryStatus(listed, [], { state: 'ok' }, NOW);
  assert.deepEqual(next.componentPaths, ['repository/v1/daily/manifest']);
  assert.equal(next.snapshotCount, 0);
});
