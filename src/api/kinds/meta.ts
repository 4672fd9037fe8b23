// What every Kind shares: its API group, the apiVersion/kind/metadata fields, and the categories that
// `kubectl get kubestash` lists.
import { Typed } from '../schema/builders.ts';
import { API_VERSION } from '../schema/crd.ts';
import type { OwnerReference } from './references.ts';

export const STORAGE_GROUP = 'storage.kubestash.com';
export const CORE_GROUP = 'core.kubestash.com';
export const ADDONS_GROUP = 'addons.kubestash.com';

/** `kubectl get kubestash` (and `appscode`) lists these Kinds; `all` adds them to `kubectl get all`. */
export const CATEGORIES_WITH_ALL = ['kubestash', 'appscode', 'all'] as const;
export const CATEGORIES = ['kubestash', 'appscode'] as const;

/** Object metadata as read from the API server (raw JSON: timestamps are strings). */
export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

export function ApiVersionField<const G extends string>(group: G) {
  return Typed<`${G}/${typeof API_VERSION}`>({
    type: 'string',
    description: `The versioned schema of this object: ${group}/${API_VERSION}.`,
  });
}

export function KindField<const K extends string>(kind: K) {
  return Typed<K>({ type: 'string', description: `The object's type: ${kind}.` });
}

export function MetadataField() {
  return Typed<ObjectMeta>({
    type: 'object',
    description: 'Standard object metadata: name, namespace, labels, annotations, owner references.',
  });
}
