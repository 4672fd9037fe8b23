import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { backoffDelay, WorkQueue, type WorkOutcome } from '../../../src/controller/work-queue.ts';

/** Lets every settled promise run its continuations (timers are mocked, setImmediate is not). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A run that the test finishes by hand. */
interface Pending {
  key: string;
  signal: AbortSignal;
  finish(outcome?: WorkOutcome | Error): void;
}

function manual(): {
  runs: Pending[];
  work: (key: string, signal: AbortSignal) => Promise<WorkOutcome | void>;
} {
  const runs: Pending[] = [];
  return {
    runs,
    work: (key, signal) =>
      new Promise((resolve, reject) => {
        runs.push({
          key,
          signal,
          finish: (o) => (o instanceof Error ? reject(o) : resolve(o)),
        });
      }),
  };
}

const fakeTime = (t: TestContext): void => t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });

void test('a key added several times while it waits runs once', async () => {
  const ran: string[] = [];
  const q = new WorkQueue((key) => Promise.resolve(void ran.push(key)));
  // Occupy the single worker so that the adds below only wait.
  q.add('a');
  q.add('b');
  q.add('b');
  q.add('b');
  await q.idle();
  assert.deepEqual(ran, ['a', 'b']);
});

void test('a key never runs twice at once; added while running, it runs once more afterwards', async () => {
  const m = manual();
  const q = new WorkQueue(m.work, { concurrency: 4 });
  q.add('a');
  await flush();
  q.add('a');
  q.add('a');
  await flush();
  assert.equal(m.runs.length, 1, 'the second add waits for the first run');
  m.runs[0]?.finish();
  await flush();
  assert.equal(m.runs.length, 2);
  m.runs[1]?.finish();
  await q.idle();
  assert.equal(m.runs.length, 2, 'the adds during the run made one more run, not two');
});

void test('no more than `concurrency` keys run at once', async () => {
  const m = manual();
  const q = new WorkQueue(m.work, { concurrency: 2 });
  for (const k of ['a', 'b', 'c', 'd']) q.add(k);
  await flush();
  assert.deepEqual(
    m.runs.map((r) => r.key),
    ['a', 'b'],
  );
  assert.equal(q.depth, 2);
  m.runs[0]?.finish();
  await flush();
  assert.deepEqual(
    m.runs.map((r) => r.key),
    ['a', 'b', 'c'],
  );
  for (const r of m.runs.slice(1)) r.finish();
  await flush();
  m.runs[3]?.finish();
  await q.idle();
  assert.equal(m.runs.length, 4);
});

void test('the retry delay doubles per failure in a row and stops at the maximum', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 1000)),
    [100, 200, 400, 800, 1000, 1000],
  );
  assert.equal(backoffDelay(0, 100, 1000), 0);
  assert.equal(backoffDelay(500, 100, 1000), 1000);
});

void test('a failing key is retried with exponential backoff, and a success resets it', async (t) => {
  fakeTime(t);
  const times: number[] = [];
  let failuresLeft = 3;
  const errors: number[] = [];
  const q = new WorkQueue(
    () => {
      times.push(Date.now());
      return failuresLeft-- > 0 ? Promise.reject(new Error('not yet')) : Promise.resolve();
    },
    { baseDelayMs: 100, maxDelayMs: 10_000, onError: (_k, _e, delay) => errors.push(delay) },
  );
  q.add('a');
  await flush();
  assert.equal(q.failures('a'), 1);
  for (const step of [100, 200, 400]) {
    t.mock.timers.tick(step);
    await flush();
  }
  assert.deepEqual(times, [0, 100, 300, 700]);
  assert.deepEqual(errors, [100, 200, 400]);
  assert.equal(q.failures('a'), 0, 'the success reset the count');
  assert.equal(q.delayed, 0);
});

void test('requeueAfter runs the key again after that time, the earliest of two times winning', async (t) => {
  fakeTime(t);
  const times: number[] = [];
  const q = new WorkQueue(() => {
    times.push(Date.now());
    return Promise.resolve(times.length === 1 ? { requeueAfterMs: 5000 } : undefined);
  });
  q.add('a');
  await flush();
  q.addAfter('a', 8000); // later than the pending 5 s: ignored
  t.mock.timers.tick(4999);
  await flush();
  assert.deepEqual(times, [0]);
  t.mock.timers.tick(1);
  await flush();
  assert.deepEqual(times, [0, 5000]);
  t.mock.timers.tick(10_000);
  await flush();
  assert.deepEqual(times, [0, 5000], 'nothing else was pending');
});

void test('an add now supersedes a pending delay', async (t) => {
  fakeTime(t);
  const times: number[] = [];
  const q = new WorkQueue(() => Promise.resolve(void times.push(Date.now())));
  q.addAfter('a', 1000);
  t.mock.timers.tick(10);
  q.add('a');
  await flush();
  t.mock.timers.tick(2000);
  await flush();
  assert.deepEqual(times, [10]);
});

void test('a key added during a failing run waits for its backoff instead of running at once', async (t) => {
  fakeTime(t);
  const m = manual();
  const q = new WorkQueue(m.work, { baseDelayMs: 100 });
  q.add('a');
  await flush();
  q.add('a');
  m.runs[0]?.finish(new Error('boom'));
  await flush();
  assert.equal(m.runs.length, 1);
  t.mock.timers.tick(100);
  await flush();
  assert.equal(m.runs.length, 2);
  m.runs[1]?.finish();
  await q.idle();
});

void test('shutdown aborts the running work, waits for it, and drops what waits', async (t) => {
  fakeTime(t);
  const m = manual();
  const q = new WorkQueue(m.work);
  q.add('a');
  q.add('b');
  q.addAfter('c', 1000);
  await flush();
  let done = false;
  const stopping = q.shutdown().then(() => (done = true));
  await flush();
  assert.equal(m.runs[0]?.signal.aborted, true);
  assert.equal(done, false, 'shutdown waits for the running key');
  m.runs[0]?.finish();
  await stopping;
  t.mock.timers.tick(5000);
  q.add('d');
  await flush();
  assert.deepEqual(
    m.runs.map((r) => r.key),
    ['a'],
  );
  assert.equal(q.depth + q.delayed, 0);
});

void test('a requeue beyond what a Node timer holds (a yearly schedule) waits, instead of firing at once', async () => {
  // Real timers: Node turns a delay over 2^31-1 ms into 1 ms, which would make such a key spin.
  let runs = 0;
  const q = new WorkQueue(() => {
    runs++;
    return Promise.resolve();
  });
  q.addAfter('yearly', 365 * 24 * 3600_000);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(runs, 0, 'the key ran long before its time');
  await q.shutdown();
});

void test('a requeue beyond what a Node timer holds runs at its time, through intermediate timers', async (t) => {
  fakeTime(t);
  const times: number[] = [];
  const q = new WorkQueue(() => {
    times.push(Date.now());
    return Promise.resolve();
  });
  const far = 60 * 24 * 3600_000; // 60 days: three 24.8-day timers
  q.addAfter('a', far);
  t.mock.timers.tick(far - 1);
  await flush();
  assert.deepEqual(times, []);
  t.mock.timers.tick(1);
  await flush();
  assert.deepEqual(times, [far]);
});
