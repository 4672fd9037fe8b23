// The surface of Cairn's Kubernetes client (implemented in client.ts on node:https). Every module that talks
// to the API server gets a KubeClient from `kubeClient()` (connect.ts) and uses only what is declared here.
// Objects are plain JSON: types come from `import type` of client-node's models, never its runtime.
import type { ObjectMeta } from '../api/kinds/meta.ts';
import type { ResourceType } from '../api/resource-type.ts';

/** Any Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta & { [key: string]: unknown };
  [key: string]: unknown;
}

export interface ListOptions {
  /** Omit for a cluster-wide list of a namespaced resource. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; the client's default is 500. */
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
  /**
   * Items as PartialObjectMetadata (apiVersion meta.k8s.io/v1): metadata only, no spec, status or data.
   * Every resource supports it; a server that does not answers with whole objects.
   */
  metadataOnly?: boolean;
  signal?: AbortSignal;
}

export interface ObjectList<T> {
  items: T[];
  metadata: { resourceVersion: string; continue?: string; remainingItemCount?: number };
}

/** One page of a LIST as the server sent it, parsed only as far as its list metadata. */
export interface RawPage {
  /** The bytes of the response body (a JSON List). */
  body: Buffer;
  resourceVersion: string;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Start after this version; omit to get the current state as synthetic ADDED events first. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Server-side timeout of the watch; the stream then ends normally. */
  timeoutSeconds?: number;
  /** Objects as PartialObjectMetadata: metadata only (see ListOptions). */
  metadataOnly?: boolean;
  /** Aborting ends the iteration, also while the connection is still being made. */
  signal?: AbortSignal;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** An event of a watch stream. For ERROR, `object` is a Kubernetes Status (410 = resourceVersion gone). */
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WriteOptions {
  namespace?: string;
  fieldManager?: string;
  /** Server-side dry run: validated and admitted, nothing stored. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  type: PatchType;
  subresource?: string;
  /** For `apply`: take over fields owned by other managers. */
  force?: boolean;
}

/** Server-side apply: the field manager is required; `force` takes over fields other managers own. */
export interface ApplyOptions {
  fieldManager: string;
  force?: boolean;
  subresource?: string;
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface DeleteOptions {
  namespace?: string;
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface RawRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The URL path, e.g. `/api/v1/namespaces/x/pods`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  /** The Accept header; default `application/json` (discovery asks for the aggregated form with it). */
  accept?: string;
  signal?: AbortSignal;
}

export interface KubeClient {
  /** The API server URL (for messages; never carries credentials). */
  readonly server: string;
  /** The namespace of the kubeconfig's context (or the pod's namespace in a cluster); `default` otherwise. */
  readonly namespace: string;

  /** The object; a KubeApiError with status 404 when it does not exist. */
  get<T = KubeObject>(r: ResourceType, name: string, namespace?: string, signal?: AbortSignal): Promise<T>;
  /** The object, or undefined on 404 (also when the resource type itself is not served). */
  find<T = KubeObject>(
    r: ResourceType,
    name: string,
    namespace?: string,
    signal?: AbortSignal,
  ): Promise<T | undefined>;
  /** One page of a LIST. */
  list<T = KubeObject>(r: ResourceType, opts?: ListOptions): Promise<ObjectList<T>>;
  /** Every page of a LIST, followed through `continue`; the resourceVersion is the first page's. */
  listAll<T = KubeObject>(r: ResourceType, opts?: ListOptions): Promise<ObjectList<T>>;
  /** The pages of a LIST as raw bytes, one in flight, for streaming consumers (the dump). */
  listPages(r: ResourceType, opts?: ListOptions): AsyncIterable<RawPage>;
  create<T extends KubeObject>(r: ResourceType, obj: T, opts?: WriteOptions): Promise<T>;
  /** PUT; the object's `metadata.resourceVersion`, when set, makes it conditional (409 on a stale one). */
  replace<T extends KubeObject>(
    r: ResourceType,
    obj: T,
    opts?: WriteOptions & { subresource?: string },
  ): Promise<T>;
  patch<T = KubeObject>(r: ResourceType, name: string, patch: unknown, opts: PatchOptions): Promise<T>;
  /** Server-side apply of a whole object (name and namespace from its metadata). */
  apply<T extends KubeObject>(r: ResourceType, obj: T, opts: ApplyOptions): Promise<T>;
  /**
   * A merge patch of the `status` subresource. With `resourceVersion` the write is conditional: a stale
   * version fails with 409 (optimistic concurrency).
   */
  patchStatus<T = KubeObject>(
    r: ResourceType,
    name: string,
    namespace: string | undefined,
    status: unknown,
    opts?: { resourceVersion?: string; signal?: AbortSignal },
  ): Promise<T>;
  /** DELETE; resolves to false when the object was already gone. */
  delete(r: ResourceType, name: string, opts?: DeleteOptions): Promise<boolean>;
  /** A watch stream; iteration ends when the server closes it, the signal aborts, or it fails (throws). */
  watch<T = KubeObject>(r: ResourceType, opts?: WatchOptions): AsyncIterable<WatchEvent<T>>;
  /** Any other call (subresources such as `token`, discovery, `/version`); returns the parsed JSON body. */
  request<T = unknown>(req: RawRequest): Promise<T>;
}
