// The work queue of one controller: keys wait here until a worker runs them. It guarantees what reconcilers
// rely on: a key waits at most once (de-duplication); one key never runs twice at the same time (a key
// added while it runs is run once more afterwards, after its retry delay if that run failed); a failing key
// is retried with exponential backoff, reset by a success; a key can ask to be run again later; at most
// `concurrency` keys run at once; and shutdown waits for the keys that are running.

/** The longest delay a Node timer holds. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** What a run of a key asks for next; a thrown error asks for a retry with backoff. */
export interface WorkOutcome {
  /** Run the key again after this many milliseconds (unless something adds it sooner). */
  requeueAfterMs?: number;
}

export type WorkFn = (key: string, signal: AbortSignal) => Promise<WorkOutcome | void>;

export interface WorkQueueOptions {
  /** Keys run at the same time (default 1). */
  concurrency?: number;
  /** The first retry delay of a failing key (default 500 ms); it doubles per failure in a row. */
  baseDelayMs?: number;
  /** The longest retry delay (default 5 min). */
  maxDelayMs?: number;
  /** Called after a run failed, with the delay before its retry. */
  onError?: (key: string, err: unknown, retryInMs: number) => void;
}

/** The retry delay after `failures` failures in a row (1 = the first failure). */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

export class WorkQueue {
  readonly #work: WorkFn;
  readonly #concurrency: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #onError: WorkQueueOptions['onError'];
  /** Keys ready to run, in the order they were added (a Set keeps insertion order). */
  readonly #ready = new Set<string>();
  /** Keys waiting for a time: when they become ready. */
  readonly #later = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #running = new Map<string, Promise<void>>();
  /** Keys added while they were running: run again once they finish. */
  readonly #dirty = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #abort = new AbortController();
  #idleWaiters: (() => void)[] = [];
  #shutDown = false;

  constructor(work: WorkFn, o: WorkQueueOptions = {}) {
    this.#work = work;
    this.#concurrency = Math.max(1, o.concurrency ?? 1);
    this.#baseMs = o.baseDelayMs ?? 500;
    this.#maxMs = o.maxDelayMs ?? 300_000;
    this.#onError = o.onError;
  }

  /** Keys ready to run and not yet running. */
  get depth(): number {
    return this.#ready.size;
  }

  /** Keys waiting for a requeue or a retry delay. */
  get delayed(): number {
    return this.#later.size;
  }

  /** Failures in a row of `key` (0 after a success). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Runs `key` as soon as a worker is free; a pending delay of it is dropped (this run supersedes it). */
  add(key: string): void {
    if (this.#shutDown) return;
    this.#clearLater(key);
    if (this.#running.has(key)) {
      this.#dirty.add(key);
      return;
    }
    this.#ready.add(key);
    this.#pump();
  }

  /** Runs `key` after `ms`; an earlier pending time wins, and a key already ready stays ready. */
  addAfter(key: string, ms: number): void {
    if (this.#shutDown) return;
    if (ms <= 0) return this.add(key);
    if (this.#ready.has(key) || this.#dirty.has(key)) return;
    const at = Date.now() + ms;
    const pending = this.#later.get(key);
    if (pending && pending.at <= at) return;
    this.#clearLater(key);
    this.#arm(key, at);
  }

  /**
   * A timer for `key` at `at`. Node's timers hold at most 2^31-1 ms (about 24.8 days; a longer delay fires
   * after 1 ms), so a far requeue — a yearly schedule — is reached through intermediate timers.
   */
  #arm(key: string, at: number): void {
    const timer = setTimeout(
      () => {
        if (Date.now() < at) return this.#arm(key, at);
        this.#later.delete(key);
        this.add(key);
      },
      Math.min(Math.max(at - Date.now(), 0), MAX_TIMER_MS),
    );
    this.#later.set(key, { at, timer });
  }

  /** Resolves once no key is ready or running (delayed keys may remain). */
  idle(): Promise<void> {
    if (this.#ready.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Stops taking keys, drops the waiting ones, aborts the signal given to running work and resolves once
   * every running key has finished.
   */
  async shutdown(): Promise<void> {
    this.#shutDown = true;
    for (const key of [...this.#later.keys()]) this.#clearLater(key);
    this.#ready.clear();
    this.#dirty.clear();
    this.#abort.abort();
    await Promise.all(this.#running.values());
    this.#notifyIdle();
  }

  #clearLater(key: string): void {
    const pending = this.#later.get(key);
    if (!pending) return;
    clearTimeout(pending.timer);
    this.#later.delete(key);
  }

  #pump(): void {
    while (!this.#shutDown && this.#running.size < this.#concurrency) {
      const next = this.#ready.values().next();
      if (next.done) break;
      const key = next.value;
      this.#ready.delete(key);
      this.#running.set(key, this.#run(key));
    }
    this.#notifyIdle();
  }

  async #run(key: string): Promise<void> {
    let retryInMs: number | undefined;
    let failed = false;
    try {
      const outcome = await this.#work(key, this.#abort.signal);
      this.#failures.delete(key);
      retryInMs = outcome?.requeueAfterMs;
    } catch (err) {
      failed = true;
      const n = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, n);
      retryInMs = backoffDelay(n, this.#baseMs, this.#maxMs);
      try {
        this.#onError?.(key, err, retryInMs);
      } catch {
        // a failing observer must not stop the queue
      }
    }
    this.#running.delete(key);
    // After a failure the backoff wins over an add that came during the run: a reconciler whose own write
    // re-adds its key must not spin at API speed while it fails.
    const dirty = this.#dirty.delete(key);
    if (dirty && !failed) this.add(key);
    else if (retryInMs !== undefined) this.addAfter(key, retryInMs);
    this.#pump();
  }

  #notifyIdle(): void {
    if (this.#ready.size > 0 || this.#running.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
