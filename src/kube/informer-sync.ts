// Small promise helpers of the informer: the "synced" latch its callers wait on, and a request that gives
// up when the informer stops.

/**
 * A latch that opens once. Waiters resolve when it opens, or reject when it fails first or their own signal
 * aborts; a waiter that gives up is forgotten, so no listener or promise outlives its use.
 */
export class SyncLatch {
  readonly #waiters = new Set<{ resolve(): void; reject(err: unknown): void }>();
  #open = false;
  #failure: Error | undefined;

  get isOpen(): boolean {
    return this.#open;
  }

  wait(signal?: AbortSignal): Promise<void> {
    if (this.#open) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(asError(signal.reason));
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => waiter.reject(signal?.reason);
      const settle = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter = {
        resolve: () => (settle(), resolve()),
        reject: (err: unknown) => (settle(), reject(asError(err))),
      };
      this.#waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Opens the latch (unless it already failed): every waiter resolves. */
  open(): void {
    if (this.#open || this.#failure) return;
    this.#open = true;
    for (const w of [...this.#waiters]) w.resolve();
  }

  /** Fails the latch (unless it is already open): every waiter, present and future, rejects with `err`. */
  fail(err: Error): void {
    if (this.#open || this.#failure) return;
    this.#failure = err;
    for (const w of [...this.#waiters]) w.reject(err);
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** `p`, or a rejection as soon as `signal` aborts: a stop never waits on a request that ignores its signal. */
export function abortable<R>(p: Promise<R>, signal: AbortSignal): Promise<R> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<R>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
