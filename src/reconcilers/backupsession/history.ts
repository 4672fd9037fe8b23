// Which finished runs of a session to delete so that `sessionHistoryLimit` remain (pure). The run that is
// finishing counts as finished; runs still in progress are never chosen. The backup Jobs go with their
// BackupSession (they are owned by it); Snapshots stay (they are owned by their Repository).
import { isBackupSessionCompleted } from '../../api/backupsession-phase.ts';
import type { SessionObject } from './plan.ts';

/** Default of `sessions[].sessionHistoryLimit`. */
export const DEFAULT_SESSION_HISTORY_LIMIT = 1;

export function historyToDelete(
  finishing: SessionObject,
  siblings: readonly SessionObject[],
  limit: number = DEFAULT_SESSION_HISTORY_LIMIT,
): string[] {
  const same = (s: SessionObject): boolean =>
    s.spec?.invoker?.name === finishing.spec?.invoker?.name && s.spec?.session === finishing.spec?.session;
  const finished = siblings.filter(
    (s) =>
      same(s) && s.metadata?.name !== finishing.metadata?.name && isBackupSessionCompleted(s.status?.phase),
  );
  const order = (s: SessionObject): string =>
    `${s.metadata?.creationTimestamp ?? ''}\u0000${s.metadata?.name ?? ''}`;
  // Newest first; the finishing run is the newest to keep.
  const all = [finishing, ...finished.sort((a, b) => order(b).localeCompare(order(a)))];
  return all
    .slice(Math.max(1, limit))
    .map((s) => s.metadata?.name ?? '')
    .filter((n) => n !== '');
}
