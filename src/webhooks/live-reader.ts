// The ClusterReader that asks the API server itself. The webhooks decide from the informer caches; only a
// decision that a fresher view could change (a denial, or a default that was not found) is made again
// through this reader, so an object created a moment before the one that refers to it — one
// `kubectl apply -f dir/` — is seen although the caches have not caught up yet. Errors: a missing object or
// resource is an answer (absent); anything else rejects with the cause, classified by src/kube.
import { labelsOf } from '../api/object-meta.ts';
import { K8S, type ResourceType } from '../api/resource-type.ts';
import type { NamespaceInfo } from '../api/usage-policy.ts';
import { isNotFound } from '../kube/errors.ts';
import type { KubeClient } from '../kube/types.ts';
import type { ClusterReader } from './routes.ts';

export function liveReader(client: KubeClient): ClusterReader {
  return {
    async list(r: ResourceType, namespace?: string): Promise<unknown[]> {
      try {
        return (await client.listAll(r, namespace === undefined ? {} : { namespace })).items;
      } catch (err) {
        if (isNotFound(err)) return [];
        throw err;
      }
    },
    get: (r, key) => client.find(r, key.name, key.namespace),
    async namespace(name: string): Promise<NamespaceInfo> {
      const ns = await client.find(K8S.namespaces, name);
      return { name, labels: { 'kubernetes.io/metadata.name': name, ...labelsOf(ns) } };
    },
  };
}
