// The dev cluster's etcd, reached directly through its HTTP/JSON gateway, for tests that need what only
// etcd can do: read the current revision and compact history away (to force 410 Gone on old versions).
import { readState } from '../../src/devcluster/cluster.ts';

function etcdUrl(): string {
  const dir = process.env.CAIRN_TEST_DIR;
  const state = dir ? readState(dir) : undefined;
  if (!state) throw new Error('no dev cluster state: run integration tests with their global setup');
  return `http://127.0.0.1:${state.etcdClientPort}`;
}

async function call<T>(path: string, body: unknown): Promise<T> {
  const res = await fetch(`${etcdUrl()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** etcd's current revision: the resourceVersion of the latest write to any object in the cluster. */
export async function etcdRevision(): Promise<number> {
  // A range over one key that does not exist still answers with the store's header.
  const r = await call<{ header?: { revision?: string } }>('/v3/kv/range', {
    key: Buffer.from('/cairn-test/none').toString('base64'),
  });
  const rev = Number(r.header?.revision);
  if (!Number.isInteger(rev) || rev <= 0) throw new Error(`etcd gave no revision: ${JSON.stringify(r)}`);
  return rev;
}

/**
 * Discards the history before `revision` (physically, so it is gone when this resolves): a watch or a
 * LIST continue token from an older resourceVersion then fails with 410 Gone where etcd serves it.
 */
export async function compactEtcd(revision: number): Promise<void> {
  await call('/v3/kv/compaction', { revision: String(revision), physical: true });
}
