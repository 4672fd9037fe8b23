// Deleting a BackupStorage. `Delete` keeps the data by definition. `WipeOut` removes it: on a local storage
// through the cleanup Job that empties its volume, on an object store by deleting every object under its
// prefix (./wipe.ts); the finalizer stays until that is done (a failure is said in an Event, with the fix,
// and tried again). An object store whose prefix is empty is the whole bucket: that is refused, said in an
// Event, and the deletion finishes keeping the data. The Repository objects that still name the storage are
// left in place (deleting them could trigger their own cleanup) and named in the Event. Otherwise the
// finalizer is always removed, so deletion never waits on an unreachable backend.
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import type { ReconcileResult } from '../../controller/reconciler.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import { objectName, type BackupStorageObject } from './backend.ts';
import type { RepositoryObject } from './plan.ts';
import type { WipeResult } from './wipe.ts';

/** How soon a deletion waiting on its cleanup Job looks again (the Job's changes re-queue it sooner). */
const WIPE_POLL_MS = 5_000;

/**
 * The Event of a deletion: what the policy did and what was left behind. `wiped` is what the WipeOut came
 * to (undefined when this operator cannot carry one out). Pure.
 */
export function deletionNote(
  bs: BackupStorageObject,
  repos: readonly RepositoryObject[],
  wiped?: WipeResult,
  local = true,
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
  const where = local ? 'on its volume' : 'under its prefix';
  if (policy === 'WipeOut' && wiped?.state === 'succeeded') {
    return {
      type: EventType.Normal,
      reason: 'BackendDataWipedOut',
      note: `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut: everything ${where} was removed (${wiped.message}).${left}`,
    };
  }
  if (policy === 'WipeOut' && wiped?.state === 'failed') {
    return {
      type: EventType.Warning,
      reason: 'WipeOutFailed',
      note:
        `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut, but the data ${where} could ` +
        `not be removed: ${wiped.message}. ${local ? 'The Job is run' : 'It is tried'} again a minute after it failed; to keep the data and ` +
        `finish the deletion instead, set spec.deletionPolicy to Delete.${left}`,
    };
  }
  if (policy === 'WipeOut' && wiped?.state === 'refused') {
    return {
      type: EventType.Warning,
      reason: 'WipeOutRefused',
      note: `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut, but nothing was removed: ${wiped.message}.${left}`,
    };
  }
  if (policy === 'WipeOut') {
    return {
      type: EventType.Warning,
      reason: 'WipeOutNotPerformed',
      note:
        `BackupStorage ${objectName(bs)} was deleted with deletionPolicy WipeOut, but this operator cannot run ` +
        `the cleanup (it has no Job informer or image): the backend data (metadata.yaml and every repository) ` +
        `was kept; delete it in the backend if it is no longer wanted.${left}`,
    };
  }
  return {
    type: EventType.Normal,
    reason: 'BackendDataKept',
    note: `BackupStorage ${objectName(bs)} was deleted with deletionPolicy Delete: the backend data was kept.${left}`,
  };
}

/**
 * Carries out a WipeOut through `wipe` (the local cleanup Job, waited for, or the object-store deletion;
 * `local` says which, for the Event), records what was done or left behind, then removes the cleanup
 * finalizer (if this object still has it). A failed WipeOut keeps the finalizer and comes back a minute later.
 */
export async function finalizeDeletion(
  client: KubeClient,
  bs: BackupStorageObject,
  repos: readonly RepositoryObject[],
  signal: AbortSignal,
  wipe?: () => Promise<WipeResult>,
  local = true,
): Promise<ReconcileResult | void> {
  const finalizers = bs.metadata?.finalizers ?? [];
  if (!finalizers.includes(CLEANUP_FINALIZER)) return;
  let wiped: WipeResult | undefined;
  if ((bs.spec.deletionPolicy ?? 'Delete') === 'WipeOut' && wipe) {
    wiped = await wipe();
    if (wiped.state === 'pending' || wiped.state === 'absent') return { requeueAfterMs: WIPE_POLL_MS };
  }
  const e = deletionNote(bs, repos, wiped, local);
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
