// Reading admission objects defensively. A mutating webhook sees the object before the CRD schema has
// checked it, so any field may hold any JSON value; these helpers never throw on a wrong shape.

export type JsonObject = Record<string, unknown>;

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `v`, or undefined when `v` is anything else. */
export function obj(v: unknown): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

/** The string at `v`, or undefined when `v` is anything else. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The finite number at `v`, or undefined when `v` is anything else (NaN and infinities included). */
export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The strings of the array at `v`, in order; other items are skipped, and a non-array gives `[]`. */
export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((item): item is string => typeof item === 'string') : [];
}

/** The array at `v`, or an empty array when `v` is anything else. */
export function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** Walks `keys` through nested objects; undefined as soon as one step is not an object. */
export function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** JSON with object keys sorted, so two values compare equal exactly when their texts do. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
    return out;
  }
  return v;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** A quoted value for messages: `"x"`. */
export function q(s: string): string {
  return JSON.stringify(s);
}

/**
 * True when `live` already holds every field `desired` sets, with the same value (objects compared key by
 * key, recursively; arrays of the same length element by element, in order; scalars whole). Fields only
 * `live` has — defaults the server adds (also inside list items such as containers), status, other
 * managers' — do not matter: a server-side apply of `desired` would change nothing.
 */
export function holds(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((d, i) => holds(live[i], d))
    );
  }
  if (isObject(desired)) {
    return isObject(live) && Object.keys(desired).every((k) => holds(live[k], desired[k]));
  }
  return deepEqual(live, desired);
}
