import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupStorageObject } from '../../../../src/reconcilers/backupstorage/backend.ts';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import {
  nestedRepositories,
  repositoryDeletionStep,
  WIPE_CONDITION,
  wipeKey,
  WipeReason,
  type RepositoryDeletionInput,
} from '../../../../src/reconcilers/repository/deletion-plan.ts';
import { deletionStep } from '../../../../src/reconcilers/snapshot/cleanup-plan.ts';
import { resolveStorage } from '../../../../src/storage/resolve.ts';

const FINALIZER = 'kubestash.com/cleanup';
const DELETED = '2026-01-02T03:04:05Z';

function storage(prefix: string, provider: 's3' | 'local' = 's3'): BackupStorageObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'store', namespace: 'demo', uid: 'bs' },
    spec: {
      storage:
        provider === 's3'
          ? {
              provider: 's3',
              s3: { endpoint: 'http://minio:9000', bucket: 'b', prefix, secretName: 'creds' },
            }
          : { provider: 'local', local: { mountPath: '/data', hostPath: { path: '/srv/backups' } } },
    },
  };
}

function repo(
  name: string,
  path: string,
  extra: { policy?: string; deleting?: boolean; finalizer?: boolean } = {},
): RepositoryObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: {
      name,
      namespace: 'demo',
      uid: `uid-${name}`,
      ...(extra.finalizer === false ? {} : { finalizers: [FINALIZER] }),
      ...(extra.deleting ? { deletionTimestamp: DELETED } : {}),
    },
    spec: {
      storageRef: { name: 'store', namespace: 'demo' },
      path,
      ...(extra.policy ? { deletionPolicy: extra.policy } : {}),
    },
  } as RepositoryObject;
}

function input(r: RepositoryObject, more: Partial<RepositoryDeletionInput> = {}): RepositoryDeletionInput {
  return { repo: r, storage: storage('team/prod'), repositories: [r], runningCleanupJobs: [], ...more };
}

test('the WipeOut directory is the repository path under the prefix, and never the prefix or the root', () => {
  const s3 = resolveStorage(storage('team/prod').spec.storage);
  assert.deepEqual(wipeKey(s3, '/cluster-manifests/'), { key: 'team/prod/cluster-manifests' });
  assert.deepEqual(wipeKey(s3, 'a/b'), { key: 'team/prod/a/b' });
  const bare = resolveStorage(storage('').spec.storage);
  assert.deepEqual(wipeKey(bare, 'repo'), { key: 'repo' });
  const local = resolveStorage(storage('', 'local').spec.storage);
  assert.deepEqual(wipeKey(local, '/repo'), { key: 'repo' });
  for (const path of ['', '/', '//', '.', '..', '../other', 'a/../..', 'a//b', 'a\\b']) {
    for (const st of [s3, bare, local]) {
      const r = wipeKey(st, path);
      assert.ok('problem' in r, `path ${JSON.stringify(path)} must be refused`);
    }
  }
});

test('a live Repository gets the cleanup finalizer once', () => {
  assert.deepEqual(repositoryDeletionStep(input(repo('r', 'p', { finalizer: false }))), {
    kind: 'add-finalizer',
  });
  assert.deepEqual(repositoryDeletionStep(input(repo('r', 'p'))), { kind: 'nothing' });
  assert.deepEqual(repositoryDeletionStep(input(repo('r', 'p', { deleting: true, finalizer: false }))), {
    kind: 'nothing',
  });
});

test('deleting a Repository with Delete (or no policy) releases it at once and says its data was kept', () => {
  for (const policy of [undefined, 'Delete']) {
    const step = repositoryDeletionStep(
      input(repo('r', 'p', { deleting: true, ...(policy ? { policy } : {}) }), { runningCleanupJobs: ['j'] }),
    );
    assert.equal(step.kind, 'release');
    assert.ok(step.kind === 'release' && step.event.type === 'Normal');
    assert.match(step.kind === 'release' ? step.event.note : '', /was kept/);
  }
});

test('deleting a Repository with WipeOut removes its own directory under the prefix', () => {
  const step = repositoryDeletionStep(
    input(repo('r', '/cluster-manifests', { deleting: true, policy: 'WipeOut' })),
  );
  assert.equal(step.kind, 'wipe');
  assert.equal(step.kind === 'wipe' ? step.key : '', 'team/prod/cluster-manifests');
});

test('a WipeOut whose BackupStorage is gone releases the Repository with a Warning naming what may remain', () => {
  const r = repo('r', 'p', { deleting: true, policy: 'WipeOut' });
  const step = repositoryDeletionStep({ repo: r, repositories: [r], runningCleanupJobs: [] });
  assert.equal(step.kind, 'release');
  assert.ok(step.kind === 'release' && step.event.type === 'Warning');
  assert.match(step.kind === 'release' ? step.event.note : '', /demo\/store no longer exists/);
});

test('a WipeOut waits while a cleanup Job of one of its Snapshots still runs', () => {
  const step = repositoryDeletionStep(
    input(repo('r', 'p', { deleting: true, policy: 'WipeOut' }), {
      runningCleanupJobs: ['cleanup-s1-snapshot'],
    }),
  );
  assert.equal(step.kind, 'wait');
});

test('a WipeOut that would take another Repository’s data is refused, keeping the finalizer, with both fixes', () => {
  const r = repo('r', 'team', { deleting: true, policy: 'WipeOut' });
  const inner = repo('inner', '/team/a');
  const sibling = repo('sibling', 'team-b');
  const bs = storage('team/prod');
  assert.deepEqual(nestedRepositories(r, bs, [r, inner, sibling]), ['demo/inner']);
  const step = repositoryDeletionStep(input(r, { repositories: [r, inner, sibling] }));
  assert.equal(step.kind, 'refuse');
  const c = step.kind === 'refuse' ? step.condition : undefined;
  assert.equal(c?.type, WIPE_CONDITION);
  assert.equal(c?.reason, WipeReason.WipeOutRefused);
  assert.match(c?.message ?? '', /demo\/inner/);
  assert.match(
    c?.message ?? '',
    /set spec\.deletionPolicy to Delete to finish the deletion without removing data/,
  );
});

test('a WipeOut whose path names the storage root is refused, never wiping the prefix', () => {
  const r = repo('r', '/', { deleting: true, policy: 'WipeOut' });
  const step = repositoryDeletionStep(input(r));
  assert.equal(step.kind, 'refuse');
  assert.match(step.kind === 'refuse' ? (step.condition.message ?? '') : '', /nothing was removed/);
});

test('a WipeOut Snapshot of a Repository being wiped out is released without a Job of its own', () => {
  const snapshot = {
    metadata: { name: 's1', namespace: 'demo', deletionTimestamp: DELETED, finalizers: [FINALIZER] },
    spec: { repository: 'r', deletionPolicy: 'WipeOut' },
  };
  const wiping = repo('r', 'p', { deleting: true, policy: 'WipeOut' });
  const bs = storage('team/prod');
  const now = new Date(DELETED);
  assert.deepEqual(deletionStep({ snapshot, repository: wiping, storage: bs, now }), { kind: 'release' });
  // One already running is waited for; a Repository only being deleted (Delete) leaves the Snapshot's own cleanup.
  const job = { metadata: { name: 'cleanup-s1-snapshot' }, status: {} };
  assert.deepEqual(deletionStep({ snapshot, repository: wiping, storage: bs, job, now }), { kind: 'wait' });
  const keeping = repo('r', 'p', { deleting: true, policy: 'Delete' });
  assert.deepEqual(deletionStep({ snapshot, repository: keeping, storage: bs, now }), { kind: 'run-job' });
});
