// The parts of a BackupConfiguration that both rule files read: its repository entries with the storage
// each one resolves to, and its backup hook lists.
import { resolveRef, type ObjectKey } from '../api/object-meta.ts';
import { arr, at, str } from '../common/json.ts';

/** The hook lists of a backup session, each entry may name a HookTemplate. */
export const BACKUP_HOOK_LISTS = ['preBackup', 'postBackup'] as const;

/** One `sessions[].repositories[]` entry with what it resolves to. */
export interface RepoEntry {
  /** Its field path, e.g. `spec.sessions[0].repositories[1]`. */
  field: string;
  name: string;
  directory: string;
  /** The BackupStorage of its backend; undefined when the backend or its storageRef is missing. */
  storage: ObjectKey | undefined;
}

/** The backend a repository entry uses: the named one, or with no name the unnamed or the only backend. */
export function backendOf(backends: unknown[], name: string): unknown {
  const named = backends.find((b) => (str(at(b, 'name')) ?? '') === name);
  if (named !== undefined || name !== '') return named;
  return backends.length === 1 ? backends[0] : undefined;
}

/** Every repository entry of every session, in order. */
export function repoEntries(object: unknown, ns: string): RepoEntry[] {
  const backends = arr(at(object, 'spec', 'backends'));
  const out: RepoEntry[] = [];
  arr(at(object, 'spec', 'sessions')).forEach((s, i) => {
    arr(at(s, 'repositories')).forEach((r, j) => {
      const backend = backendOf(backends, str(at(r, 'backend')) ?? '');
      out.push({
        field: `spec.sessions[${i}].repositories[${j}]`,
        name: str(at(r, 'name')) ?? '',
        directory: str(at(r, 'directory')) ?? '',
        storage: resolveRef(at(backend, 'storageRef'), ns),
      });
    });
  });
  return out;
}
