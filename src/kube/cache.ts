// The informer's cache as pure data: objects keyed by namespace/name, each remembered with its UID, optional
// secondary indexes, and the changes (deltas) that a watch event or a relist makes to it. No I/O here.
import type { KubeObject } from './types.ts';

/** One change to deliver to handlers, in the order the cache went through them. */
export type Delta<T> =
  { type: 'added'; obj: T } | { type: 'updated'; oldObj: T; newObj: T } | { type: 'deleted'; obj: T };

/** Index name → function giving the index values of an object. */
export type Indexers<T> = Record<string, (obj: T) => string[]>;

const nameOf = (o: KubeObject): string => o.metadata?.name ?? '';
const namespaceOf = (o: KubeObject): string => o.metadata?.namespace ?? '';
const uidOf = (o: KubeObject): string | undefined => o.metadata?.uid;
const versionOf = (o: KubeObject): string | undefined => o.metadata?.resourceVersion;

/** `namespace/name`, or `name` for a cluster-scoped object: the cache key. */
export function objectKey(o: KubeObject): string {
  const ns = namespaceOf(o);
  return ns ? `${ns}/${nameOf(o)}` : nameOf(o);
}

/** True when `b` is another object than `a` under the same name (deleted and created again). */
function recreated(a: KubeObject, b: KubeObject): boolean {
  const ua = uidOf(a);
  const ub = uidOf(b);
  return ua !== undefined && ub !== undefined && ua !== ub;
}

/**
 * Objects by namespace and name. Every mutation keeps the indexes in step and returns the deltas it made;
 * a recreated object (same name, new UID) is always two deltas, `deleted(old)` then `added(new)`.
 * Stored objects are shared with readers and handlers: nobody may modify them.
 */
export class ObjectCache<T extends KubeObject> {
  readonly #byNamespace = new Map<string, Map<string, T>>();
  readonly #indexers: Indexers<T>;
  readonly #indexes = new Map<string, Map<string, Set<string>>>();
  readonly #indexed = new Map<string, Map<string, string[]>>();
  readonly #onIndexError: (err: unknown) => void;
  #size = 0;

  /** An indexer that throws indexes the object under no value; the error goes to `onIndexError`. */
  constructor(indexers: Indexers<T> = {}, onIndexError: (err: unknown) => void = () => {}) {
    this.#indexers = indexers;
    this.#onIndexError = onIndexError;
    for (const name of Object.keys(indexers)) {
      this.#indexes.set(name, new Map());
      this.#indexed.set(name, new Map());
    }
  }

  get size(): number {
    return this.#size;
  }

  get(name: string, namespace = ''): T | undefined {
    return this.#byNamespace.get(namespace)?.get(name);
  }

  /** Every object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace !== undefined) return [...(this.#byNamespace.get(namespace)?.values() ?? [])];
    const out: T[] = [];
    for (const objs of this.#byNamespace.values()) out.push(...objs.values());
    return out;
  }

  /** The objects an index maps `value` to; an index that was not configured is a programming error. */
  byIndex(index: string, value: string): T[] {
    const idx = this.#indexes.get(index);
    if (!idx)
      throw new Error(`no index named '${index}' (configured: ${Object.keys(this.#indexers).join(', ')})`);
    const out: T[] = [];
    for (const key of idx.get(value) ?? []) {
      const obj = this.#byKey(key);
      if (obj) out.push(obj);
    }
    return out;
  }

  /** An object that a watch reported ADDED or MODIFIED. */
  upsert(obj: T): Delta<T>[] {
    const old = this.get(nameOf(obj), namespaceOf(obj));
    this.#put(obj);
    if (!old) return [{ type: 'added', obj }];
    if (recreated(old, obj))
      return [
        { type: 'deleted', obj: old },
        { type: 'added', obj },
      ];
    if (versionOf(old) === versionOf(obj)) return [];
    return [{ type: 'updated', oldObj: old, newObj: obj }];
  }

  /** An object that a watch reported DELETED: delivered in its final state when it is the one cached. */
  remove(obj: T): Delta<T>[] {
    const old = this.get(nameOf(obj), namespaceOf(obj));
    if (!old) return [];
    this.#drop(old);
    return [{ type: 'deleted', obj: recreated(old, obj) ? old : obj }];
  }

  /**
   * Makes the cache hold exactly `items` (a full LIST) and returns what changed since it was last filled:
   * `added` for new objects, `updated` for those whose resourceVersion differs, `deleted` + `added` for
   * recreated ones, then `deleted` for objects that are gone.
   */
  replace(items: readonly T[]): Delta<T>[] {
    const deltas: Delta<T>[] = [];
    const seen = new Set<string>();
    for (const obj of items) {
      seen.add(objectKey(obj));
      deltas.push(...this.upsert(obj));
    }
    for (const old of this.list()) {
      if (seen.has(objectKey(old))) continue;
      this.#drop(old);
      deltas.push({ type: 'deleted', obj: old });
    }
    return deltas;
  }

  #byKey(key: string): T | undefined {
    const slash = key.indexOf('/');
    return slash < 0 ? this.get(key) : this.get(key.slice(slash + 1), key.slice(0, slash));
  }

  #put(obj: T): void {
    const ns = namespaceOf(obj);
    let objs = this.#byNamespace.get(ns);
    if (!objs) this.#byNamespace.set(ns, (objs = new Map<string, T>()));
    if (!objs.has(nameOf(obj))) this.#size += 1;
    objs.set(nameOf(obj), obj);
    this.#reindex(objectKey(obj), obj);
  }

  #drop(obj: T): void {
    const ns = namespaceOf(obj);
    const objs = this.#byNamespace.get(ns);
    if (!objs?.delete(nameOf(obj))) return;
    this.#size -= 1;
    if (objs.size === 0) this.#byNamespace.delete(ns);
    this.#reindex(objectKey(obj), undefined);
  }

  /** Moves `key` from the index values it had to those of `obj` (none when obj is undefined). */
  #reindex(key: string, obj: T | undefined): void {
    for (const [name, fn] of Object.entries(this.#indexers)) {
      const idx = this.#indexes.get(name)!;
      const indexed = this.#indexed.get(name)!;
      for (const v of indexed.get(key) ?? []) {
        const keys = idx.get(v);
        keys?.delete(key);
        if (keys?.size === 0) idx.delete(v);
      }
      let values: string[] = [];
      if (obj) {
        try {
          values = [...new Set(fn(obj))];
        } catch (err) {
          this.#onIndexError(err);
        }
      }
      if (values.length === 0) indexed.delete(key);
      else indexed.set(key, values);
      for (const v of values) {
        let keys = idx.get(v);
        if (!keys) idx.set(v, (keys = new Set()));
        keys.add(key);
      }
    }
  }
}
