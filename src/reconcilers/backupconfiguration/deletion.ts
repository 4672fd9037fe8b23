// What deleting a BackupConfiguration does to the Repositories it made (§3.2 step 8): a repository whose
// deletionPolicy is Retain keeps its Repository; Delete (also when absent) and WipeOut delete it (the
// Repository's own deletionPolicy, copied from the same field, decides whether its data goes too). Only a
// Repository that is this configuration's (same storage and path) is deleted. Pure.
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { Repository } from '../../api/kinds/repository.ts';
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { backendOf, refIn, repositoryConflict } from './resolve.ts';

export function hasCleanupFinalizer(bc: BackupConfiguration): boolean {
  return bc.metadata.finalizers?.includes(CLEANUP_FINALIZER) === true;
}

/** The names of the Repositories to delete with the configuration. */
export function repositoriesToDelete(
  bc: BackupConfiguration,
  repository: (name: string) => Repository | undefined,
): string[] {
  const ns = bc.metadata.namespace ?? '';
  const out = new Set<string>();
  for (const session of bc.spec.sessions) {
    for (const repo of session.repositories) {
      if (repo.deletionPolicy === 'Retain') continue;
      const existing = repository(repo.name);
      const { backend } = backendOf(bc, repo);
      if (!existing || !backend) continue;
      if (repositoryConflict(existing, refIn(backend.storageRef, ns), repo.directory)) continue;
      out.add(repo.name);
    }
  }
  return [...out];
}
