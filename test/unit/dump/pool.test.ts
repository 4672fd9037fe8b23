import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachLimit } from '../../../src/dump/pool.ts';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('no more than the limit of calls run at once, and every item is visited once', async () => {
  let running = 0;
  let most = 0;
  const seen: number[] = [];
  await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
    running++;
    most = Math.max(most, running);
    await tick();
    seen.push(item);
    running--;
  });
  assert.equal(most, 3);
  assert.deepEqual(
    seen.sort((a, b) => a - b),
    [1, 2, 3, 4, 5, 6, 7],
  );
});

test('the first failure is re-thrown after the started calls settle, and no new call starts', async () => {
  const started: number[] = [];
  let settled = 0;
  const err = await forEachLimit([1, 2, 3, 4, 5], 2, async (item) => {
    started.push(item);
    await tick();
    settled++;
    if (item === 1) throw new Error('one failed');
  }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal((err as Error).message, 'one failed');
  assert.deepEqual(started, [1, 2]);
  assert.equal(settled, 2);
});

test('an empty list resolves at once', async () => {
  await forEachLimit([], 4, () => Promise.reject(new Error('never called')));
});
