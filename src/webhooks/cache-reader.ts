// The ClusterReader of the running operator: every read is answered from informer caches (src/kube/
// informer.ts) that the operator starts once, so an admission request makes no call to the API server at
// all — no LIST, no GET. Reading a cache that has not finished its first LIST fails the request (the API
// server then refuses the object with "try again") instead of deciding on a partial view.
import { labelsOf } from '../api/object-meta.ts';
import { K8S, KUBESTASH, qualifiedName, type ResourceType } from '../api/resource-type.ts';
import type { NamespaceInfo } from '../api/usage-policy.ts';
import type { ClusterReader } from './routes.ts';

/** The part of an informer the reader uses; `Informer` of src/kube/informer.ts has it. */
export interface AdmissionCache {
  /** True once the first full LIST is in the cache. */
  readonly synced: boolean;
  get(name: string, namespace?: string): unknown;
  /** Every cached object, or those of one namespace. */
  list(namespace?: string): readonly unknown[];
}

/**
 * The resources the webhooks read, each to be cached by one cluster-wide informer (no namespace, no
 * selector): the operator creates `createInformer(client, { resource })` for each and passes them to
 * `cacheReader` under the same keys.
 */
export const ADMISSION_RESOURCES = {
  backupStorages: KUBESTASH.backupStorages,
  retentionPolicies: KUBESTASH.retentionPolicies,
  repositories: KUBESTASH.repositories,
  hookTemplates: KUBESTASH.hookTemplates,
  namespaces: K8S.namespaces,
} as const satisfies Record<string, ResourceType>;

export type AdmissionCaches = Record<keyof typeof ADMISSION_RESOURCES, AdmissionCache>;

/**
 * One cache per admission resource, made by `cacheFor`; in the operator:
 * `cacheReader(admissionCaches((resource) => informers.informer({ resource })))`.
 */
export function admissionCaches(cacheFor: (resource: ResourceType) => AdmissionCache): AdmissionCaches {
  const out: Partial<AdmissionCaches> = {};
  for (const key of Object.keys(ADMISSION_RESOURCES) as (keyof AdmissionCaches)[]) {
    out[key] = cacheFor(ADMISSION_RESOURCES[key]);
  }
  return out as AdmissionCaches;
}

/** A cache was read before its first LIST completed; trying again shortly will succeed. */
export class CacheNotSyncedError extends Error {
  readonly retryable = true;
  constructor(r: ResourceType) {
    super(`the cache of ${qualifiedName(r)} is still loading`);
    this.name = 'CacheNotSyncedError';
  }
}

/**
 * A ClusterReader over `caches`. Reading a resource that is not in ADMISSION_RESOURCES is a programming
 * error and throws: a route that starts reading something new must get an informer for it, never a silent
 * empty answer.
 */
export function cacheReader(caches: AdmissionCaches): ClusterReader {
  const keys = Object.keys(ADMISSION_RESOURCES) as (keyof AdmissionCaches)[];
  const cacheOf = (r: ResourceType): AdmissionCache => {
    const key = keys.find((k) => qualifiedName(ADMISSION_RESOURCES[k]) === qualifiedName(r));
    if (!key)
      throw new Error(`the admission caches hold no ${qualifiedName(r)}; add it to ADMISSION_RESOURCES`);
    const cache = caches[key];
    if (!cache.synced) throw new CacheNotSyncedError(r);
    return cache;
  };
  return {
    list: (r, namespace) => answer(() => cacheOf(r).list(namespace)),
    get: (r, key) => answer(() => cacheOf(r).get(key.name, key.namespace)),
    namespace: (name) =>
      answer((): NamespaceInfo => ({
        name,
        labels: {
          'kubernetes.io/metadata.name': name,
          ...labelsOf(cacheOf(ADMISSION_RESOURCES.namespaces).get(name)),
        },
      })),
  };
}

/** The result of `read` as a promise; a throw becomes a rejection, as from an asynchronous reader. */
function answer<T>(read: () => T): Promise<T> {
  return new Promise((resolve) => resolve(read()));
}
