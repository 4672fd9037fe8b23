// A KubeClient for unit tests of list/watch consumers: LIST answers come from a function the test sets,
// every watch is a stream the test feeds (events, a normal end, a failure), and each call is recorded.
import { K8S, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { KubeApiError } from '../../src/kube/errors.ts';
import { createInformer, type Informer, type InformerOptions } from '../../src/kube/informer.ts';
import type {
  KubeClient,
  KubeObject,
  ListOptions,
  ObjectList,
  WatchEvent,
  WatchOptions,
} from '../../src/kube/types.ts';

type Item<T> = { event: WatchEvent<T> } | { end: true } | { error: unknown };

/** One watch request: events pushed by the test reach the consumer in order; aborting its signal ends it. */
export class FakeStream<T = KubeObject> implements AsyncIterable<WatchEvent<T>> {
  readonly opts: WatchOptions;
  readonly #items: Item<T>[] = [];
  #wake: (() => void) | undefined;
  /** Set once the consumer's signal aborted (while connecting or reading). */
  aborted = false;
  /** Set once the consumer stopped reading, however the stream ended. */
  closed = false;

  constructor(opts: WatchOptions) {
    this.opts = opts;
    opts.signal?.addEventListener('abort', () => {
      this.aborted = true;
      this.#wake?.();
    });
  }

  push(type: WatchEvent['type'], object: T): this {
    return this.#add({ event: { type, object } });
  }

  /** The server closed the stream normally (e.g. its timeout). */
  end(): this {
    return this.#add({ end: true });
  }

  /** The connection failed: iteration throws `err`. */
  fail(err: unknown): this {
    return this.#add({ error: err });
  }

  #add(item: Item<T>): this {
    this.#items.push(item);
    this.#wake?.();
    return this;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
    try {
      for (;;) {
        if (this.opts.signal?.aborted) return;
        const item = this.#items.shift();
        if (!item) {
          await new Promise<void>((resolve) => (this.#wake = resolve));
          this.#wake = undefined;
          continue;
        }
        if ('end' in item) return;
        if ('error' in item) throw item.error;
        yield item.event;
      }
    } finally {
      this.closed = true;
    }
  }
}

/** A LIST answer: the first page of `items` after `token`, with a continue token when more remain. */
export function pageOf<T>(items: readonly T[], rv: string, opts: ListOptions = {}): ObjectList<T> {
  const start = opts.continue ? Number(opts.continue.replace(/^page-/, '')) : 0;
  const limit = opts.limit ?? items.length;
  const end = Math.min(start + limit, items.length);
  return {
    items: items.slice(start, end),
    metadata: { resourceVersion: rv, ...(end < items.length ? { continue: `page-${end}` } : {}) },
  };
}

/** A ConfigMap in namespace `ns` as the fake serves it. */
export const configMap = (
  name: string,
  uid: string,
  rv: string,
  labels?: Record<string, string>,
): KubeObject => ({
  metadata: { name, namespace: 'ns', uid, resourceVersion: rv, ...(labels ? { labels } : {}) },
});

export const serverError = (): KubeApiError =>
  new KubeApiError('etcd unavailable', 500, { code: 500, message: 'etcd unavailable' });

/** Polls `check` every few milliseconds until it returns a value. */
export const until = <T>(what: string, check: () => T | undefined, timeoutMs = 3000): Promise<T> =>
  waitFor(check, { what, timeoutMs, intervalMs: 2 });

/** Runs `fn` with a (not yet started) informer of ConfigMaps in `ns` on `client`, stopped afterwards. */
export async function withInformer(
  client: FakeWatchClient,
  fn: (inf: Informer) => Promise<void>,
  extra: Partial<InformerOptions<KubeObject>> = {},
): Promise<void> {
  const inf = createInformer(client, {
    resource: K8S.configMaps,
    namespace: 'ns',
    onError: () => {},
    ...extra,
  });
  try {
    await fn(inf);
  } finally {
    await inf.stop();
  }
}

export const gone = (message = 'too old resource version'): KubeApiError =>
  new KubeApiError(message, 410, {
    kind: 'Status',
    status: 'Failure',
    reason: 'Expired',
    code: 410,
    message,
  });

/** A client whose `list` and `watch` are scripted by the test; every other call fails. */
export class FakeWatchClient implements KubeClient {
  readonly server = 'https://fake.invalid';
  readonly namespace = 'default';
  readonly lists: ListOptions[] = [];
  readonly streams: FakeStream[] = [];
  /** Answers each LIST; default an empty list at version 1. */
  onList: (opts: ListOptions) => ObjectList<KubeObject> | Promise<ObjectList<KubeObject>> = () => ({
    items: [],
    metadata: { resourceVersion: '1' },
  });
  /** Called with each new watch stream, e.g. to fail it at once. */
  onWatch: (stream: FakeStream) => void = () => {};

  list<T = KubeObject>(_r: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    this.lists.push(opts);
    return Promise.resolve(this.onList(opts)) as Promise<ObjectList<T>>;
  }

  watch<T = KubeObject>(_r: ResourceType, opts: WatchOptions = {}): AsyncIterable<WatchEvent<T>> {
    const s = new FakeStream(opts);
    this.streams.push(s);
    this.onWatch(s);
    return s as unknown as AsyncIterable<WatchEvent<T>>;
  }

  /** The latest watch stream (the one the consumer reads now). */
  get stream(): FakeStream {
    const s = this.streams.at(-1);
    if (!s) throw new Error('no watch yet');
    return s;
  }

  get = unsupported;
  find = unsupported;
  listAll = unsupported;
  listPages = unsupported as KubeClient['listPages'];
  create = unsupported;
  replace = unsupported;
  patch = unsupported;
  apply = unsupported;
  patchStatus = unsupported;
  delete = unsupported;
  request = unsupported;
}

function unsupported(): never {
  throw new Error('not supported by the fake client');
}
