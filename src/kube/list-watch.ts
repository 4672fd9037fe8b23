import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface ListWatchOptions<T extends KubernetesObject> {
  /** A collection path, e.g. `/api/v1/pods` or `/apis/batch/v1/namespaces/ns/jobs`. */
  path: string;
  /** Lists the collection: the items and the list's resourceVersion. */
  list: () => Promise<{ items: T[]; resourceVersion: string }>;
  onEvent: (type: WatchEventType, obj: T) => void;
  onError?: (err: unknown) => void;
  labelSelector?: string;
  fieldSelector?: string;
}

/**
 * Delivers the collection's current objects as ADDED, then every change, for as long as it runs. A
 * watch that ends is resumed from the last resourceVersion seen; a 410 Gone or any failure lists
 * again (objects that vanished meanwhile are reported DELETED), with a backoff capped at 10 s.
 * Unlike client-node's informer it never stops by itself; call the returned stop function.
 */
export function listWatch<T extends KubernetesObject>(kc: KubeConfig, opts: ListWatchOptions<T>): () => void {
  const watch = new Watch(kc);
  let stopped = false;
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let backoff = 250;
  const known = new Map<string, T>();
  const key = (o: T): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

  const relist = async (): Promise<string> => {
    const { items, resourceVersion } = await opts.list();
    const seen = new Set<string>();
    for (const item of items) {
      const k = key(item);
      seen.add(k);
      const prev = known.get(k);
      known.set(k, item);
      if (!prev) opts.onEvent('ADDED', item);
      else if (prev.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        opts.onEvent('MODIFIED', item);
    }
    for (const [k, obj] of known) {
      if (!seen.has(k)) {
        known.delete(k);
        opts.onEvent('DELETED', obj);
      }
    }
    return resourceVersion;
  };

  const schedule = (fn: () => Promise<void>, delay: number): void => {
    if (stopped) return;
    timer = setTimeout(() => void fn(), delay);
  };

  const watchFrom = async (rv: string): Promise<void> => {
    if (stopped) return;
    let lastRv = rv;
    let gone = false;
    const params: Record<string, string | boolean> = { resourceVersion: rv, allowWatchBookmarks: true };
    if (opts.labelSelector) params.labelSelector = opts.labelSelector;
    if (opts.fieldSelector) params.fieldSelector = opts.fieldSelector;
    try {
      abort = await watch.watch(
        opts.path,
        params,
        (type: string, obj: T) => {
          backoff = 250;
          if (type === 'BOOKMARK') {
            lastRv = obj.metadata?.resourceVersion ?? lastRv;
            return;
          }
          if (type === 'ERROR') {
            gone = (obj as unknown as { code?: number }).code === 410;
            return;
          }
          lastRv = obj.metadata?.resourceVersion ?? lastRv;
          if (type === 'DELETED') known.delete(key(obj));
          else known.set(key(obj), obj);
          opts.onEvent(type as WatchEventType, obj);
        },
        (err: unknown) => {
          if (stopped) return;
          const name = (err as { name?: string } | null)?.name;
          if (!err || name === 'TimeoutError' || name === 'AbortError') {
            if (gone) schedule(restart, 0);
            else schedule(() => watchFrom(lastRv), 0);
          } else {
            opts.onError?.(err);
            schedule(restart, backoff);
            backoff = Math.min(backoff * 2, 10_000);
          }
        },
      );
    } catch (err) {
      opts.onError?.(err);
      schedule(restart, backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  };

  const restart = async (): Promise<void> => {
    if (stopped) return;
    try {
      const rv = await relist();
      await watchFrom(rv);
    } catch (err) {
      opts.onError?.(err);
      schedule(restart, backoff);
      backoff = Math.min(backoff * 2, 10_000);
    }
  };

  void restart();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    abort?.abort();
  };
}
