// The KubeClient on node:http(s): JSON in and out, every failure a KubeApiError (errors.ts). A
// namespaced resource addressed by name without a namespace uses the client's namespace, as kubectl does;
// a LIST or WATCH without one spans all namespaces.
import { apiVersionOf, type ResourceType } from '../api/resource-type.ts';
import { isNotFound } from './errors.ts';
import { Transport, type Connection, type HttpRequest } from './http.ts';
import { queryString, resourcePath, type Query } from './paths.ts';
import { listMeta } from './raw-list.ts';
import type {
  ApplyOptions,
  DeleteOptions,
  KubeClient,
  KubeObject,
  ListOptions,
  ObjectList,
  PatchOptions,
  PatchType,
  RawPage,
  RawRequest,
  WatchEvent,
  WatchOptions,
  WriteOptions,
} from './types.ts';
import { watchEvents } from './watch.ts';

export const DEFAULT_PAGE_SIZE = 500;
/**
 * The Accept headers of a metadata-only LIST and watch: the server converts each object to
 * PartialObjectMetadata (so a Secret's data never leaves it); `application/json` is the fallback of a server
 * that cannot.
 */
const METADATA_LIST = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const METADATA_OBJECT = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
/** The object with apiVersion and kind filled in from its resource when it lacks them (custom resources need them). */
const typed = <T extends KubeObject>(r: ResourceType, obj: T): T => ({
  apiVersion: apiVersionOf(r),
  kind: r.kind,
  ...obj,
});
const dryRun = (on: boolean | undefined): string | undefined => (on ? 'All' : undefined);

/** A client for one connection; one keep-alive agent shared by all its calls. */
export function createClient(conn: Connection, userAgent = 'cairn'): KubeClient {
  return new HttpKubeClient(conn, userAgent);
}

class HttpKubeClient implements KubeClient {
  readonly server: string;
  readonly namespace: string;
  readonly #t: Transport;

  constructor(conn: Connection, userAgent: string) {
    this.server = conn.server;
    this.namespace = conn.namespace;
    this.#t = new Transport(conn, userAgent);
  }

  /** The namespace of a call that addresses one object. */
  #ns(r: ResourceType, ...candidates: (string | undefined)[]): string | undefined {
    return r.namespaced ? (candidates.find((c) => c) ?? this.namespace) : undefined;
  }

  #call<T>(
    method: string,
    path: string,
    query: Query,
    body: unknown,
    extra: Partial<HttpRequest> = {},
  ): Promise<T> {
    const req: HttpRequest = { method, path: path + queryString(query), ...extra };
    if (body !== undefined) req.body = json(body);
    return this.#t.json<T>(req);
  }

  get<T = KubeObject>(r: ResourceType, name: string, namespace?: string, signal?: AbortSignal): Promise<T> {
    return this.#call<T>('GET', resourcePath(r, { namespace: this.#ns(r, namespace), name }), {}, undefined, {
      signal,
    });
  }

  async find<T = KubeObject>(
    r: ResourceType,
    name: string,
    namespace?: string,
    signal?: AbortSignal,
  ): Promise<T | undefined> {
    try {
      return await this.get<T>(r, name, namespace, signal);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  #listRequest(r: ResourceType, opts: ListOptions, cont: string | undefined): HttpRequest {
    const query: Query = {
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      limit: opts.limit ?? DEFAULT_PAGE_SIZE,
      continue: cont,
      // A continued page carries its own version in the token; the server refuses both together.
      resourceVersion: cont ? undefined : opts.resourceVersion,
      resourceVersionMatch: cont ? undefined : opts.resourceVersionMatch,
    };
    return {
      method: 'GET',
      path: resourcePath(r, { namespace: opts.namespace }) + queryString(query),
      signal: opts.signal,
      ...(opts.metadataOnly && { accept: METADATA_LIST }),
    };
  }

  list<T = KubeObject>(r: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    return this.#t.json<ObjectList<T>>(this.#listRequest(r, opts, opts.continue));
  }

  async listAll<T = KubeObject>(r: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> {
    const first = await this.list<T>(r, opts);
    const items = first.items ?? [];
    let cont = first.metadata?.continue;
    while (cont) {
      const page = await this.#t.json<ObjectList<T>>(this.#listRequest(r, opts, cont));
      for (const item of page.items ?? []) items.push(item);
      cont = page.metadata?.continue;
    }
    return { items, metadata: { resourceVersion: first.metadata?.resourceVersion ?? '' } };
  }

  async *listPages(r: ResourceType, opts: ListOptions = {}): AsyncGenerator<RawPage> {
    let cont = opts.continue;
    do {
      const body = await this.#t.buffer(this.#listRequest(r, opts, cont));
      const meta = listMeta(body);
      cont = meta.continue;
      yield { body, resourceVersion: meta.resourceVersion, ...(cont && { continue: cont }) };
    } while (cont);
  }

  create<T extends KubeObject>(r: ResourceType, obj: T, opts: WriteOptions = {}): Promise<T> {
    const path = resourcePath(r, { namespace: this.#ns(r, opts.namespace, obj.metadata?.namespace) });
    const query = { fieldManager: opts.fieldManager, dryRun: dryRun(opts.dryRun) };
    return this.#call<T>('POST', path, query, typed(r, obj), { signal: opts.signal });
  }

  replace<T extends KubeObject>(
    r: ResourceType,
    obj: T,
    opts: WriteOptions & { subresource?: string } = {},
  ): Promise<T> {
    const namespace = this.#ns(r, opts.namespace, obj.metadata?.namespace);
    const path = resourcePath(r, {
      namespace,
      name: obj.metadata?.name ?? '',
      subresource: opts.subresource,
    });
    const query = { fieldManager: opts.fieldManager, dryRun: dryRun(opts.dryRun) };
    return this.#call<T>('PUT', path, query, typed(r, obj), { signal: opts.signal });
  }

  patch<T = KubeObject>(r: ResourceType, name: string, patch: unknown, opts: PatchOptions): Promise<T> {
    const path = resourcePath(r, {
      namespace: this.#ns(r, opts.namespace),
      name,
      subresource: opts.subresource,
    });
    const query = {
      fieldManager: opts.fieldManager,
      force: opts.type === 'apply' && opts.force ? true : undefined,
      dryRun: dryRun(opts.dryRun),
    };
    return this.#call<T>('PATCH', path, query, patch, {
      contentType: PATCH_CONTENT_TYPES[opts.type],
      signal: opts.signal,
    });
  }

  apply<T extends KubeObject>(r: ResourceType, obj: T, opts: ApplyOptions): Promise<T> {
    if (!opts.fieldManager) throw new TypeError('server-side apply needs a fieldManager');
    return this.patch<T>(r, obj.metadata?.name ?? '', typed(r, obj), {
      ...opts,
      type: 'apply',
      namespace: this.#ns(r, obj.metadata?.namespace),
    });
  }

  patchStatus<T = KubeObject>(
    r: ResourceType,
    name: string,
    namespace: string | undefined,
    status: unknown,
    opts: { resourceVersion?: string; signal?: AbortSignal } = {},
  ): Promise<T> {
    // A resourceVersion in the patch is a precondition: the server answers 409 when it is stale.
    const body = opts.resourceVersion
      ? { metadata: { resourceVersion: opts.resourceVersion }, status }
      : { status };
    return this.patch<T>(r, name, body, {
      type: 'merge',
      subresource: 'status',
      namespace,
      signal: opts.signal,
    });
  }

  async delete(r: ResourceType, name: string, opts: DeleteOptions = {}): Promise<boolean> {
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: opts.propagationPolicy,
      gracePeriodSeconds: opts.gracePeriodSeconds,
      preconditions: opts.preconditions,
      dryRun: opts.dryRun ? ['All'] : undefined,
    };
    try {
      await this.#call(
        'DELETE',
        resourcePath(r, { namespace: this.#ns(r, opts.namespace), name }),
        {},
        body,
        {
          signal: opts.signal,
        },
      );
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async *watch<T = KubeObject>(r: ResourceType, opts: WatchOptions = {}): AsyncGenerator<WatchEvent<T>> {
    const query: Query = {
      watch: 1,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      resourceVersion: opts.resourceVersion,
      allowWatchBookmarks: opts.allowWatchBookmarks,
      timeoutSeconds: opts.timeoutSeconds,
    };
    const path = resourcePath(r, { namespace: opts.namespace }) + queryString(query);
    const accept = opts.metadataOnly ? { accept: METADATA_OBJECT } : {};
    yield* watchEvents<T>(this.#t, { method: 'GET', path, signal: opts.signal, ...accept }, this.server);
  }

  request<T = unknown>(req: RawRequest): Promise<T> {
    const extra: Partial<HttpRequest> = { signal: req.signal };
    if (req.contentType !== undefined) extra.contentType = req.contentType;
    if (req.accept !== undefined) extra.accept = req.accept;
    return this.#call<T>(req.method, req.path, req.query ?? {}, req.body, extra);
  }
}
