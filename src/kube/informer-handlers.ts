// Delivery of an informer's deltas to its handlers: one at a time, in order, each async handler awaited
// before the next call, every failure reported and swallowed. Both the initial list and the watch use it.
import type { Delta } from './cache.ts';

export interface InformerHandlers<T> {
  added?(obj: T): void | Promise<void>;
  updated?(oldObj: T, newObj: T): void | Promise<void>;
  deleted?(obj: T): void | Promise<void>;
}

interface Registration<T> {
  handlers: InformerHandlers<T>;
  active: boolean;
}

/**
 * The handlers of one informer. Every delivery (a batch of deltas, or the replay of the cache to a new
 * handler) is queued behind the previous one, so handlers see the changes in the order the cache made them,
 * and a handler registered at any moment sees the cache as it was then (as `added`) followed by every later
 * change, never one twice.
 */
export class HandlerSet<T> {
  readonly #regs = new Set<Registration<T>>();
  readonly #report: (err: unknown) => void;
  #tail: Promise<void> = Promise.resolve();
  #closed = false;

  /** `report` receives what a handler threw or rejected with. */
  constructor(report: (err: unknown) => void) {
    this.#report = report;
  }

  /**
   * Registers handlers; they first get `current` (the cache at this moment) as `added`. The returned
   * function unsubscribes: nothing is delivered to them afterwards, even what was already queued.
   */
  add(handlers: InformerHandlers<T>, current: readonly T[]): () => void {
    const reg: Registration<T> = { handlers, active: true };
    this.#regs.add(reg);
    if (current.length > 0) {
      void this.#enqueue(
        [reg],
        current.map((obj) => ({ type: 'added', obj })),
      );
    }
    return () => {
      reg.active = false;
      this.#regs.delete(reg);
    };
  }

  /** Delivers deltas to the handlers registered now; resolves once every call has returned or settled. */
  deliver(deltas: readonly Delta<T>[]): Promise<void> {
    if (deltas.length === 0 || this.#regs.size === 0) return this.#tail;
    return this.#enqueue([...this.#regs], deltas);
  }

  /** Stops all deliveries (queued ones are dropped); resolves when the call in progress has returned. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#tail;
  }

  #enqueue(regs: Registration<T>[], deltas: readonly Delta<T>[]): Promise<void> {
    this.#tail = this.#tail.then(() => this.#run(regs, deltas));
    return this.#tail;
  }

  async #run(regs: Registration<T>[], deltas: readonly Delta<T>[]): Promise<void> {
    for (const d of deltas) {
      for (const reg of regs) {
        if (this.#closed) return;
        if (!reg.active) continue;
        try {
          const h = reg.handlers;
          if (d.type === 'added') await h.added?.(d.obj);
          else if (d.type === 'updated') await h.updated?.(d.oldObj, d.newObj);
          else await h.deleted?.(d.obj);
        } catch (err) {
          try {
            this.#report(err);
          } catch {
            // a failing error reporter must not stop delivery either
          }
        }
      }
    }
  }
}
