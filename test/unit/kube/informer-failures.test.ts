import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { K8S } from '../../../src/api/resource-type.ts';
import { createInformer } from '../../../src/kube/informer.ts';
import {
  FakeWatchClient,
  configMap,
  gone,
  pageOf,
  serverError,
  until,
  withInformer,
} from '../../harness/fake-watch-client.ts';

const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('informer: 410 Gone and relisting', () => {
  test('a 410 ERROR event relists and delivers what changed meanwhile, a recreated object as delete + add', async () => {
    const client = new FakeWatchClient();
    let listed = [
      configMap('same', 'u1', '1'),
      configMap('changed', 'u2', '1'),
      configMap('recreated', 'u3', '1'),
      configMap('gone', 'u4', '1'),
    ];
    client.onList = (o) => pageOf(listed, client.lists.length === 1 ? '10' : '50', o);
    const errors: unknown[] = [];
    await withInformer(
      client,
      async (inf) => {
        const log: string[] = [];
        inf.on({
          added: (o) => void log.push(`added ${o.metadata?.name} ${o.metadata?.uid}`),
          updated: (a, b) =>
            void log.push(
              `updated ${b.metadata?.name} ${a.metadata?.resourceVersion}→${b.metadata?.resourceVersion}`,
            ),
          deleted: (o) => void log.push(`deleted ${o.metadata?.name} ${o.metadata?.uid}`),
        });
        inf.start();
        await inf.waitForSync();
        log.length = 0;
        listed = [
          configMap('same', 'u1', '1'),
          configMap('changed', 'u2', '40'),
          configMap('recreated', 'u9', '41'),
          configMap('new', 'u5', '42'),
        ];
        const s = await until('the watch', () => client.streams[0]);
        s.push('ERROR', {
          kind: 'Status',
          code: 410,
          reason: 'Expired',
          message: 'too old resource version',
        });
        const next = await until('the watch after the relist', () => client.streams[1]);
        assert.equal(client.lists.length, 2);
        assert.equal(next.opts.resourceVersion, '50');
        assert.deepEqual(log, [
          'updated changed 1→40',
          'deleted recreated u3',
          'added recreated u9',
          'added new u5',
          'deleted gone u4',
        ]);
        assert.ok(s.closed, 'the stream that sent the ERROR is closed');
      },
      { onError: (e) => errors.push(e), backoff: { initialMs: 1 } },
    );
    assert.deepEqual(errors, [], '410 is handled, not reported');
  });

  test('a watch connect that fails with 410 relists', async () => {
    const client = new FakeWatchClient();
    client.onList = (o) => pageOf([configMap('a', 'u1', '1')], String(client.lists.length * 10), o);
    client.onWatch = (s) => {
      if (client.streams.length === 1) s.fail(gone());
    };
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        const next = await until('the second watch', () => client.streams[1]);
        assert.equal(client.lists.length, 2);
        assert.equal(next.opts.resourceVersion, '20');
      },
      { backoff: { initialMs: 1 } },
    );
  });

  test('an expired continue token restarts the paged list from its first page', async () => {
    const client = new FakeWatchClient();
    const items = ['a', 'b', 'c', 'd'].map((n) => configMap(n, `u-${n}`, '1'));
    let expired = true;
    client.onList = (o) => {
      if (o.continue && expired) {
        expired = false;
        throw gone('the provided continue parameter is too old');
      }
      return pageOf(items, '7', o);
    };
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        await inf.waitForSync();
        assert.deepEqual(
          client.lists.map((l) => l.continue),
          [undefined, 'page-2', undefined, 'page-2'],
        );
        assert.deepEqual(
          inf.list().map((o) => o.metadata?.name),
          ['a', 'b', 'c', 'd'],
        );
      },
      { pageSize: 2, backoff: { initialMs: 1 } },
    );
  });

  test('a watch that ends normally is resumed from the last version at once, without relisting', async () => {
    const client = new FakeWatchClient();
    client.onList = () => pageOf([], '10');
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        const s = await until('the watch', () => client.streams[0]);
        s.push('ADDED', configMap('a', 'u1', '11')).end();
        const next = await until('the resumed watch', () => client.streams[1], 1000);
        assert.equal(next.opts.resourceVersion, '11');
        assert.equal(client.lists.length, 1);
      },
      { backoff: { initialMs: 60_000 } },
    );
  });
});

describe('informer: stop', () => {
  test('stop aborts a watch that is still connecting and resolves once the loop ended, leaving no timer', async () => {
    const before = timers();
    const client = new FakeWatchClient();
    const inf = createInformer(client, { resource: K8S.configMaps, namespace: 'ns' });
    inf.start();
    await inf.waitForSync();
    const s = await until('the watch', () => client.streams[0]);
    assert.ok(timers() > before, 'the watch has its timer');
    await inf.stop();
    assert.ok(s.aborted, 'the watch signal was aborted');
    assert.ok(s.closed, 'the watch stream was closed');
    assert.equal(timers(), before);
  });

  test('stop aborts a LIST in flight and rejects waitForSync', async () => {
    const client = new FakeWatchClient();
    let listSignal: AbortSignal | undefined;
    client.onList = (o) =>
      new Promise((_, reject) => {
        listSignal = o.signal;
        o.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const inf = createInformer(client, { resource: K8S.configMaps });
    inf.start();
    const sync = inf.waitForSync();
    await until('the list', () => listSignal);
    await inf.stop();
    assert.equal(listSignal?.aborted, true);
    await assert.rejects(sync, /stopped before it synced/);
    await assert.rejects(inf.waitForSync(), /was stopped/);
    assert.throws(() => inf.start(), /was stopped/);
  });

  test('stop during the backoff wait ends at once and leaves no timer', async () => {
    const before = timers();
    const client = new FakeWatchClient();
    client.onList = () => {
      throw serverError();
    };
    const inf = createInformer(client, {
      resource: K8S.configMaps,
      onError: () => {},
      backoff: { initialMs: 60_000 },
    });
    inf.start();
    await until('the failed list', () => (client.lists.length === 1 ? true : undefined));
    const started = Date.now();
    await inf.stop();
    assert.ok(Date.now() - started < 1000);
    assert.equal(timers(), before);
  });

  test('waitForSync rejects when its signal aborts, and start twice runs one loop', async () => {
    const client = new FakeWatchClient();
    client.onList = () => new Promise(() => {});
    await withInformer(client, async (inf) => {
      inf.start();
      inf.start();
      const ctl = new AbortController();
      const sync = inf.waitForSync(ctl.signal);
      ctl.abort(new Error('gave up'));
      await assert.rejects(sync, /gave up/);
      assert.equal(client.lists.length, 1);
    });
  });
});
