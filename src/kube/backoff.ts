// Retry pacing for loops that talk to the API server (the informer's list/watch loop): exponential delays
// with jitter, and an abortable sleep that leaves no timer behind.

export interface BackoffOptions {
  /** The first delay; default 200 ms. */
  initialMs?: number;
  /** The ceiling; default 30 s. */
  maxMs?: number;
  /** Growth per failure; default 2. */
  factor?: number;
  /** Each delay is spread uniformly over ±jitter of its nominal value; default 0.2. */
  jitter?: number;
  /** A source of numbers in [0, 1), for tests; default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff. `next()` gives the delay before the next attempt and grows the following one; only
 * `reset()` brings it back to the start, so the caller alone decides what counts as recovery.
 */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #nominal: number;
  #failures = 0;

  constructor(opts: BackoffOptions = {}) {
    this.initialMs = opts.initialMs ?? 200;
    this.maxMs = Math.max(opts.maxMs ?? 30_000, this.initialMs);
    this.#factor = opts.factor ?? 2;
    this.#jitter = Math.min(Math.max(opts.jitter ?? 0.2, 0), 1);
    this.#random = opts.random ?? Math.random;
    this.#nominal = this.initialMs;
  }

  /** Failures since the last reset. */
  get failures(): number {
    return this.#failures;
  }

  /** The delay to wait now (never above maxMs, never negative); the next call returns a longer one. */
  next(): number {
    const nominal = this.#nominal;
    this.#failures += 1;
    this.#nominal = Math.min(nominal * this.#factor, this.maxMs);
    const spread = nominal * this.#jitter * (2 * this.#random() - 1);
    return Math.round(Math.min(Math.max(nominal + spread, 0), this.maxMs));
  }

  reset(): void {
    this.#nominal = this.initialMs;
    this.#failures = 0;
  }
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts (without throwing); the timer is cleared either way,
 * so a pending sleep never keeps the process alive after its owner stopped.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
