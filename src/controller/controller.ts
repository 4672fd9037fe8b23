// A Controller binds one reconciler to its work queue and to informer events: a change of a primary object
// runs that object's key, a change of a child runs the keys of its owners, and any other watched object
// runs the keys a mapping names. It runs only between start() and stop() — the manager starts it while
// this replica leads — and every start is a fresh queue fed from the informers' caches.
import type { KubeObject } from '../kube/types.ts';
import { errorText } from '../common/redact.ts';
import { LogMessage, type Log } from '../common/log.ts';
import { objectKey, ownerKeys, type OwnerKind } from './keys.ts';
import type { ControllerMetrics } from './metrics.ts';
import { classifyReconcileError, type Reconciler } from './reconciler.ts';
import { WorkQueue, type WorkOutcome } from './work-queue.ts';

/** The part of an informer a controller needs (the handlers get the cache's current objects first). */
export interface EventSource<T = KubeObject> {
  on(handlers: {
    added?(obj: T): void;
    updated?(oldObj: T, newObj: T): void;
    deleted?(obj: T): void;
  }): () => void;
}

export interface Watch<T extends KubeObject = KubeObject> {
  source: EventSource<T>;
  /** The keys of this controller to run when `obj` is added, changed or deleted. */
  keys(obj: T): readonly string[];
}

export interface ControllerOptions {
  /** The Kind reconciled: the controller's name in logs and metrics. */
  kind: string;
  reconciler: Reconciler;
  /** Objects whose own key is reconciled when they change. */
  primary?: EventSource;
  /** Children whose owners (by ownerReferences of the given kind) are reconciled when they change. */
  owns?: { source: EventSource; owner: OwnerKind }[];
  watches?: Watch[];
  /** Keys run at every start, for objects no informer announces (e.g. one that does not exist yet). */
  startKeys?: readonly string[];
  concurrency?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** How long a key waits after a terminal error (default: maxDelayMs, 5 min). */
  terminalRetryMs?: number;
  log: Log;
  metrics?: ControllerMetrics;
}

export class Controller {
  readonly kind: string;
  readonly #o: ControllerOptions;
  #queue: WorkQueue | undefined;
  #unsubscribe: (() => void)[] = [];

  constructor(o: ControllerOptions) {
    this.kind = o.kind;
    this.#o = o;
  }

  get running(): boolean {
    return this.#queue !== undefined;
  }

  /** Starts a fresh queue and subscribes to the informers; the current objects are queued at once. */
  start(): void {
    if (this.#queue) return;
    const o = this.#o;
    const maxDelayMs = o.maxDelayMs ?? 300_000;
    const queue = new WorkQueue((key, signal) => this.#reconcile(key, signal), {
      concurrency: o.concurrency,
      baseDelayMs: o.baseDelayMs,
      maxDelayMs,
      onError: (key, err, retryInMs) => {
        o.log.error(LogMessage.reconcileFailed, {
          kind: o.kind,
          key,
          errorClass: 'retryable',
          retryInMs,
          err: errorText(err),
        });
      },
    });
    this.#queue = queue;
    const add = (keys: readonly (string | undefined)[]): void => {
      for (const k of keys) if (k) queue.add(k);
    };
    const subscribe = (source: EventSource, keys: (obj: KubeObject) => readonly (string | undefined)[]) =>
      source.on({
        added: (obj) => add(keys(obj)),
        updated: (old, obj) => add([...keys(old), ...keys(obj)]),
        deleted: (obj) => add(keys(obj)),
      });
    if (o.primary) this.#unsubscribe.push(subscribe(o.primary, (obj) => [objectKey(obj)]));
    for (const c of o.owns ?? [])
      this.#unsubscribe.push(subscribe(c.source, (obj) => ownerKeys(obj, c.owner)));
    for (const w of o.watches ?? []) this.#unsubscribe.push(subscribe(w.source, (obj) => w.keys(obj)));
    const untrack = o.metrics?.trackDepth(o.kind, () => queue.depth);
    if (untrack) this.#unsubscribe.push(untrack);
    add(o.startKeys ?? []);
    o.log.info(LogMessage.controllerStarted, { kind: o.kind });
  }

  /** Runs `key` now (if the controller runs). */
  enqueue(key: string): void {
    this.#queue?.add(key);
  }

  /** Resolves once no key is waiting or running (delayed keys may remain); at once when stopped. */
  idle(): Promise<void> {
    return this.#queue?.idle() ?? Promise.resolve();
  }

  /** Unsubscribes, aborts the running reconciles' signal and resolves once they have returned. */
  async stop(): Promise<void> {
    const queue = this.#queue;
    if (!queue) return;
    for (const u of this.#unsubscribe.splice(0)) u();
    this.#queue = undefined;
    await queue.shutdown();
    this.#o.log.info(LogMessage.controllerStopped, { kind: this.kind });
  }

  /** One reconcile with its metrics; terminal errors are logged here and retried only slowly. */
  async #reconcile(key: string, signal: AbortSignal): Promise<WorkOutcome | void> {
    const o = this.#o;
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const result = await o.reconciler.reconcile(key, signal);
      o.metrics?.reconciled(o.kind, 'success', seconds());
      return result ?? undefined;
    } catch (err) {
      if (signal.aborted) return; // stopped mid-reconcile: not a failure, the next leader runs it again
      o.metrics?.reconciled(o.kind, 'error', seconds());
      const errorClass = classifyReconcileError(err);
      o.metrics?.failed(o.kind, errorClass);
      if (errorClass === 'retryable') throw err;
      const retryInMs = o.terminalRetryMs ?? o.maxDelayMs ?? 300_000;
      o.log.error(LogMessage.reconcileFailed, {
        kind: o.kind,
        key,
        errorClass,
        retryInMs,
        err: errorText(err),
      });
      return { requeueAfterMs: retryInMs };
    }
  }
}
