// Deleting a BackupStorage. `Delete` keeps the data by definition. `WipeOut` of a local storage runs the
// cleanup Job that removes everything on its volume, and the finalizer stays until that Job succeeded (a
// failure is said in an Event, with the fix, and the Job is run again); `WipeOut` of an object store still
// keeps its data (an Event says so). The Repository objects that still name the storage are left in place
// (deleting them could trigger their own cleanup) and named in the Event. Otherwise the finalizer is always
// removed, so deletion never waits on an unreachable backend.
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import type { ReconcileResult } from '../../controller/reconciler.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { StorageJobState } from '../storage-job/job.ts';
import { objectName, type BackupStorageObject } from './backend.ts';
import type { RepositoryObject } from './plan.ts';

/** How soon a deletion waiting on its cleanup Job looks again (the Job's changes re-queue it sooner). */
const WIPE_POLL_MS = 5_000;

/**
 * The Event of a deletion: what the policy did and what was left behind. `wiped` is the cleanup Job's
 * state for a local WipeOut (undefined when no Job serves this storage). Pure.
 */
export function deletionNote(
  bs: BackupStorageObject,
  repos: readonly RepositoryObject[],
  wiped?: StorageJobState,
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
  if (policy === 'WipeOut' && wiped?.state === 'succeeded') {
    return {
      type: EventType.Normal,
      reason: 'BackendDataWipedOut',
      note: `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut: everything on its volume was removed (${wiped.message}).${left}`,
    };
  }
  if (policy === 'WipeOut' && wiped?.state === 'failed') {
    return {
      type: EventType.Warning,
      reason: 'WipeOutFailed',
      note:
        `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut, but its volume could not be ` +
        `emptied: ${wiped.message}. The Job is run again a minute after it failed; to keep the data and ` +
        `finish the deletion instead, set spec.deletionPolicy to Delete.${left}`,
    };
  }
  if (policy === 'WipeOut') {
    return {
      type: EventType.Warning,
      reason: 'WipeOutNotPerformed',
      note:
        `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut, but Cairn does not yet run the ` +
        `cleanup Job for object stores: the backend data (metadata.yaml and every repository under the prefix) ` +
        `was kept; delete it in the bucket if it is no longer wanted.${left}`,
    };
  }
  return {
    type: EventType.Normal,
    reason: 'BackendDataKept',
    note: `BackupStorage ${objectName(bs)} was deleted with deletionPolicy Delete: the backend data was kept.${left}`,
  };
}

/**
 * Runs the local cleanup Job through `wipe` when the policy is WipeOut (waiting for it), records what was
 * done or left behind, then removes the cleanup finalizer (if this object still has it).
 */
export async function finalizeDeletion(
  client: KubeClient,
  bs: BackupStorageObject,
  repos: readonly RepositoryObject[],
  signal: AbortSignal,
  wipe?: () => Promise<StorageJobState>,
): Promise<ReconcileResult | void> {
  const finalizers = bs.metadata?.finalizers ?? [];
  if (!finalizers.includes(CLEANUP_FINALIZER)) return;
  let wiped: StorageJobState | undefined;
  if ((bs.spec.deletionPolicy ?? 'Delete') === 'WipeOut' && wipe) {
    wiped = await wipe();
    if (wiped.state === 'pending' || wiped.state === 'absent') return { requeueAfterMs: WIPE_POLL_MS };
  }
  const e = deletionNote(bs, repos, wiped);
  await recordEvent(client, { regarding: bs, action: 'Delete', ...e });
  if (wiped?.state === 'failed') return { requeueAfterMs: 60_000 };
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
