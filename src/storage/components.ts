// Finds the component repositories that exist in a repository's directory, whatever a Repository's status
// says: `<repository path>/repository/<version>/<session>/<component>/` holding a restic `config`. Three
// delimited listings and one stat per candidate, never a listing of the pack files below.

import type { StorageBackend } from './backend.ts';
import { componentConfigKey, componentPath, componentsDirKey } from './paths.ts';
import type { ResolvedStorage } from './types.ts';

/** Component paths (`repository/<version>/<session>/<component>`) that hold a restic repository, sorted. */
export async function findComponentRepositories(
  backend: Pick<StorageBackend, 'subdirectories' | 'stat'>,
  storage: ResolvedStorage,
  repositoryPath: string,
): Promise<string[]> {
  const root = componentsDirKey(storage, repositoryPath);
  const found: string[] = [];
  for (const version of await backend.subdirectories(root)) {
    for (const session of await backend.subdirectories(`${root}/${version}`)) {
      for (const component of await backend.subdirectories(`${root}/${version}/${session}`)) {
        const path = componentPath(session, component, version);
        if (await backend.stat(componentConfigKey(storage, repositoryPath, path))) found.push(path);
      }
    }
  }
  return found.sort();
}
