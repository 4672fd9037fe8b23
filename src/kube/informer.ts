// A list-then-watch informer: a local, read-only cache of one resource type (optionally one namespace and
// label/field selectors) kept current by a watch, with handlers told of every change. The pure parts live
// in cache.ts (cache, relist diff, indexes), informer-handlers.ts (ordered delivery) and backoff.ts.
import { randomInt } from 'node:crypto';
import { apiVersionOf, type ResourceType } from '../api/resource-type.ts';
import { Backoff, sleep, type BackoffOptions } from './backoff.ts';
import { ObjectCache } from './cache.ts';
import { KubeApiError, apiMessage, isGone, type KubeStatus } from './errors.ts';
import { HandlerSet, type InformerHandlers } from './informer-handlers.ts';
import { SyncLatch, abortable } from './informer-sync.ts';
import type { KubeClient, KubeObject } from './types.ts';

export type { InformerHandlers } from './informer-handlers.ts';

export interface InformerOptions<T extends KubeObject> {
  resource: ResourceType;
  /** Only this namespace; omit for every namespace (or a cluster-scoped resource). */
  namespace?: string;
  /** Applied to the LIST and the watch alike. */
  labelSelector?: string;
  fieldSelector?: string;
  /**
   * Cache metadata only (PartialObjectMetadata, apiVersion meta.k8s.io/v1, no spec, status or data): for
   * watching many or large objects, such as Secrets, of which a reader needs few whole (it GETs those).
   */
  metadataOnly?: boolean;
  /** Objects per LIST page; default 500. */
  pageSize?: number;
  /** Secondary indexes, read with `byIndex`: index name → the values an object is found under. */
  indexes?: Record<string, (obj: T) => string[]>;
  /**
   * Failed LIST or watch attempts (other than 410 Gone, which is handled by relisting), handler errors and
   * index functions that throw. None of them stops the informer. Default: a process warning.
   */
  onError?: (err: unknown) => void;
  /** Delays between failed attempts; default 200 ms doubling up to 30 s, ±20 % jitter. */
  backoff?: BackoffOptions;
  /** A watch connection that stays open this long resets the backoff (as a real event does); default 10 s. */
  healthyAfterMs?: number;
  /** The server-side timeout of each watch request; default a random 300–600 s, spreading reconnects. */
  watchTimeoutSeconds?: number;
}

export interface Informer<T extends KubeObject = KubeObject> {
  readonly resource: ResourceType;
  /** Starts the list/watch loop; calling it again does nothing. An informer cannot start after `stop()`. */
  start(): void;
  /** Ends the loop, aborting a LIST or watch in flight; resolves once it ended and the running handler returned. */
  stop(): Promise<void>;
  /** True once the first full LIST is in the cache and its `added` handlers have run. */
  readonly synced: boolean;
  /** Resolves when `synced`; rejects when the signal aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<void>;
  /** A cached object; `namespace` defaults to the informer's. Cached objects must not be modified. */
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): T[];
  /** The objects an index (from `indexes`) maps `value` to; an unknown index throws. */
  byIndex(index: string, value: string): T[];
  /**
   * Adds handlers; they first get every cached object as `added`, then each change. Calls are made one at a
   * time in the order of the changes, and a returned promise is awaited before the next call (of any
   * handler of this informer): a slow handler holds back the others and the reading of the watch.
   * Returns the function that removes the handlers.
   */
  on(handlers: InformerHandlers<T>): () => void;
}

/** A watch that ends sooner than this without any event counts as a failure for the backoff. */
const MIN_WATCH_MS = 1000;

export function createInformer<T extends KubeObject>(
  client: KubeClient,
  opts: InformerOptions<T>,
): Informer<T> {
  return new ListWatchInformer<T>(client, opts);
}

/** The Status of a watch ERROR event as the error it stands for (410 for an expired resourceVersion). */
function statusError(resource: ResourceType, status: KubeStatus): KubeApiError {
  const code = typeof status.code === 'number' && status.code > 0 ? status.code : 500;
  return new KubeApiError(
    `watch ${resource.plural}: ${status.message ?? status.reason ?? 'error event'}`,
    code,
    status,
  );
}

class ListWatchInformer<T extends KubeObject> implements Informer<T> {
  readonly resource: ResourceType;
  readonly #client: KubeClient;
  readonly #opts: InformerOptions<T>;
  readonly #cache: ObjectCache<T>;
  readonly #handlers: HandlerSet<T>;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();
  readonly #sync = new SyncLatch();
  #loop: Promise<void> | undefined;
  #stopped = false;
  /** Where the next watch starts; undefined when the cache must be (re)filled by a LIST first. */
  #rv: string | undefined;

  constructor(client: KubeClient, opts: InformerOptions<T>) {
    this.resource = opts.resource;
    this.#client = client;
    this.#opts = opts;
    this.#cache = new ObjectCache<T>(opts.indexes ?? {}, (err) => this.#report(err));
    this.#handlers = new HandlerSet<T>((err) => this.#report(err));
    this.#backoff = new Backoff(opts.backoff);
  }

  get synced(): boolean {
    return this.#sync.isOpen;
  }

  start(): void {
    if (this.#stopped)
      throw new Error(`the informer of ${this.resource.plural} was stopped; create a new one`);
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    this.#sync.fail(new Error(`the informer of ${this.resource.plural} was stopped before it synced`));
    const closed = this.#handlers.close();
    await this.#loop;
    await closed;
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    return this.#sync.wait(signal);
  }

  get(name: string, namespace?: string): T | undefined {
    const ns = this.resource.namespaced ? (namespace ?? this.#opts.namespace ?? '') : '';
    return this.#cache.get(name, ns);
  }

  list(namespace?: string): T[] {
    return this.#cache.list(namespace);
  }

  byIndex(index: string, value: string): T[] {
    return this.#cache.byIndex(index, value);
  }

  on(handlers: InformerHandlers<T>): () => void {
    return this.#handlers.add(handlers, this.#cache.list());
  }

  /**
   * LIST when the cache needs filling, then watch from the list's version; a watch that ends normally is
   * resumed from the last version seen, 410 Gone leads back to a LIST, and every failure waits out the
   * backoff. Only a watch event or a long-lived connection resets the backoff, so no failure mode loops hot.
   */
  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    while (!this.#stopped) {
      let delay = 0;
      try {
        if (this.#rv === undefined) await this.#relist(signal);
        if (this.#stopped) break;
        if (await this.#watch(this.#rv!, signal)) delay = this.#backoff.next();
      } catch (err) {
        if (this.#stopped) break;
        if (isGone(err)) this.#rv = undefined;
        else this.#report(err);
        delay = this.#backoff.next();
      }
      await sleep(delay, signal);
    }
  }

  /** Reads every page of the LIST, then replaces the cache with it and delivers the difference. */
  async #relist(signal: AbortSignal): Promise<void> {
    const { resource, namespace, labelSelector, fieldSelector, metadataOnly } = this.#opts;
    const items: T[] = [];
    let version = '';
    let token: string | undefined;
    do {
      const page = await abortable(
        this.#client.list<T>(resource, {
          namespace,
          labelSelector,
          fieldSelector,
          ...(metadataOnly && { metadataOnly }),
          limit: this.#opts.pageSize ?? 500,
          continue: token,
          signal,
        }),
        signal,
      );
      // A PartialObjectMetadataList with no item says `items: null`.
      items.push(...(page.items ?? []));
      version ||= page.metadata.resourceVersion;
      token = page.metadata.continue || undefined;
    } while (token !== undefined && !this.#stopped);
    if (this.#stopped) return;
    for (const item of items) {
      item.apiVersion ??= apiVersionOf(resource);
      item.kind ??= resource.kind;
    }
    const deltas = this.#cache.replace(items);
    this.#rv = version;
    await this.#handlers.deliver(deltas);
    if (!this.#stopped) this.#sync.open();
  }

  /**
   * One watch request from `version`, applying its events to the cache. Resolves when the stream ends
   * normally — true when it ended so soon, and empty, that reconnecting at once could loop hot; throws for
   * an ERROR event (as the KubeApiError of its Status) or a failed connection.
   */
  async #watch(version: string, stopSignal: AbortSignal): Promise<boolean> {
    const { resource, namespace, labelSelector, fieldSelector, metadataOnly } = this.#opts;
    const timeoutSeconds = this.#opts.watchTimeoutSeconds ?? randomInt(300, 601);
    const own = new AbortController();
    // The server ends the stream after timeoutSeconds; a connection silent for longer is dead, not idle.
    const watchdog = setTimeout(() => own.abort(), (timeoutSeconds + 30) * 1000);
    const started = Date.now();
    let events = 0;
    try {
      const stream = this.#client.watch<T>(resource, {
        namespace,
        labelSelector,
        fieldSelector,
        ...(metadataOnly && { metadataOnly }),
        resourceVersion: version,
        allowWatchBookmarks: true,
        timeoutSeconds,
        signal: AbortSignal.any([stopSignal, own.signal]),
      });
      for await (const ev of stream) {
        if (this.#stopped) break;
        events += 1;
        if (ev.type === 'ERROR') throw statusError(resource, ev.object as KubeStatus);
        const next = ev.object.metadata?.resourceVersion;
        if (ev.type === 'BOOKMARK') {
          if (next) this.#rv = next;
          continue;
        }
        this.#backoff.reset();
        const deltas = ev.type === 'DELETED' ? this.#cache.remove(ev.object) : this.#cache.upsert(ev.object);
        if (next) this.#rv = next;
        await this.#handlers.deliver(deltas);
      }
    } catch (err) {
      if (!stopSignal.aborted && !own.signal.aborted) throw err;
    } finally {
      clearTimeout(watchdog);
      own.abort();
      if (Date.now() - started >= (this.#opts.healthyAfterMs ?? 10_000)) this.#backoff.reset();
    }
    return events === 0 && Date.now() - started < MIN_WATCH_MS;
  }

  #report(err: unknown): void {
    try {
      if (this.#opts.onError) this.#opts.onError(err);
      else process.emitWarning(`informer of ${this.resource.plural}: ${apiMessage(err)}`);
    } catch {
      // an error reporter that throws must not stop the informer
    }
  }
}
