import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { sleep } from '../../../src/kube/backoff.ts';
import {
  FakeWatchClient,
  configMap,
  gone,
  pageOf,
  serverError,
  until,
  withInformer,
  type FakeStream,
} from '../../harness/fake-watch-client.ts';

/** How many times `count()` grows in `ms` (a fixed window: the rate of attempts is what is measured). */
async function attemptsIn(ms: number, count: () => number): Promise<number> {
  const before = count();
  await sleep(ms);
  return count() - before;
}

describe('informer: backoff', () => {
  const fast = { backoff: { initialMs: 10, maxMs: 200, jitter: 0 } };
  const window = async (client: FakeWatchClient, count: () => number): Promise<number> =>
    withInformerCount(client, count);
  async function withInformerCount(client: FakeWatchClient, count: () => number): Promise<number> {
    let n = 0;
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        n = await attemptsIn(1000, count);
      },
      fast,
    );
    return n;
  }

  test('a stream of ERROR events cannot reset the backoff into a hot loop', async () => {
    const client = new FakeWatchClient();
    client.onWatch = (s: FakeStream) => {
      s.push('BOOKMARK', { metadata: { resourceVersion: '2' } });
      s.push('ERROR', { kind: 'Status', code: 500, message: 'internal error' });
    };
    const n = await window(client, () => client.streams.length);
    assert.ok(n >= 2 && n <= 12, `${n} watch attempts in 1 s`);
  });

  test('watch connections that fail at once back off', async () => {
    const client = new FakeWatchClient();
    client.onWatch = (s) => void s.fail(serverError());
    const n = await window(client, () => client.streams.length);
    assert.ok(n >= 2 && n <= 12, `${n} watch attempts in 1 s`);
  });

  test('watch streams that end at once without any event back off', async () => {
    const client = new FakeWatchClient();
    client.onWatch = (s) => void s.end();
    const n = await window(client, () => client.streams.length);
    assert.ok(n >= 2 && n <= 12, `${n} watch attempts in 1 s`);
  });

  test('a 410 on every watch relists at the pace of the backoff', async () => {
    const client = new FakeWatchClient();
    client.onWatch = (s) => void s.fail(gone());
    const n = await window(client, () => client.lists.length);
    assert.ok(n >= 2 && n <= 12, `${n} lists in 1 s`);
  });

  test('failed lists are reported and retried until one succeeds', async () => {
    const client = new FakeWatchClient();
    client.onList = () => {
      if (client.lists.length < 3) throw serverError();
      return pageOf([configMap('a', 'u1', '1')], '5');
    };
    const errors: unknown[] = [];
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        await inf.waitForSync();
        assert.equal(errors.length, 2);
        assert.equal(inf.get('a')?.metadata?.uid, 'u1');
      },
      { ...fast, onError: (e) => errors.push(e) },
    );
  });

  test('a real watch event resets the backoff', async () => {
    const client = new FakeWatchClient();
    client.onWatch = (s) => {
      if (client.streams.length === 3) s.push('ADDED', configMap('a', 'u1', '2'));
      s.fail(serverError());
    };
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        // Delays 50 ms, 500 ms, then 5 s unless the event on the third stream reset them to 50 ms.
        await until('the fourth watch', () => client.streams[3], 2500);
      },
      { backoff: { initialMs: 50, factor: 10, maxMs: 60_000, jitter: 0 } },
    );
  });

  test('a watch connection that stays open long enough resets the backoff', async () => {
    const client = new FakeWatchClient();
    client.onWatch = (s) => {
      if (client.streams.length !== 3) s.fail(serverError());
    };
    await withInformer(
      client,
      async (inf) => {
        inf.start();
        const third = await until('the third watch', () => client.streams[2], 2500);
        await sleep(150); // the connection has to stay open longer than healthyAfterMs
        third.fail(serverError());
        await until('the fourth watch', () => client.streams[3], 2500);
      },
      { healthyAfterMs: 100, backoff: { initialMs: 50, factor: 10, maxMs: 60_000, jitter: 0 } },
    );
  });
});
