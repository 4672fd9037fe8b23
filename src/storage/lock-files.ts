// Removing one restic lock file through a storage backend: the only write Cairn makes inside a restic
// repository, for a lock whose process is known to be dead (the judgement is src/restic/locks.ts's; the
// restic code receives the deleter below as a plain function and never sees a backend).

import type { StorageBackend } from './backend.ts';
import { componentLockKey } from './paths.ts';
import type { ResolvedStorage } from './types.ts';

/**
 * A function that deletes `locks/<lockId>` of one component repository through the backend of its
 * BackupStorage (for a local storage, a backend whose root is where the volume is mounted here). A lock
 * already gone is success: its owner finished or another cleaner was first. A lock ID that is not a full
 * restic ID is refused (StorageConfigError) before anything is deleted.
 */
export function componentLockDeleter(
  backend: Pick<StorageBackend, 'delete'>,
  storage: ResolvedStorage,
  repositoryPath: string,
  component: string,
): (lockId: string) => Promise<void> {
  return (lockId) => backend.delete(componentLockKey(storage, repositoryPath, component, lockId));
}
