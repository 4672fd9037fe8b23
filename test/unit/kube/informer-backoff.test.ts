import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { Backoff, sleep } from '../../../src/kube/backoff.ts';

describe('Backoff', () => {
  test('delays double from the initial value up to the ceiling, and reset starts over', () => {
    const b = new Backoff({ initialMs: 200, maxMs: 1000, jitter: 0 });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next(), b.next()], [200, 400, 800, 1000, 1000]);
    assert.equal(b.failures, 5);
    b.reset();
    assert.equal(b.next(), 200);
  });

  test('jitter spreads a delay within its bounds and never past the ceiling', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 30_000, jitter: 0.2, random: () => 0 });
    const high = new Backoff({ initialMs: 1000, maxMs: 1000, jitter: 0.2, random: () => 0.999999 });
    assert.equal(low.next(), 800);
    assert.equal(high.next(), 1000);
    const b = new Backoff();
    for (let i = 0; i < 50; i++) {
      const d = b.next();
      assert.ok(d >= 0 && d <= 30_000, `delay ${d}`);
    }
  });

  test('the defaults go from about 200 ms to 30 s', () => {
    const b = new Backoff({ jitter: 0 });
    assert.equal(b.next(), 200);
    for (let i = 0; i < 20; i++) b.next();
    assert.equal(b.next(), 30_000);
  });
});

describe('sleep', () => {
  test('an abort ends the sleep at once and leaves no timer behind', async () => {
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const ctl = new AbortController();
    const started = Date.now();
    const slept = sleep(60_000, ctl.signal);
    assert.equal(timers(), before + 1);
    ctl.abort();
    await slept;
    assert.ok(Date.now() - started < 1000);
    assert.equal(timers(), before);
  });

  test('a signal already aborted does not sleep at all', async () => {
    const started = Date.now();
    await sleep(60_000, AbortSignal.abort());
    assert.ok(Date.now() - started < 1000);
  });
});
