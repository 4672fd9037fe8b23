import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import type { BackupStorageObject } from '../../../../src/reconcilers/backupstorage/backend.ts';
import type { RepositoryObject } from '../../../../src/reconcilers/backupstorage/plan.ts';
import { BackendResync, continueSync } from '../../../../src/reconcilers/backupstorage/resync.ts';
import type { Log } from '../../../../src/common/log.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';
import type { StorageBackend } from '../../../../src/storage/backend.ts';
import { resolveStorage } from '../../../../src/storage/resolve.ts';

const NOW = new Date('2026-01-02T10:05:00Z');
const storage = resolveStorage({
  provider: 's3',
  s3: { bucket: 'b', prefix: 'p', endpoint: 'http://minio', secretName: 's' },
});
const bs: BackupStorageObject = {
  apiVersion: 'storage.kubestash.com/v1alpha1',
  kind: 'BackupStorage',
  metadata: {
    name: 'store',
    namespace: 'demo',
    uid: 'bs-uid',
    resourceVersion: '7',
    annotations: {
      'storage.cairn.dev/repositories-synced': '2026-01-02T09:00:00Z',
      'storage.cairn.dev/snapshots-synced-at': '2026-01-02T10:00:00Z',
    },
  },
  spec: { storage: { provider: 's3' } },
};
const repo: RepositoryObject = {
  apiVersion: 'storage.kubestash.com/v1alpha1',
  kind: 'Repository',
  metadata: { name: 'repo', namespace: 'demo', uid: 'repo-uid' },
  spec: { path: 'r', storageRef: { name: 'store', namespace: 'demo' } },
};

function snapshot(name: string, endTime: string): string {
  return stringify({
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name, namespace: 'demo', creationTimestamp: '2026-01-02T08:00:00Z' },
    spec: { repository: 'repo', session: 'frequent' },
    status: {
      totalComponents: 1,
      components: { manifest: { phase: 'Succeeded', resticStats: [{ summary: { endTime } }] } },
    },
  });
}

const files: Record<string, string> = {
  'p/r/repository.yaml': stringify({
    kind: 'Repository',
    metadata: { name: 'repo', namespace: 'demo', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { path: 'r' },
  }),
  'p/r/snapshots/repo-own.yaml': snapshot('repo-own', '2026-01-02T10:04:00Z'),
  'p/r/snapshots/repo-deleted.yaml': snapshot('repo-deleted', '2026-01-02T09:00:00Z'),
  'p/r/snapshots/repo-new.yaml': snapshot('repo-new', '2026-01-02T10:03:00Z'),
};

function fakes(o: { listFails?: boolean; extra?: Record<string, string> } = {}) {
  const all = { ...files, ...o.extra };
  const calls: string[] = [];
  const requests: string[] = [];
  const client = {
    create: (r: { plural: string }, obj: KubeObject & { note?: string; type?: string }) => {
      calls.push(r.plural === 'events' ? `event ${obj.type} ${obj.note}` : `create ${obj.metadata?.name}`);
      return Promise.resolve(obj);
    },
    find: (_r: unknown, name: string, namespace: string) =>
      Promise.resolve({
        ...repo,
        metadata: { name, namespace, uid: `${name}-uid` },
        spec: { ...repo.spec, path: name },
      }),
    listAll: () => Promise.resolve({ items: [{ metadata: { name: 'repo-own' } }], metadata: {} }),
    patchStatus: (_r: unknown, name: string, _ns: string, status: { phase?: string }) => {
      calls.push(`status ${name} ${status.phase}`);
      return Promise.resolve({});
    },
    patch: (_r: unknown, name: string, patch: { metadata: object }) => {
      calls.push(`patch ${name} ${JSON.stringify(patch.metadata)}`);
      return Promise.resolve({ ...bs, metadata: { ...bs.metadata, resourceVersion: '8' } });
    },
  } as unknown as KubeClient;
  const backend = {
    subdirectories: (dir: string) => {
      requests.push(`subdirectories ${dir}`);
      const subs = Object.keys(all)
        .filter((k) => k.startsWith(`${dir}/`) && k.endsWith('/repository.yaml'))
        .map((k) => k.slice(dir.length + 1).split('/')[0] ?? '');
      return Promise.resolve(dir === 'p' ? [...new Set(subs)].sort() : []);
    },
    stat: (key: string) => {
      requests.push(`stat ${key}`);
      return Promise.resolve(all[key] ? { size: 1, modified: NOW } : undefined);
    },
    async *list(prefix: string) {
      requests.push(`list ${prefix}`);
      if (o.listFails) throw new Error('connect ECONNREFUSED 127.0.0.1:9000');
      for (const k of Object.keys(all)) if (k.startsWith(`${prefix}/`)) yield await Promise.resolve(k);
    },
    get: (key: string) => {
      requests.push(`get ${key}`);
      return Promise.resolve(Buffer.from(all[key] ?? ''));
    },
  } as unknown as StorageBackend;
  return { calls, requests, client, backend };
}

function input(client: KubeClient, backend: StorageBackend, now = NOW) {
  return {
    client,
    bs,
    storage,
    now,
    signal: new AbortController().signal,
    intervalMs: 300_000,
    repositories: () => [repo],
    open: <T>(fn: (b: StorageBackend) => Promise<T>) => fn(backend).then((value) => ({ value })),
  };
}

test('a due check creates only the missing Snapshot recorded since the last sync, with its phase, and records the sync', async () => {
  const { calls, client, backend } = fakes();
  const out = await continueSync(new BackendResync(), input(client, backend));
  assert.equal(out.metadata?.resourceVersion, '8');
  assert.deepEqual(calls, [
    'create repo-new',
    'status repo-new Succeeded',
    'event Normal Created from the backend: Snapshot demo/repo-new',
    'patch store {"annotations":{"storage.cairn.dev/snapshots-synced-at":"2026-01-02T10:05:00Z","storage.cairn.dev/snapshots-synced-recent":"[\\"Snapshot demo/repo-new\\",\\"Snapshot demo/repo-own\\"]"},"resourceVersion":"7"}',
  ]);
});

test('records are read once per process: a later check lists each snapshots/ prefix and reads nothing it read before', async () => {
  const resync = new BackendResync();
  const first = fakes();
  await continueSync(resync, input(first.client, first.backend));
  const second = fakes();
  await continueSync(resync, input(second.client, second.backend, new Date('2026-01-02T10:10:00Z')));
  assert.deepEqual(second.requests, ['subdirectories p', 'stat p/r/repository.yaml', 'list p/r/snapshots']);
});

test('a check that is not due touches neither the backend nor the API server', async () => {
  const { calls, requests, client, backend } = fakes();
  await continueSync(new BackendResync(), input(client, backend, new Date('2026-01-02T10:01:00Z')));
  assert.deepEqual([...calls, ...requests], []);
});

test('a Repository whose snapshots cannot be listed is named in a Warning Event, and the sync is not recorded, so the next check tries again', async () => {
  const { calls, client, backend } = fakes({ listFails: true });
  const logged: string[] = [];
  const log = { warn: (_m: string, f: { err?: string }) => logged.push(f.err ?? '') } as unknown as Log;
  const out = await continueSync(new BackendResync(), { ...input(client, backend), log });
  assert.match(logged.join('\n'), /Repository demo\/repo/);
  assert.equal(out, bs);
  assert.equal(calls.length, 1);
  assert.match(
    calls[0] ?? '',
    /^event Warning Not synced from the backend: Repository demo\/repo: .*next check \(in 300 s\) tries again/,
  );
  assert.doesNotMatch(calls[0] ?? '', /patch/);
});

test('a repository.yaml that appeared since the last sync becomes a Repository, and all its Snapshots are created, however old', async () => {
  const extra = {
    'p/r2/repository.yaml': stringify({
      kind: 'Repository',
      metadata: { name: 'r2', namespace: 'demo', creationTimestamp: '2026-01-02T10:02:00Z' },
      spec: { path: 'r2' },
    }),
    'p/r2/snapshots/r2-old.yaml': stringify({
      kind: 'Snapshot',
      metadata: { name: 'r2-old', namespace: 'demo', creationTimestamp: '2026-01-01T00:00:00Z' },
      spec: { repository: 'r2' },
      status: { totalComponents: 1, components: { manifest: { phase: 'Failed' } } },
    }),
  };
  const { calls, client, backend } = fakes({ extra });
  await continueSync(new BackendResync(), input(client, backend));
  assert.deepEqual(calls.slice(0, 5), [
    'create r2',
    'create repo-new',
    'status repo-new Succeeded',
    'create r2-old',
    'status r2-old Failed',
  ]);
  assert.match(
    calls[5] ?? '',
    /Created from the backend: Repository demo\/r2, Snapshot demo\/repo-new, Snapshot demo\/r2-old/,
  );
});
