// Identity and references of objects read as plain JSON: keys, references resolved against the holder's
// namespace, labels. Shared by the webhooks and the reconcilers.
import { at, isObject, str } from '../common/json.ts';

export interface ObjectKey {
  namespace: string;
  name: string;
}

/** The namespace and name in an object's metadata ('' when absent). */
export function keyOf(o: unknown): ObjectKey {
  return { namespace: str(at(o, 'metadata', 'namespace')) ?? '', name: str(at(o, 'metadata', 'name')) ?? '' };
}

export function sameKey(a: ObjectKey, b: ObjectKey): boolean {
  return a.namespace === b.namespace && a.name === b.name;
}

export function keyText(k: ObjectKey): string {
  return `${k.namespace}/${k.name}`;
}

/**
 * Resolves an ObjectReference (`{name, namespace?}`) held by an object in `holderNamespace`: an empty
 * namespace means the holder's own. Undefined when the reference is not an object with a name.
 */
export function resolveRef(ref: unknown, holderNamespace: string): ObjectKey | undefined {
  if (!isObject(ref)) return undefined;
  const name = str(ref.name);
  if (!name) return undefined;
  return { namespace: str(ref.namespace) || holderNamespace, name };
}

/** The object among `objects` with this key. */
export function findByKey<T>(objects: readonly T[], key: ObjectKey): T | undefined {
  return objects.find((o) => sameKey(keyOf(o), key));
}

/** The labels of an object's metadata, keeping only string values. */
export function labelsOf(o: unknown): Record<string, string> {
  const labels = at(o, 'metadata', 'labels');
  const out: Record<string, string> = {};
  if (isObject(labels)) for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}
