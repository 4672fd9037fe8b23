// Backend sync (§4.4 of the API reference), the part Cairn does: when a BackupStorage is first initialised
// over a backend that already holds metadata.yaml (a second cluster, or a cluster rebuilt), the Repository
// objects described by the `repository.yaml` files under its prefix are created where missing, pointing at
// this storage, and the Snapshot objects of each such Repository from its `snapshots/*.yaml` records
// (./snapshot-sync.ts). It runs once per storage object, at that first initialisation, so a Repository or
// Snapshot a user deletes later is not brought back.
import { parse } from 'yaml';
import { KUBESTASH } from '../../api/resource-type.ts';
import { isObject } from '../../common/json.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import { apiMessage, statusCode } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import type { StorageBackend } from '../../storage/backend.ts';
import { normalizeRepositoryPath, REPOSITORY_FILE, storagePrefix } from '../../storage/paths.ts';
import type { ResolvedStorage } from '../../storage/types.ts';
import type { BackupStorageObject } from './backend.ts';
import { usesStorage, type RepositoryObject } from './plan.ts';
import { syncSnapshots, type SnapshotSyncResult } from './snapshot-sync.ts';

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

/**
 * Creates the missing Repositories the backend describes (`exists` says which are already there), then the
 * missing Snapshots of each Repository that is, or already was, on this storage at that path. The Snapshots
 * created and refused are said in an Event of their own (reason SnapshotsSynced).
 */
export async function syncRepositories(
  client: KubeClient,
  backend: StorageBackend,
  storage: ResolvedStorage,
  bs: BackupStorageObject,
  exists: (namespace: string, name: string) => boolean,
  signal: AbortSignal,
): Promise<SyncResult> {
  const result: SyncResult = { created: [], failed: [] };
  const snapshots: SnapshotSyncResult = { created: [], failed: [] };
  for (const key of await findRepositoryFiles(backend, storage)) {
    const repo = repositoryFromFile((await backend.get(key)).toString('utf8'), bs);
    if (typeof repo === 'string') {
      result.failed.push(`${key}: ${repo}`);
      continue;
    }
    const ns = repo.metadata?.namespace ?? '';
    const name = repo.metadata?.name ?? '';
    let live: RepositoryObject | undefined;
    try {
      if (exists(ns, name))
        live = await client.find<RepositoryObject>(KUBESTASH.repositories, name, ns, signal);
      else {
        live = await client.create(KUBESTASH.repositories, repo, { namespace: ns, signal });
        result.created.push(`${ns}/${name}`);
      }
    } catch (err) {
      if (statusCode(err) === 409) {
        live = await client.find<RepositoryObject>(KUBESTASH.repositories, name, ns, signal);
      } else {
        result.failed.push(`${ns}/${name}: ${apiMessage(err)}`);
        continue;
      }
    }
    if (!live || !sameRepository(live, repo, bs)) continue;
    const r = await syncSnapshots(client, backend, storage, live, signal);
    snapshots.created.push(...r.created);
    snapshots.failed.push(...r.failed);
  }
  if (snapshots.created.length > 0 || snapshots.failed.length > 0) {
    await recordEvent(client, {
      regarding: bs,
      type: snapshots.failed.length > 0 ? EventType.Warning : EventType.Normal,
      reason: 'SnapshotsSynced',
      action: 'SyncSnapshots',
      note:
        `Snapshots from the backend: ${snapshots.created.length > 0 ? `created ${snapshots.created.join(', ')}` : 'none created'}` +
        (snapshots.failed.length > 0 ? `; not created: ${snapshots.failed.join('; ')}` : ''),
    });
  }
  return result;
}

/** Whether the Repository in the cluster is the one the file describes: on this storage, at that path. */
function sameRepository(live: RepositoryObject, file: RepositoryObject, bs: BackupStorageObject): boolean {
  if (!usesStorage(live, bs)) return false;
  try {
    return normalizeRepositoryPath(live.spec?.path ?? '') === normalizeRepositoryPath(file.spec?.path ?? '');
  } catch {
    return false;
  }
}
