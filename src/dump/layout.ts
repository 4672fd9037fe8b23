// Where a dumped object's file goes, relative to the dump directory, for each layout of reference §5.4:
// the second generation's group-resource tree and the first generation's cluster, namespace and
// application layouts. Pure. Paths always use "/" as separator.
import { createHash } from 'node:crypto';

/** What a path is made of: the object's identity and its resource type. */
export interface ObjectKey {
  /** `plural` for the core group, `plural.group` otherwise (the filters' resource id). */
  resourceId: string;
  kind: string;
  /** Empty for cluster-scoped objects. */
  namespace: string;
  name: string;
}

/** The longest file name (in UTF-8 bytes) the common file systems accept. */
const MAX_FILE_NAME_BYTES = 255;
const SUFFIX = '.yaml';
/** Marks a shortened name; `~` in a real name is always escaped, so the marker cannot be mistaken. */
const HASH_MARK = '~';
const HASH_HEX = 16;

/** A byte of a name that must not appear as is in a path segment. */
const needsEscape = (ch: string): boolean => {
  const c = ch.codePointAt(0) ?? 0;
  return c < 0x20 || c === 0x7f || ch === '/' || ch === '\\' || ch === '%' || ch === HASH_MARK;
};

function escapeName(name: string): string {
  let out = '';
  for (const ch of name) {
    if (!needsEscape(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  // "." and ".." are directory names, never file names; Kubernetes forbids them too, but stay safe.
  return out === '.' || out === '..' ? out.replaceAll('.', '%2E') : out;
}

/**
 * A path segment for an object name. Names Kubernetes allows are kept as they are, `:` and non-ASCII
 * included, so that files carry the names KubeStash gives them; control characters, `/`, `\`, `%` and `~`
 * are percent-escaped. A segment that would pass 255 bytes with its `.yaml` suffix (a 253-character name,
 * or a long non-ASCII one) is cut on a character boundary and ends in `~` and a hash of the whole name, so
 * different names never share a file; such a name is read back from the file's `metadata.name`.
 */
export function nameSegment(name: string, suffix = ''): string {
  const escaped = escapeName(name);
  if (Buffer.byteLength(escaped + suffix) <= MAX_FILE_NAME_BYTES) return escaped + suffix;
  const hash = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, HASH_HEX);
  const budget = MAX_FILE_NAME_BYTES - Buffer.byteLength(HASH_MARK + hash + suffix);
  let cut = '';
  let bytes = 0;
  // Whole escapes and whole characters only.
  for (const token of escaped.match(/%[0-9A-F]{2}|[^]/gu) ?? []) {
    const n = Buffer.byteLength(token);
    if (bytes + n > budget) break;
    cut += token;
    bytes += n;
  }
  return `${cut}${HASH_MARK}${hash}${suffix}`;
}

/** A file name for an object name (`<name>.yaml`, escaped and shortened as {@link nameSegment} says). */
export const fileName = (name: string): string => nameSegment(name, SUFFIX);

/**
 * The object name a file name stands for, or undefined when the name was shortened (then only the file's
 * `metadata.name` has it) or the file is not a dump file.
 */
export function nameOfFile(file: string): string | undefined {
  if (!file.endsWith(SUFFIX)) return undefined;
  const seg = file.slice(0, -SUFFIX.length);
  if (seg.includes(HASH_MARK)) return undefined;
  try {
    return decodeURIComponent(seg);
  } catch {
    return undefined;
  }
}

/** Second generation: `<resourceId>/cluster/<name>.yaml`, `<resourceId>/namespaces/<ns>/<name>.yaml`. */
export function v2Path(o: ObjectKey): string {
  const dir = nameSegment(o.resourceId);
  return o.namespace === ''
    ? `${dir}/cluster/${fileName(o.name)}`
    : `${dir}/namespaces/${nameSegment(o.namespace)}/${fileName(o.name)}`;
}

/** First generation, cluster scope: `global/<Kind>/<name>.yaml`, `namespaces/<ns>/<Kind>/<name>.yaml`. */
export function v1ClusterPath(o: ObjectKey): string {
  const kind = nameSegment(o.kind);
  return o.namespace === ''
    ? `global/${kind}/${fileName(o.name)}`
    : `namespaces/${nameSegment(o.namespace)}/${kind}/${fileName(o.name)}`;
}

/** First generation, namespace scope: `<Kind>/<name>.yaml`. */
export function v1NamespacePath(o: ObjectKey): string {
  return `${nameSegment(o.kind)}/${fileName(o.name)}`;
}

/**
 * First generation, application scope. The root is `<rootName>.yaml`; an object owned through the chain
 * root → a → … → object is `<KindA>/<nameA>/…/<Kind>/<name>/<name>.yaml`. `chain` lists the owners below
 * the root, nearest to the root first, ending with the object itself; empty for the root.
 */
export function v1ApplicationPath(
  root: Pick<ObjectKey, 'name'>,
  chain: readonly Pick<ObjectKey, 'kind' | 'name'>[],
): string {
  const last = chain.at(-1);
  if (!last) return fileName(root.name);
  const dirs = chain.map((c) => `${nameSegment(c.kind)}/${nameSegment(c.name)}`);
  return `${dirs.join('/')}/${fileName(last.name)}`;
}

/** The layouts a dump writes. */
export type Layout = 'v2' | 'v1-cluster' | 'v1-namespace';

export function pathFor(layout: Layout, o: ObjectKey): string {
  if (layout === 'v2') return v2Path(o);
  if (layout === 'v1-cluster') return v1ClusterPath(o);
  return v1NamespacePath(o);
}
