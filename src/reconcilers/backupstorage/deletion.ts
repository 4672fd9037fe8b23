// Deleting a BackupStorage. Nothing in the backend is deleted here: `Delete` keeps the data by definition,
// and `WipeOut` needs a cleanup Job that Cairn does not build yet, so its data is kept too and an Event
// says so. The Repository objects that still name the storage are left in place (deleting them could
// trigger their own cleanup) and named in the Event. The finalizer is always removed, so deletion never
// waits on an unreachable backend.
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import { objectName, type BackupStorageObject } from './backend.ts';
import type { RepositoryObject } from './plan.ts';

/** The Event note of a deletion: what the policy did and what was left behind. Pure. */
export function deletionNote(
  bs: BackupStorageObject,
  repos: readonly RepositoryObject[],
): {
  type: EventType;
  reason: string;
  note: string;
} {
  const policy = bs.spec.deletionPolicy ?? 'Delete';
  const left =
    repos.length === 0
      ? ''
      : ` Repository objects still naming it were left in place: ${repos
          .map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`)
          .sort()
          .join(', ')}.`;
  if (policy === 'WipeOut') {
    return {
      type: EventType.Warning,
      reason: 'WipeOutNotPerformed',
      note:
        `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut, but Cairn does not yet run the ` +
        `cleanup Job: the backend data (metadata.yaml and every repository under the prefix) was kept; delete ` +
        `it in the bucket if it is no longer wanted.${left}`,
    };
  }
  return {
    type: EventType.Normal,
    reason: 'BackendDataKept',
    note: `BackupStorage ${objectName(bs)} was deleted with deletionPolicy Delete: the backend data was kept.${left}`,
  };
}

/** Records what was left behind, then removes the cleanup finalizer (if this object still has it). */
export async function finalizeDeletion(
  client: KubeClient,
  bs: BackupStorageObject,
  repos: readonly RepositoryObject[],
  signal: AbortSignal,
): Promise<void> {
  const finalizers = bs.metadata?.finalizers ?? [];
  if (!finalizers.includes(CLEANUP_FINALIZER)) return;
  const e = deletionNote(bs, repos);
  await recordEvent(client, { regarding: bs, action: 'Delete', ...e });
  try {
    await client.patch(
      KUBESTASH.backupStorages,
      bs.metadata?.name ?? '',
      {
        metadata: {
          finalizers: finalizers.filter((f) => f !== CLEANUP_FINALIZER),
          resourceVersion: bs.metadata?.resourceVersion,
        },
      },
      { type: 'merge', namespace: bs.metadata?.namespace, signal },
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
