import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import { snapshotFromFile, syncSnapshots } from '../../../../src/reconcilers/backupstorage/snapshot-sync.ts';
import { snapshotRecord } from '../../../../src/reconcilers/snapshot/metadata.ts';
import { KubeApiError } from '../../../../src/kube/errors.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';
import type { StorageBackend } from '../../../../src/storage/backend.ts';
import { resolveStorage } from '../../../../src/storage/resolve.ts';

const NOW = new Date('2026-01-02T03:04:05Z');

const repo: RepositoryObject = {
  apiVersion: 'storage.kubestash.com/v1alpha1',
  kind: 'Repository',
  metadata: { name: 's3-repo', namespace: 'demo', uid: 'repo-uid-2' },
  spec: { path: '/cluster-manifests', storageRef: { name: 's3-storage', namespace: 'demo' } },
};

/** A Snapshot as the other cluster's Snapshot reconciler uploads it: before SnapshotMetadataUploaded. */
function record(over: { name?: string; namespace?: string; componentPhase?: string } = {}): string {
  const snapshot = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: {
      name: over.name ?? 's3-repo-backup-frequent-backup-1752139981',
      namespace: over.namespace ?? 'demo',
      uid: 'uid-in-cluster-1',
      resourceVersion: '99',
      finalizers: ['kubestash.com/cleanup'],
      labels: { 'kubestash.com/repo-name': 's3-repo' },
      annotations: { note: 'from cluster 1' },
      ownerReferences: [
        {
          apiVersion: 'storage.kubestash.com/v1alpha1',
          kind: 'Repository',
          name: 's3-repo',
          uid: 'repo-uid-1',
        },
      ],
    },
    spec: { repository: 's3-repo', session: 'frequent-backup', version: 'v1', snapshotID: '01HX' },
    status: {
      phase: 'Running',
      totalComponents: 1,
      components: { manifest: { phase: over.componentPhase ?? 'Succeeded', size: '1.000 KiB' } },
    },
  };
  return snapshotRecord(snapshot);
}

test('a Snapshot record becomes a Snapshot owned by this cluster’s Repository, with its spec, labels and the phase it ended with', () => {
  const s = snapshotFromFile(record(), 's3-repo-backup-frequent-backup-1752139981', repo, NOW);
  assert.ok(typeof s !== 'string');
  assert.deepEqual(s.object.metadata, {
    name: 's3-repo-backup-frequent-backup-1752139981',
    namespace: 'demo',
    labels: { 'kubestash.com/repo-name': 's3-repo' },
    ownerReferences: [
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        name: 's3-repo',
        uid: 'repo-uid-2',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  });
  assert.deepEqual(s.object.spec, {
    repository: 's3-repo',
    session: 'frequent-backup',
    version: 'v1',
    snapshotID: '01HX',
  });
  assert.equal(s.status.phase, 'Succeeded');
  assert.deepEqual(s.status.components, { manifest: { phase: 'Succeeded', size: '1.000 KiB' } });
  const uploaded = s.status.conditions.find((c) => c.type === 'SnapshotMetadataUploaded');
  assert.equal(uploaded?.status, 'True');
  assert.equal(uploaded?.lastTransitionTime, '2026-01-02T03:04:05Z');
});

test('a Snapshot record of a failed component stays Failed', () => {
  const s = snapshotFromFile(
    record({ componentPhase: 'Failed' }),
    's3-repo-backup-frequent-backup-1752139981',
    repo,
    NOW,
  );
  assert.ok(typeof s !== 'string');
  assert.equal(s.status.phase, 'Failed');
});

test('a record that is not a Snapshot of this Repository under its own file name is refused, saying why', () => {
  const name = 's3-repo-backup-frequent-backup-1752139981';
  assert.equal(snapshotFromFile(': : :', name, repo, NOW), 'not YAML');
  assert.equal(
    snapshotFromFile('kind: Repository\nmetadata: {}\nspec: {}', name, repo, NOW),
    'not a Snapshot',
  );
  assert.match(reason(snapshotFromFile(record(), 'other', repo, NOW)), /metadata.name is not "other"/);
  assert.match(
    reason(snapshotFromFile(record({ namespace: 'x' }), name, repo, NOW)),
    /namespace is not demo/,
  );
  const other = { ...repo, metadata: { ...repo.metadata, name: 'r2' } } as RepositoryObject;
  assert.match(reason(snapshotFromFile(record(), name, other, NOW)), /spec.repository is not r2/);
});

/** The refusal, or a marker when the record was accepted. */
function reason(r: ReturnType<typeof snapshotFromFile>): string {
  return typeof r === 'string' ? r : '(accepted)';
}

/** Just the calls the sync makes. */
function fakes(files: Record<string, string>, existing: string[] = []) {
  const calls: string[] = [];
  const client = {
    create: (_r: unknown, obj: KubeObject) => {
      const name = obj.metadata?.name ?? '';
      calls.push(`create ${name}`);
      if (existing.includes(name)) {
        return Promise.reject(new KubeApiError('exists', 409, { reason: 'AlreadyExists' }));
      }
      return Promise.resolve(obj);
    },
    patchStatus: (_r: unknown, name: string, _ns: string, status: { phase?: string }, o: object) => {
      calls.push(`status ${name} ${status.phase} ${JSON.stringify(o)}`);
      return Promise.resolve({});
    },
  } as unknown as KubeClient;
  const backend = {
    async *list(prefix: string) {
      for (const k of Object.keys(files)) if (k.startsWith(`${prefix}/`)) yield await Promise.resolve(k);
    },
    get: (key: string) => Promise.resolve(Buffer.from(files[key] ?? '')),
  } as unknown as StorageBackend;
  return { calls, client, backend };
}

test('the sync creates each recorded Snapshot that is missing and then writes its status unconditionally; existing ones and foreign files are left alone', async () => {
  const storage = resolveStorage({
    provider: 's3',
    s3: { bucket: 'b', prefix: 'nipun', endpoint: 'http://minio', secretName: 's' },
  });
  const dir = 'nipun/cluster-manifests/snapshots';
  const { calls, client, backend } = fakes(
    {
      [`${dir}/s3-repo-a.yaml`]: record({ name: 's3-repo-a' }),
      [`${dir}/s3-repo-b.yaml`]: record({ name: 's3-repo-b' }),
      [`${dir}/s3-repo-c.yaml`]: stringify({ kind: 'ConfigMap' }),
      [`${dir}/notes.txt`]: 'x',
      [`${dir}/nested/s3-repo-d.yaml`]: record({ name: 's3-repo-d' }),
    },
    ['s3-repo-b'],
  );
  const r = await syncSnapshots(client, backend, storage, repo, new AbortController().signal, () => NOW);
  assert.deepEqual(r, {
    created: ['demo/s3-repo-a'],
    failed: [`${dir}/s3-repo-c.yaml: not a Snapshot`],
  });
  assert.deepEqual(calls, [
    'create s3-repo-a',
    'status s3-repo-a Succeeded {"signal":{}}',
    'create s3-repo-b',
  ]);
});
