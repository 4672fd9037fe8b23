// KubeClient wrappers for tests of list/watch consumers against a real API server: record the LIST and
// watch calls a consumer makes, hold some of them back at a gate (to make the consumer miss changes), or
// send its watches to another server.
import { createServer, type Server, type Socket } from 'node:net';
import type { ResourceType } from '../../src/api/resource-type.ts';
import type { KubeClient, ListOptions, WatchEvent, WatchOptions } from '../../src/kube/types.ts';

/** A barrier calls wait at while it is closed; a waiting call gives up when its signal aborts. */
export class Gate {
  #closed = false;
  #release: (() => void) | undefined;
  #opened: Promise<void> = Promise.resolve();
  /** Calls waiting now. */
  waiting = 0;

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#opened = new Promise((resolve) => (this.#release = resolve));
  }

  open(): void {
    this.#closed = false;
    this.#release?.();
  }

  async pass(signal?: AbortSignal): Promise<void> {
    if (!this.#closed) return;
    this.waiting += 1;
    try {
      await new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(new Error('aborted at the gate'));
        signal?.addEventListener('abort', onAbort, { once: true });
        void this.#opened.then(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    } finally {
      this.waiting -= 1;
    }
  }
}

export interface Recorded {
  client: KubeClient;
  lists: ListOptions[];
  watches: WatchOptions[];
}

/**
 * `inner` with its `list` and `watch` calls recorded. `listGate(opts)` may name a gate a LIST waits at
 * before it is sent; `watchGate` is the gate every watch waits at; `watchVia` serves the watches instead.
 */
export function recordingClient(
  inner: KubeClient,
  hooks: { listGate?: (opts: ListOptions) => Gate | undefined; watchGate?: Gate; watchVia?: KubeClient } = {},
): Recorded {
  const lists: ListOptions[] = [];
  const watches: WatchOptions[] = [];
  const client = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'list') {
        return async (r: ResourceType, opts: ListOptions = {}) => {
          lists.push(opts);
          await hooks.listGate?.(opts)?.pass(opts.signal);
          return target.list(r, opts);
        };
      }
      if (prop === 'watch') {
        return async function* (r: ResourceType, opts: WatchOptions = {}): AsyncGenerator<WatchEvent> {
          watches.push(opts);
          await hooks.watchGate?.pass(opts.signal);
          yield* (hooks.watchVia ?? target).watch(r, opts);
        };
      }
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { client, lists, watches };
}

/** A TCP server that accepts connections and never answers: a request to it stays "connecting". */
export async function silentServer(): Promise<{ port: number; sockets: Socket[]; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    s.resume(); // read and drop what the client sends, so that its closing is seen
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
