// Cairn's own Kubernetes client (src/kube) against the dev cluster: watches from a resourceVersion, their
// end on abort or server timeout, and 410 Gone after an etcd compaction.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { K8S } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { kubeClient } from '../../../src/kube/connect.ts';
import { errorClass, KubeApiError } from '../../../src/kube/errors.ts';
import type { KubeClient, KubeObject, WatchEvent } from '../../../src/kube/types.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { rejection, type ConfigMap } from './fixture.ts';

/** Collects the events of a watch in the background until the signal aborts. */
function collect<T = KubeObject>(
  iterable: AsyncIterable<WatchEvent<T>>,
): { events: WatchEvent<T>[]; done: Promise<void> } {
  const events: WatchEvent<T>[] = [];
  const done = (async () => {
    for await (const e of iterable) events.push(e);
  })();
  return { events, done };
}

clusterTest(
  'a watch reports ADDED, MODIFIED and DELETED after its resourceVersion and ends on abort',
  async ({ client, namespace }) => {
    const start = await client.list(K8S.configMaps, { namespace });
    const ac = new AbortController();
    const { events, done } = collect<ConfigMap>(
      client.watch<ConfigMap>(K8S.configMaps, {
        namespace,
        resourceVersion: start.metadata.resourceVersion,
        signal: ac.signal,
      }),
    );
    const seen = (): string[] => events.map((e) => `${e.type} ${e.object.metadata?.name}`);
    await client.create(K8S.configMaps, { metadata: { name: 'watched', namespace }, data: { v: '1' } });
    await client.patch(K8S.configMaps, 'watched', { data: { v: '2' } }, { type: 'merge', namespace });
    await client.delete(K8S.configMaps, 'watched', { namespace });
    await waitFor(() => (seen().includes('DELETED watched') ? true : undefined), {
      what: 'DELETED event',
      timeoutMs: 20_000,
    });
    assert.deepEqual(
      seen().filter((e) => e.endsWith(' watched')),
      ['ADDED watched', 'MODIFIED watched', 'DELETED watched'],
    );
    assert.equal(events.find((e) => e.type === 'MODIFIED')?.object.data?.v, '2');
    ac.abort();
    await done;
  },
);

clusterTest('a watch ends when the server closes it after timeoutSeconds', async ({ client, namespace }) => {
  const started = Date.now();
  const { events, done } = collect(client.watch(K8S.configMaps, { namespace, timeoutSeconds: 1 }));
  await done;
  assert.ok(Date.now() - started < 15_000, 'the server closed the watch after about a second');
  assert.ok(
    events.every((e) => e.type === 'ADDED'),
    'only the synthetic ADDED events of the current state',
  );
});

/** Compacts the dev cluster's etcd up to its current revision: older resourceVersions are gone for good. */
async function compactEtcd(client: KubeClient, namespace: string): Promise<void> {
  const info = JSON.parse(readFileSync(join(process.env.CAIRN_TEST_DIR ?? '', 'cluster.json'), 'utf8')) as {
    etcdClientPort: number;
  };
  const cm = await client.create<KubeObject>(K8S.configMaps, {
    metadata: { generateName: 'advance-', namespace },
  });
  const res = await fetch(`http://127.0.0.1:${info.etcdClientPort}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: cm.metadata?.resourceVersion, physical: true }),
  });
  assert.equal(res.status, 200, await res.text());
}

clusterTest(
  'a watch from a compacted resourceVersion fails with 410 Gone',
  async ({ client, namespace }, t) => {
    // Events bypass the watch cache, so the watch reaches etcd, which has compacted the old revision away.
    const old = (await client.list(K8S.events, { namespace })).metadata.resourceVersion;
    await client.create(K8S.configMaps, { metadata: { name: 'advance', namespace } });
    await compactEtcd(client, namespace);
    const outcome = await (async () => {
      try {
        for await (const e of client.watch(K8S.events, {
          namespace,
          resourceVersion: old,
          timeoutSeconds: 10,
        })) {
          if (e.type === 'ERROR')
            return { how: 'an ERROR event', code: (e.object as { code?: number }).code };
        }
        return { how: 'a clean end', code: undefined };
      } catch (err) {
        return { how: 'the connect status', code: err instanceof KubeApiError ? err.statusCode : undefined };
      }
    })();
    t.diagnostic(`a compacted resourceVersion arrives as ${outcome.how} with code ${outcome.code}`);
    assert.equal(outcome.code, 410, outcome.how);
    const expired = await rejection(
      client.list(K8S.events, { namespace, resourceVersion: old, resourceVersionMatch: 'Exact' }),
    );
    assert.equal(expired.statusCode, 410, 'an exact LIST at a compacted version is gone too');
    assert.equal(errorClass(expired), 'gone');
  },
);

clusterTest(
  'a watch aborted while connecting ends without an error or an unhandled rejection',
  async ({ client, namespace }) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const already = new AbortController();
      already.abort();
      const { events: none, done: doneAlready } = collect(
        client.watch(K8S.configMaps, { namespace, signal: already.signal }),
      );
      await doneAlready;
      assert.equal(none.length, 0);
      // A fresh client per attempt, so the abort lands while its TCP/TLS connection is still being made.
      for (let delayMs = 0; delayMs < 5; delayMs++) {
        const fresh = kubeClient({ kubeconfig: process.env.CAIRN_TEST_KUBECONFIG ?? '' });
        const ac = new AbortController();
        const it = fresh.watch(K8S.configMaps, { namespace, signal: ac.signal })[Symbol.asyncIterator]();
        const next = it.next();
        setTimeout(() => ac.abort(), delayMs);
        const started = Date.now();
        const result = await next;
        assert.equal(result.done, true);
        assert.ok(Date.now() - started < 2_000, 'the abort ends the watch promptly');
      }
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  },
);
