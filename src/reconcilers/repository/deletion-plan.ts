// The Repository's cleanup finalizer (pure): when it is added, and what deleting a Repository does per its
// `spec.deletionPolicy`. Delete (the default) releases it at once and keeps its data; WipeOut removes the
// Repository's own directory `<prefix>/<spec.path>/` in its backend (the restic repositories, repository.yaml
// and the Snapshot records) and releases it only once that is done. The directory is never the storage's
// root, never outside the prefix, and never holds another Repository's path: anything else keeps the
// finalizer with a message that names the problem and the fix.
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { ConditionStatus, type ConditionUpdate } from '../../api/conditions.ts';
import { StorageConfigError } from '../../storage/errors.ts';
import { normalizeRepositoryPath, repositoryDirKey, storagePrefix } from '../../storage/paths.ts';
import type { ResolvedStorage } from '../../storage/types.ts';
import { isProblem, objectName, resolveSpec, type BackupStorageObject } from '../backupstorage/backend.ts';
import { usesStorage, type RepositoryObject } from '../backupstorage/plan.ts';

/** The condition a Repository carries while its WipeOut could not be completed. */
export const WIPE_CONDITION = 'RepositoryCleanupIncomplete';
export const WipeReason = {
  WipeOutFailed: 'RepositoryWipeOutFailed',
  WipeOutRefused: 'RepositoryWipeOutRefused',
} as const;

/** The way out of any WipeOut that cannot finish, said in every failure message. */
export const KEEP_DATA_FIX =
  'or set spec.deletionPolicy to Delete to finish the deletion without removing data';

export interface DeletionEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  note: string;
}

export type RepositoryDeletionStep =
  /** Live with the finalizer, or being deleted without it: nothing to do. */
  | { kind: 'nothing' }
  | { kind: 'add-finalizer' }
  /** Remove the finalizer, saying what happened to the data. */
  | { kind: 'release'; event: DeletionEvent }
  /** Something else still works on the data (a Snapshot's cleanup Job): look again later. */
  | { kind: 'wait'; message: string }
  /** Remove everything under `key` (never empty, never the storage's root), then release. */
  | { kind: 'wipe'; storage: ResolvedStorage; key: string; bs: BackupStorageObject }
  /** The data cannot be removed safely: keep the finalizer with this condition. */
  | { kind: 'refuse'; condition: ConditionUpdate };

export interface RepositoryDeletionInput {
  repo: RepositoryObject;
  /** The Repository's BackupStorage (cache), undefined when it does not exist. */
  storage?: BackupStorageObject;
  /** Every Repository in the cache (to find one whose path lies inside this one's). */
  repositories: readonly RepositoryObject[];
  /** The names of the cleanup Jobs of this Repository's Snapshots that have not finished. */
  runningCleanupJobs: readonly string[];
}

export function hasRepositoryFinalizer(repo: RepositoryObject): boolean {
  return (repo.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER);
}

/**
 * The directory a WipeOut of the Repository with `path` removes, or why none may be removed. Guarantees:
 * the key is non-empty, is not the storage's prefix, and lies strictly under it, so no value of
 * `spec.path` can make a WipeOut delete the whole storage or anything outside it.
 */
export function wipeKey(storage: ResolvedStorage, path: string): { key: string } | { problem: string } {
  let key: string;
  try {
    normalizeRepositoryPath(path);
    key = repositoryDirKey(storage, path);
  } catch (err) {
    if (!(err instanceof StorageConfigError)) throw err;
    return { problem: `spec.path: ${err.message}` };
  }
  const prefix = storagePrefix(storage);
  const under = prefix === '' ? '' : `${prefix}/`;
  if (key === '' || key === prefix || !key.startsWith(under) || key.length <= under.length) {
    return {
      problem: `spec.path ${JSON.stringify(path)} names the root of the storage, not a directory in it`,
    };
  }
  return { key };
}

/** The normalised path of a Repository, or undefined when it is not a valid one. */
function pathOf(repo: RepositoryObject): string | undefined {
  try {
    return normalizeRepositoryPath(repo.spec?.path ?? '');
  } catch {
    return undefined;
  }
}

/** Other Repositories on the same storage whose path lies inside `repo`'s (a WipeOut would take their data). */
export function nestedRepositories(
  repo: RepositoryObject,
  bs: BackupStorageObject,
  repositories: readonly RepositoryObject[],
): string[] {
  const own = pathOf(repo);
  if (own === undefined) return [];
  return repositories
    .filter((r) => objectName(r) !== objectName(repo) && usesStorage(r, bs))
    .filter((r) => pathOf(r)?.startsWith(`${own}/`) === true)
    .map(objectName)
    .sort();
}

/** What to do about the finalizer of `i.repo` now. */
export function repositoryDeletionStep(i: RepositoryDeletionInput): RepositoryDeletionStep {
  const { repo } = i;
  const who = `Repository ${objectName(repo)}`;
  if (!repo.metadata?.deletionTimestamp)
    return hasRepositoryFinalizer(repo) ? { kind: 'nothing' } : { kind: 'add-finalizer' };
  if (!hasRepositoryFinalizer(repo)) return { kind: 'nothing' };
  const ref = repo.spec?.storageRef;
  const storageName = `${ref?.namespace || repo.metadata?.namespace || ''}/${ref?.name ?? ''}`;
  const path = repo.spec?.path ?? '';
  if (repo.spec?.deletionPolicy !== 'WipeOut') {
    return {
      kind: 'release',
      event: {
        type: 'Normal',
        reason: 'RepositoryDataKept',
        note: `${who} was deleted with deletionPolicy Delete: its data at ${JSON.stringify(path)} in BackupStorage ${storageName} was kept`,
      },
    };
  }
  if (!i.storage) {
    return {
      kind: 'release',
      event: {
        type: 'Warning',
        reason: 'RepositoryDataLeftBehind',
        note: `${who} was deleted with deletionPolicy WipeOut but its BackupStorage ${storageName} no longer exists, so its data could not be removed: delete ${JSON.stringify(path)} from the backend by hand if it remains`,
      },
    };
  }
  const refuse = (message: string): RepositoryDeletionStep => ({
    kind: 'refuse',
    condition: {
      type: WIPE_CONDITION,
      status: ConditionStatus.True,
      reason: WipeReason.WipeOutRefused,
      message: `${who} was deleted with deletionPolicy WipeOut, but nothing was removed: ${message}; ${KEEP_DATA_FIX}`,
    },
  });
  const resolved = resolveSpec(i.storage);
  if (isProblem(resolved)) return refuse(`${resolved.message}: fix the BackupStorage`);
  const target = wipeKey(resolved, path);
  if ('problem' in target) return refuse(target.problem);
  const nested = nestedRepositories(repo, i.storage, i.repositories);
  if (nested.length > 0) {
    return refuse(
      `the Repositories ${nested.join(', ')} keep their data inside ${JSON.stringify(path)}: delete them first`,
    );
  }
  if (i.runningCleanupJobs.length > 0) {
    return {
      kind: 'wait',
      message: `${who}: waiting for the cleanup Jobs of its Snapshots to end before removing its data (${[...i.runningCleanupJobs].sort().join(', ')})`,
    };
  }
  return { kind: 'wipe', storage: resolved, key: target.key, bs: i.storage };
}

/** The condition that says a WipeOut tried and failed, with what failed and the fixes. */
export function wipeFailedCondition(repo: RepositoryObject, what: string): ConditionUpdate {
  return {
    type: WIPE_CONDITION,
    status: ConditionStatus.True,
    reason: WipeReason.WipeOutFailed,
    message: `Repository ${objectName(repo)} was deleted with deletionPolicy WipeOut, but its data could not be removed: ${what}. It is tried again with backoff: fix the BackupStorage or its Secret, ${KEEP_DATA_FIX}`,
  };
}
