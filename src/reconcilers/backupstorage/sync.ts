// Backend sync (§4.4 of the API reference), the part Cairn does: when a BackupStorage is first initialised
// over a backend that already holds metadata.yaml (a second cluster, or a cluster rebuilt), the Repository
// objects described by the `repository.yaml` files under its prefix are created where missing, pointing at
// this storage. It runs once per storage object, at that first initialisation, so a Repository a user
// deletes later is not brought back. Snapshot objects are not recreated yet.
import { parse } from 'yaml';
import { KUBESTASH } from '../../api/resource-type.ts';
import { isObject } from '../../common/json.ts';
import { apiMessage, statusCode } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import type { StorageBackend } from '../../storage/backend.ts';
import { REPOSITORY_FILE, storagePrefix } from '../../storage/paths.ts';
import type { ResolvedStorage } from '../../storage/types.ts';
import type { BackupStorageObject } from './backend.ts';
import type { RepositoryObject } from './plan.ts';

/** How deep under the prefix repository directories are looked for (paths such as `a/b/c`). */
const MAX_DEPTH = 4;

/** Directories (relative to the storage root) that hold a repository.yaml, found without listing pack files. */
export async function findRepositoryFiles(
  backend: StorageBackend,
  storage: ResolvedStorage,
): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    for (const sub of await backend.subdirectories(dir)) {
      const path = dir === '' ? sub : `${dir}/${sub}`;
      if (await backend.stat(`${path}/${REPOSITORY_FILE}`)) found.push(`${path}/${REPOSITORY_FILE}`);
      else if (depth < MAX_DEPTH) await walk(path, depth + 1);
    }
  };
  await walk(storagePrefix(storage), 1);
  return found.sort();
}

/**
 * The Repository to create from a repository.yaml, or why not. Pure. Only name, namespace, labels and spec
 * are taken; `spec.storageRef` is pointed at `bs` (the file may come from a storage of another name).
 */
export function repositoryFromFile(text: string, bs: BackupStorageObject): RepositoryObject | string {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return 'not YAML';
  }
  if (!isObject(doc) || doc.kind !== 'Repository' || !isObject(doc.metadata) || !isObject(doc.spec)) {
    return 'not a Repository';
  }
  const name = doc.metadata.name;
  const namespace = doc.metadata.namespace;
  if (typeof name !== 'string' || typeof namespace !== 'string' || typeof doc.spec.path !== 'string') {
    return 'no metadata.name, metadata.namespace or spec.path';
  }
  const labels = isObject(doc.metadata.labels) ? (doc.metadata.labels as Record<string, string>) : undefined;
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: {
      ...(doc.spec as RepositoryObject['spec']),
      storageRef: { name: bs.metadata?.name ?? '', namespace: bs.metadata?.namespace ?? '' },
    },
  };
}

export interface SyncResult {
  created: string[];
  /** `namespace/name` (or the file key) and why it was not created. */
  failed: string[];
}

/** Creates the missing Repositories the backend describes; `exists` says which are already there. */
export async function syncRepositories(
  client: KubeClient,
  backend: StorageBackend,
  storage: ResolvedStorage,
  bs: BackupStorageObject,
  exists: (namespace: string, name: string) => boolean,
  signal: AbortSignal,
): Promise<SyncResult> {
  const result: SyncResult = { created: [], failed: [] };
  for (const key of await findRepositoryFiles(backend, storage)) {
    const repo = repositoryFromFile((await backend.get(key)).toString('utf8'), bs);
    if (typeof repo === 'string') {
      result.failed.push(`${key}: ${repo}`);
      continue;
    }
    const ns = repo.metadata?.namespace ?? '';
    const name = repo.metadata?.name ?? '';
    if (exists(ns, name)) continue;
    try {
      await client.create(KUBESTASH.repositories, repo, { namespace: ns, signal });
      result.created.push(`${ns}/${name}`);
    } catch (err) {
      if (statusCode(err) === 409) continue;
      result.failed.push(`${ns}/${name}: ${apiMessage(err)}`);
    }
  }
  return result;
}
