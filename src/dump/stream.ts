// One resource type's objects, page by page: a paginated LIST whose raw pages are parsed one at a time and
// handed on, so memory holds two pages per type in flight (the one handed on and the next one being
// fetched), never a whole collection. A page that fails with a retryable error is asked for again with the
// same continue token; an expired continue token (410 Gone) starts the type over, after telling the
// consumer to forget what it had from this type.
import { sleep } from '../kube/backoff.ts';
import { apiMessage, errorClass, KubeApiError } from '../kube/errors.ts';
import { apiVersionOf } from '../api/resource-type.ts';
import { isObject, type JsonObject } from '../common/json.ts';
import type { KubeClient } from '../kube/types.ts';
import type { TypePlan } from './select.ts';

export interface StreamOptions {
  pageSize: number;
  /** Attempts per page for retryable failures (5xx, 429, transport errors). */
  attempts?: number;
  /** Fresh starts allowed after expired continue tokens. */
  restarts?: number;
  /** Delay before the first retry, doubled for each next one. */
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** Receives each page's items, each with `apiVersion` and `kind` set (a List's items lack them). */
  onPage: (items: JsonObject[]) => void | Promise<void>;
  /** The type starts over: drop what `onPage` received for it so far. */
  onRestart: () => void;
  /** Time spent waiting for pages, in milliseconds, reported per page. */
  onFetchTime?: (ms: number) => void;
}

/** How listing a type ended. */
export type StreamOutcome =
  | { status: 'done' }
  | { status: 'gone'; message: string }
  | { status: 'failed'; forbidden: boolean; message: string };

/** The items of a raw List page; `apiVersion` and `kind` filled in from the resource type. */
export function pageItems(body: Buffer, plan: TypePlan): JsonObject[] {
  const list = JSON.parse(body.toString('utf8')) as { items?: unknown };
  const apiVersion = apiVersionOf(plan.resource);
  const items: JsonObject[] = [];
  for (const item of Array.isArray(list.items) ? list.items : []) {
    if (!isObject(item)) continue;
    item.apiVersion = apiVersion;
    item.kind = plan.resource.kind;
    items.push(item);
  }
  return items;
}

/** Lists every object of `plan` (in each of its namespaces, or cluster-wide), never throwing API errors. */
export async function streamType(
  client: KubeClient,
  plan: TypePlan,
  opts: StreamOptions,
): Promise<StreamOutcome> {
  let restarts = opts.restarts ?? 5;
  for (;;) {
    try {
      for (const namespace of plan.namespaces ?? [undefined])
        await streamScope(client, plan, namespace, opts);
      return { status: 'done' };
    } catch (err) {
      if (opts.signal?.aborted || !(err instanceof KubeApiError)) throw err;
      const cls = errorClass(err);
      if (cls === 'gone' && restarts-- > 0) {
        opts.onRestart();
        continue;
      }
      if (cls === 'not-found') return { status: 'gone', message: apiMessage(err) };
      return { status: 'failed', forbidden: cls === 'forbidden', message: apiMessage(err) };
    }
  }
}

async function streamScope(
  client: KubeClient,
  plan: TypePlan,
  namespace: string | undefined,
  opts: StreamOptions,
): Promise<void> {
  const attempts = opts.attempts ?? 4;
  let cont: string | undefined;
  let failures = 0;
  for (;;) {
    const iterable = client.listPages(plan.resource, {
      limit: opts.pageSize,
      ...(namespace !== undefined && { namespace }),
      ...(plan.labelSelector && { labelSelector: plan.labelSelector }),
      ...(cont !== undefined && { continue: cont }),
      ...(opts.signal && { signal: opts.signal }),
    });
    const pages = iterable[Symbol.asyncIterator]();
    try {
      // The next page is asked for before this one is handed on, so the server works while we write.
      let pending = pages.next();
      for (;;) {
        const started = performance.now();
        const next = await pending;
        opts.onFetchTime?.(performance.now() - started);
        if (next.done) return;
        failures = 0;
        const page = next.value;
        if (page.continue !== undefined) {
          pending = pages.next();
          // Settled (or abandoned, when onPage throws) later; never an unhandled rejection.
          pending.catch(() => undefined);
        }
        await opts.onPage(pageItems(page.body, plan));
        if (page.continue === undefined) return;
        cont = page.continue;
      }
    } catch (err) {
      // Only a failed LIST call is retried here: what onPage throws is not an API error and ends the dump.
      if (opts.signal?.aborted || !(err instanceof KubeApiError) || errorClass(err) !== 'retryable')
        throw err;
      if (++failures >= attempts) throw err;
      await sleep((opts.retryDelayMs ?? 250) * 2 ** (failures - 1), opts.signal);
    }
  }
}
