import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import type { InformerHandlers } from '../../../src/kube/informer.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { FakeWatchClient, configMap, pageOf, until, withInformer } from '../../harness/fake-watch-client.ts';

/** Handlers that write each call as a line such as `added a`, `updated a 1→2`, `deleted a u1`. */
function recorder(log: string[] = []): InformerHandlers<KubeObject> & { log: string[] } {
  return {
    log,
    added: (o) => void log.push(`added ${o.metadata?.name}`),
    updated: (a, b) =>
      void log.push(
        `updated ${a.metadata?.name} ${a.metadata?.resourceVersion}→${b.metadata?.resourceVersion}`,
      ),
    deleted: (o) => void log.push(`deleted ${o.metadata?.name} ${o.metadata?.uid}`),
  };
}

describe('informer: list, watch and cache', () => {
  test('the initial list is read page by page with the selectors, then watched from its version with bookmarks', async () => {
    const client = new FakeWatchClient();
    const items = ['a', 'b', 'c', 'd', 'e'].map((n) => configMap(n, `u-${n}`, '3'));
    client.onList = (o) => pageOf(items, '42', o);
    const opts = { labelSelector: 'app=web', fieldSelector: 'metadata.name!=x', pageSize: 2 };
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        await inf.waitForSync();
        assert.deepEqual(
          client.lists.map((l) => [l.namespace, l.labelSelector, l.fieldSelector, l.limit, l.continue]),
          [
            ['ns', 'app=web', 'metadata.name!=x', 2, undefined],
            ['ns', 'app=web', 'metadata.name!=x', 2, 'page-2'],
            ['ns', 'app=web', 'metadata.name!=x', 2, 'page-4'],
          ],
        );
        assert.equal(inf.list().length, 5);
        const w = await until('the watch', () => client.streams[0]?.opts);
        assert.equal(w.resourceVersion, '42');
        assert.equal(w.allowWatchBookmarks, true);
        assert.deepEqual(
          [w.namespace, w.labelSelector, w.fieldSelector],
          ['ns', 'app=web', 'metadata.name!=x'],
        );
        assert.ok(w.signal, 'the watch can be aborted');
      },
      opts,
    );
  });

  test('synced and waitForSync come only after the listed objects are cached and their added handlers ran', async () => {
    const client = new FakeWatchClient();
    client.onList = () => pageOf([configMap('a', 'u1', '1'), configMap('b', 'u2', '1')], '5');
    await withInformer(client, async (inf) => {
      const seen: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      inf.on({
        added: async (o) => {
          seen.push(`${o.metadata?.name}:${inf.list().length}`);
          if (o.metadata?.name === 'b') await gate;
        },
      });
      let synced = false;
      const sync = inf.waitForSync().then(() => (synced = true));
      inf.start();
      await until('both added handlers', () => (seen.length === 2 ? true : undefined));
      assert.deepEqual(seen, ['a:2', 'b:2'], 'handlers see the whole list in the cache');
      assert.equal(inf.synced, false);
      assert.equal(synced, false);
      release();
      await sync;
      assert.equal(inf.synced, true);
    });
  });

  test('watch events reach the cache and the handlers; bookmarks only move the resume version', async () => {
    const client = new FakeWatchClient();
    client.onList = () => pageOf([configMap('a', 'u1', '1')], '10');
    await withInformer(client, async (inf) => {
      const h = recorder();
      inf.on(h);
      inf.start();
      await inf.waitForSync();
      const s = await until('the watch', () => client.streams[0]);
      s.push('ADDED', configMap('b', 'u2', '11'));
      s.push('MODIFIED', configMap('a', 'u1', '12'));
      s.push('BOOKMARK', { metadata: { resourceVersion: '20' } });
      s.push('DELETED', configMap('b', 'u2', '21'));
      s.push('BOOKMARK', { metadata: { resourceVersion: '30' } });
      s.end();
      const next = await until('the second watch', () => client.streams[1]);
      assert.equal(next.opts.resourceVersion, '30');
      assert.deepEqual(h.log, ['added a', 'added b', 'updated a 1→12', 'deleted b u2']);
      assert.equal(inf.get('a')?.metadata?.resourceVersion, '12');
      assert.equal(inf.get('b'), undefined);
    });
  });

  test('an object recreated under the same name arrives as deleted(old) then added(new)', async () => {
    const client = new FakeWatchClient();
    client.onList = () => pageOf([configMap('a', 'u1', '1')], '10');
    await withInformer(client, async (inf) => {
      const h = recorder();
      inf.on(h);
      inf.start();
      const s = await until('the watch', () => client.streams[0]);
      s.push('MODIFIED', configMap('a', 'u2', '11'));
      await until('two deliveries', () => (h.log.length === 3 ? true : undefined));
      assert.deepEqual(h.log, ['added a', 'deleted a u1', 'added a']);
      assert.equal(inf.get('a')?.metadata?.uid, 'u2');
    });
  });

  test('indexes are kept on every change and read with byIndex', async () => {
    const client = new FakeWatchClient();
    client.onList = () =>
      pageOf([configMap('a', 'u1', '1', { app: 'web' }), configMap('b', 'u2', '1', { app: 'db' })], '10');
    const indexes = { app: (o: KubeObject) => [o.metadata?.labels?.app ?? ''] };
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        await inf.waitForSync();
        assert.deepEqual(
          inf.byIndex('app', 'web').map((o) => o.metadata?.name),
          ['a'],
        );
        const s = await until('the watch', () => client.streams[0]);
        s.push('MODIFIED', configMap('b', 'u2', '11', { app: 'web' }));
        await until('b indexed under web', () => (inf.byIndex('app', 'web').length === 2 ? true : undefined));
        assert.deepEqual(inf.byIndex('app', 'db'), []);
        assert.throws(() => inf.byIndex('nope', 'x'), /no index named 'nope'/);
      },
      { indexes },
    );
  });

  test('a handler registered after sync first gets the cache as added, then the changes; unsubscribing ends it', async () => {
    const client = new FakeWatchClient();
    client.onList = () => pageOf([configMap('a', 'u1', '1'), configMap('b', 'u2', '1')], '10');
    await withInformer(client, async (inf) => {
      inf.start();
      await inf.waitForSync();
      const h = recorder();
      const off = inf.on(h);
      const s = await until('the watch', () => client.streams[0]);
      s.push('ADDED', configMap('c', 'u3', '11'));
      await until('three deliveries', () => (h.log.length === 3 ? true : undefined));
      assert.deepEqual(h.log, ['added a', 'added b', 'added c']);
      off();
      const other = recorder();
      inf.on(other);
      s.push('DELETED', configMap('c', 'u3', '12'));
      await until('the other handler saw the delete', () => (other.log.length === 4 ? true : undefined));
      assert.deepEqual(h.log, ['added a', 'added b', 'added c'], 'nothing after unsubscribing');
    });
  });

  test('handlers run one at a time in event order, each async one awaited before the next event', async () => {
    const client = new FakeWatchClient();
    client.onList = () => pageOf([], '10');
    await withInformer(client, async (inf) => {
      const log: string[] = [];
      const slow = async (tag: string): Promise<void> => {
        log.push(`start ${tag}`);
        await new Promise((r) => setImmediate(r));
        log.push(`end ${tag}`);
      };
      inf.on({ added: (o) => slow(`1:${o.metadata?.name}`) });
      inf.on({ added: (o) => slow(`2:${o.metadata?.name}`) });
      inf.start();
      const s = await until('the watch', () => client.streams[0]);
      s.push('ADDED', configMap('a', 'u1', '11')).push('ADDED', configMap('b', 'u2', '12'));
      await until('four calls', () => (log.length === 8 ? true : undefined));
      assert.deepEqual(log, [
        'start 1:a',
        'end 1:a',
        'start 2:a',
        'end 2:a',
        'start 1:b',
        'end 1:b',
        'start 2:b',
        'end 2:b',
      ]);
    });
  });

  test('handler errors, thrown or rejected, during the list and the watch go to onError and delivery goes on', async () => {
    const client = new FakeWatchClient();
    client.onList = () => pageOf([configMap('a', 'u1', '1'), configMap('b', 'u2', '1')], '10');
    const errors: unknown[] = [];
    await withInformer(
      client,
      async (inf) => {
        const log: string[] = [];
        inf.on({
          added: (o) => {
            log.push(`added ${o.metadata?.name}`);
            if (o.metadata?.name === 'a') throw new Error('thrown in list');
          },
          updated: async (_old, o) => {
            log.push(`updated ${o.metadata?.name}`);
            await Promise.resolve();
            throw new Error('rejected in watch');
          },
        });
        inf.start();
        await inf.waitForSync();
        const s = await until('the watch', () => client.streams[0]);
        s.push('MODIFIED', configMap('a', 'u1', '11')).push('ADDED', configMap('c', 'u3', '12'));
        await until('c added', () => (log.includes('added c') ? true : undefined));
        assert.deepEqual(log, ['added a', 'added b', 'updated a', 'added c']);
        assert.deepEqual(
          errors.map((e) => (e as Error).message),
          ['thrown in list', 'rejected in watch'],
        );
        assert.equal(client.streams.length, 1, 'the watch was not restarted');
      },
      { onError: (e) => errors.push(e) },
    );
  });
});
