// Where each local BackupStorage is inside a Job's container, as one env var the Job builder writes and the
// task reads. The value is `<namespace>/<name>=<path>` entries joined by `,` — a path follows `=`, so the dev
// cluster's pod runner, which rewrites container paths after `=`, `:`, `,` and whitespace, turns it into the
// host directory it gives the volume. A `%` or `,` inside a path is percent-encoded.

/** The env var naming the container path of every local BackupStorage a Job mounts. */
export const LOCAL_STORAGE_ROOTS_ENV = 'CAIRN_LOCAL_STORAGE_ROOTS';

/** One local BackupStorage and where the Job mounts it. */
export interface LocalStorageRoot {
  namespace: string;
  name: string;
  path: string;
}

/** The env value for `roots`, in the order given. */
export function formatLocalStorageRoots(roots: readonly LocalStorageRoot[]): string {
  return roots
    .map((r) => `${r.namespace}/${r.name}=${r.path.replace(/%/g, '%25').replace(/,/g, '%2C')}`)
    .join(',');
}

/** Why an env value cannot be read: names the entry and the expected shape. */
export class LocalStorageRootsError extends Error {}

/**
 * The roots an env value names, by `<namespace>/<name>`. An empty or absent value names none; a malformed
 * entry (no `/` in the key, no `=`, a relative path) throws a LocalStorageRootsError, so a task never writes
 * a local storage's data somewhere it did not mean to.
 */
export function parseLocalStorageRoots(value: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of (value ?? '').split(',')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    const key = eq < 0 ? '' : entry.slice(0, eq);
    const path = eq < 0 ? '' : decodePath(entry.slice(eq + 1));
    const slash = key.indexOf('/');
    if (slash <= 0 || slash === key.length - 1 || key.indexOf('/', slash + 1) >= 0 || !path.startsWith('/')) {
      throw new LocalStorageRootsError(
        `${LOCAL_STORAGE_ROOTS_ENV} entry ${JSON.stringify(entry)} is not <namespace>/<name>=<absolute path>`,
      );
    }
    out.set(key, path);
  }
  return out;
}

function decodePath(s: string): string {
  return s.replace(/%2C/gi, ',').replace(/%25/g, '%');
}
