// An in-memory informer for unit tests: objects are put and removed by the test, handlers see the cache
// first (as `added`) and then every change, synchronously.
import { K8S, type ResourceType } from '../../../src/api/resource-type.ts';
import type { Informer, InformerHandlers } from '../../../src/kube/informer.ts';
import type { KubeObject } from '../../../src/kube/types.ts';

const keyOf = (o: KubeObject): string =>
  o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : (o.metadata?.name ?? '');

export class FakeInformer<T extends KubeObject = KubeObject> implements Informer<T> {
  readonly resource: ResourceType;
  readonly objects = new Map<string, T>();
  readonly #handlers = new Set<InformerHandlers<T>>();
  started = false;
  stopped = false;
  synced = false;
  #syncWaiters: (() => void)[] = [];

  constructor(resource: ResourceType = K8S.configMaps) {
    this.resource = resource;
  }

  start(): void {
    this.started = true;
  }

  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  /** Marks the first LIST done. */
  sync(): void {
    this.synced = true;
    for (const w of this.#syncWaiters.splice(0)) w();
  }

  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
      this.#syncWaiters.push(resolve);
    });
  }

  get(name: string, namespace?: string): T | undefined {
    return this.objects.get(namespace ? `${namespace}/${name}` : name);
  }

  list(): T[] {
    return [...this.objects.values()];
  }

  byIndex(): T[] {
    return [];
  }

  on(handlers: InformerHandlers<T>): () => void {
    this.#handlers.add(handlers);
    for (const o of this.objects.values()) void handlers.added?.(o);
    return () => this.#handlers.delete(handlers);
  }

  /** Adds or replaces an object, telling the handlers. */
  put(obj: T): void {
    const key = keyOf(obj);
    const old = this.objects.get(key);
    this.objects.set(key, obj);
    for (const h of this.#handlers) void (old ? h.updated?.(old, obj) : h.added?.(obj));
  }

  remove(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    for (const h of this.#handlers) void h.deleted?.(old);
  }

  get handlerCount(): number {
    return this.#handlers.size;
  }
}
