// Snapshot objects from a backend's `snapshots/*.yaml` records (the rest of §4.4 of the API reference), so
// that a cluster syncing a storage another cluster wrote to lists that cluster's Snapshots with the phases
// it recorded. Runs inside the once-per-storage-object repository sync (./sync.ts), so a Snapshot a user
// deletes later is not brought back.
import { parse } from 'yaml';
import { apiVersionOf, KUBESTASH } from '../../api/resource-type.ts';
import { controllerReference } from '../../api/backup-names.ts';
import { ConditionStatus, setCondition, type Condition } from '../../api/conditions.ts';
import { SnapshotCondition, SnapshotReason, snapshotPhase } from '../../api/snapshot-phase.ts';
import { isObject } from '../../common/json.ts';
import { apiMessage, statusCode } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { StorageBackend } from '../../storage/backend.ts';
import { snapshotNameFromKey, snapshotsDirKey } from '../../storage/paths.ts';
import type { ResolvedStorage } from '../../storage/types.ts';
import type { RepositoryObject } from './plan.ts';

export type SyncedSnapshot = KubeObject & { spec: Record<string, unknown> };

/** A Snapshot to create and the status to write after it (create ignores status). */
export interface SnapshotFromFile {
  object: SyncedSnapshot;
  status: Record<string, unknown> & { phase: string; conditions: Condition[] };
}

/**
 * The Snapshot a record describes, owned by `repo` (the Repository of this cluster, read from the API
 * server so it has a uid), or why not. Pure.
 *
 * Taken from the record: name, labels, spec and status. Not taken: the other cluster's uid, owners,
 * finalizers and annotations. The record was found on the backend, so `SnapshotMetadataUploaded` is True
 * (the writer uploads the record before it sets that condition, so the file never holds it), and the phase
 * is derived from the status by the Snapshot phase rule: the phase the writing cluster ended with.
 */
export function snapshotFromFile(
  text: string,
  fileName: string,
  repo: RepositoryObject,
  now: Date,
): SnapshotFromFile | string {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return 'not YAML';
  }
  if (!isObject(doc) || doc.kind !== 'Snapshot' || !isObject(doc.metadata) || !isObject(doc.spec)) {
    return 'not a Snapshot';
  }
  const { name, namespace } = doc.metadata;
  const repoName = repo.metadata?.name ?? '';
  const repoNs = repo.metadata?.namespace ?? '';
  if (name !== fileName) return `metadata.name is not ${JSON.stringify(fileName)}, the name of its file`;
  if (namespace !== repoNs) return `metadata.namespace is not ${repoNs}, the namespace of its Repository`;
  if (doc.spec.repository !== repoName) return `spec.repository is not ${repoName}`;
  const labels = isObject(doc.metadata.labels) ? (doc.metadata.labels as Record<string, string>) : undefined;
  const recorded = isObject(doc.status) ? doc.status : {};
  const conditions = Array.isArray(recorded.conditions) ? (recorded.conditions as Condition[]) : [];
  const withUpload = conditions.some((c) => c.type === SnapshotCondition.SnapshotMetadataUploaded)
    ? conditions
    : setCondition(
        conditions,
        {
          type: SnapshotCondition.SnapshotMetadataUploaded,
          status: ConditionStatus.True,
          reason: SnapshotReason.SuccessfullyUploadedSnapshotMetadata,
          message: 'Metadata uploaded to backend successfully',
        },
        () => now,
      );
  const status = { ...recorded, conditions: withUpload };
  return {
    object: {
      apiVersion: apiVersionOf(KUBESTASH.snapshots),
      kind: 'Snapshot',
      metadata: {
        name,
        namespace: repoNs,
        ...(labels ? { labels } : {}),
        ownerReferences: [
          controllerReference({
            apiVersion: apiVersionOf(KUBESTASH.repositories),
            kind: 'Repository',
            metadata: repo.metadata ?? {},
          }),
        ],
      },
      spec: doc.spec,
    },
    status: { ...status, phase: snapshotPhase(status) },
  };
}

export interface SnapshotSyncResult {
  /** `namespace/name` of each Snapshot created. */
  created: string[];
  /** `Snapshot namespace/name` (or the file key) and why it was not created. */
  failed: string[];
}

/**
 * Creates the Snapshots recorded under `repo`'s path that do not exist yet (a 409 means one does: it is
 * left as it is), each followed by a merge patch of its status. The status write is not conditional: the
 * Snapshot reconciler may have derived a Pending phase from the empty status in between, and the record's
 * status is the one that must stand (that reconciler's own conditional write then fails and re-reads).
 */
export async function syncSnapshots(
  client: KubeClient,
  backend: StorageBackend,
  storage: ResolvedStorage,
  repo: RepositoryObject,
  signal: AbortSignal,
  now: () => Date = () => new Date(),
): Promise<SnapshotSyncResult> {
  const result: SnapshotSyncResult = { created: [], failed: [] };
  const ns = repo.metadata?.namespace ?? '';
  const path = repo.spec?.path ?? '';
  let dir: string;
  try {
    dir = snapshotsDirKey(storage, path);
  } catch (err) {
    result.failed.push(
      `Snapshots of Repository ${ns}/${repo.metadata?.name ?? ''}: ${(err as Error).message}`,
    );
    return result;
  }
  const keys: string[] = [];
  for await (const key of backend.list(dir)) keys.push(key);
  for (const key of keys.sort()) {
    const name = snapshotNameFromKey(storage, path, key);
    if (name === undefined) continue;
    const s = snapshotFromFile((await backend.get(key)).toString('utf8'), name, repo, now());
    if (typeof s === 'string') {
      result.failed.push(`${key}: ${s}`);
      continue;
    }
    try {
      await client.create(KUBESTASH.snapshots, s.object, { namespace: ns, signal });
    } catch (err) {
      if (statusCode(err) !== 409) result.failed.push(`Snapshot ${ns}/${name}: ${apiMessage(err)}`);
      continue;
    }
    try {
      await client.patchStatus(KUBESTASH.snapshots, name, ns, s.status, { signal });
      result.created.push(`${ns}/${name}`);
    } catch (err) {
      result.failed.push(`status of Snapshot ${ns}/${name}: ${apiMessage(err)}`);
    }
  }
  return result;
}
