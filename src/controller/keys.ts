// Work-queue keys of objects: `namespace/name`, or `name` for a cluster-scoped object — the form
// Kubernetes tools print — and the mapping of a child object to the keys of its owners. Pure.
import type { KubeObject } from '../kube/types.ts';

export interface ObjectRef {
  /** Undefined for a cluster-scoped object. */
  namespace?: string;
  name: string;
}

/** The key of an object reference. */
export function keyOf(ref: ObjectRef): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

/** The key of an object, or undefined when it has no name. */
export function objectKey(obj: KubeObject): string | undefined {
  const name = obj.metadata?.name;
  if (!name) return undefined;
  return keyOf({ namespace: obj.metadata?.namespace, name });
}

/** The reference a key stands for (the inverse of keyOf). */
export function parseKey(key: string): ObjectRef {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The API group of an `apiVersion` ('' for the core group). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export interface OwnerKind {
  group: string;
  kind: string;
  /** Whether the owner lives in a namespace (then in the child's own: owners never cross namespaces). */
  namespaced: boolean;
}

/**
 * The keys of the owners of `child` that are of `owner`'s group and kind. With `controllerOnly`, only the
 * reference marked `controller: true` counts (the owner that manages the child, not a mere dependant).
 */
export function ownerKeys(child: KubeObject, owner: OwnerKind, controllerOnly = false): string[] {
  const refs = child.metadata?.ownerReferences ?? [];
  const namespace = owner.namespaced ? child.metadata?.namespace : undefined;
  if (owner.namespaced && !namespace) return [];
  return refs
    .filter((r) => r.kind === owner.kind && groupOf(r.apiVersion) === owner.group)
    .filter((r) => !controllerOnly || r.controller === true)
    .map((r) => keyOf({ namespace, name: r.name }));
}
