// A Repository's wanted status, decided from its Snapshots and from whether repository.yaml is in place.
// Pure: no I/O, the time is passed in.
import { stringify } from 'yaml';
import { ConditionStatus, setCondition } from '../../api/conditions.ts';
import { LABEL } from '../../api/backup-names.ts';
import type { RepositoryStatus } from '../../api/kinds/repository.ts';
import type { Snapshot } from '../../api/kinds/snapshot.ts';
import { RepositoryCondition, RepositoryReason, repositoryPhase } from '../../api/repository-phase.ts';
import { SnapshotPhase } from '../../api/snapshot-phase.ts';
import { deepEqual } from '../../common/json.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { RepositoryObject } from '../backupstorage/plan.ts';

export type SnapshotObject = Snapshot & KubeObject;

/** How many Snapshots `status.recentSnapshots` lists, newest first (KubeStash's documented limit). */
export const RECENT_SNAPSHOTS = 5;

/** True when the Snapshot belongs to the Repository: by `spec.repository`, else by the repo-name label. */
export function belongsTo(snap: SnapshotObject, repo: RepositoryObject): boolean {
  if (snap.metadata?.namespace !== repo.metadata?.namespace) return false;
  const name = repo.metadata?.name;
  const byRef = snap.spec?.repository;
  return byRef ? byRef === name : snap.metadata?.labels?.[LABEL.repoName] === name;
}

/** The Repository key a Snapshot counts towards. */
export function repositoryKeyOf(snap: SnapshotObject): string | undefined {
  const name = snap.spec?.repository || snap.metadata?.labels?.[LABEL.repoName];
  return name ? `${snap.metadata?.namespace ?? ''}/${name}` : undefined;
}

/** When a Snapshot was taken: status.snapshotTime, else its creation time. */
function takenAt(s: SnapshotObject): string {
  return s.status?.snapshotTime ?? s.metadata?.creationTimestamp ?? '';
}

type SnapshotFields = Pick<
  RepositoryStatus,
  'recentSnapshots' | 'lastBackupTime' | 'snapshotCount' | 'size' | 'integrity' | 'componentPaths'
>;

/**
 * The fields of the status a Repository's Snapshots decide. Size and integrity are those of the newest
 * succeeded Snapshot (its size is the repository's size after that backup); component paths are every path
 * a Snapshot recorded, sorted.
 */
export function snapshotFields(snaps: readonly SnapshotObject[]): SnapshotFields {
  const newest = [...snaps].sort((a, b) =>
    takenAt(a) === takenAt(b)
      ? (b.metadata?.name ?? '').localeCompare(a.metadata?.name ?? '')
      : takenAt(b).localeCompare(takenAt(a)),
  );
  const out: SnapshotFields = { snapshotCount: snaps.length };
  out.recentSnapshots = newest.slice(0, RECENT_SNAPSHOTS).map((s) => {
    const e: NonNullable<RepositoryStatus['recentSnapshots']>[number] = { name: s.metadata?.name };
    if (s.status?.phase) e.phase = s.status.phase;
    if (s.spec?.session) e.session = s.spec.session;
    if (s.status?.size) e.size = s.status.size;
    if (s.status?.snapshotTime) e.snapshotTime = s.status.snapshotTime;
    return e;
  });
  const succeeded = newest.find((s) => s.status?.phase === SnapshotPhase.Succeeded);
  if (succeeded) {
    const t = takenAt(succeeded);
    if (t) out.lastBackupTime = t;
    if (succeeded.status?.size) out.size = succeeded.status.size;
    if (succeeded.status?.integrity !== undefined) out.integrity = succeeded.status.integrity;
  }
  const paths = new Set<string>();
  for (const s of snaps) {
    for (const c of Object.values(s.status?.components ?? {})) if (c?.path) paths.add(c.path);
  }
  out.componentPaths = [...paths].sort();
  return out;
}

/** What making sure repository.yaml is in the backend came to. */
export type RepositoryInit =
  | { state: 'ok' }
  | { state: 'failed'; message: string }
  /** Not known yet (a local volume's Job is still writing repository.yaml): neither success nor failure. */
  | { state: 'unknown'; reason: string; message: string };

/** The whole wanted status: Snapshot-derived fields, RepositoryInitialized and the phase derived from it. */
export function planRepositoryStatus(
  repo: RepositoryObject,
  snaps: readonly SnapshotObject[],
  init: RepositoryInit,
  now: Date,
): RepositoryStatus {
  const type = RepositoryCondition.RepositoryInitialized;
  const observedGeneration = repo.metadata?.generation;
  const update =
    init.state === 'ok'
      ? {
          type,
          status: ConditionStatus.True,
          reason: RepositoryReason.RepositoryInitializationSucceeded,
          message: 'Successfully initialized repository',
          observedGeneration,
        }
      : init.state === 'failed'
        ? {
            type,
            status: ConditionStatus.False,
            reason: RepositoryReason.RepositoryInitializationFailed,
            message: init.message,
            observedGeneration,
          }
        : {
            type,
            status: ConditionStatus.Unknown,
            reason: init.reason,
            message: init.message,
            observedGeneration,
          };
  const conditions = setCondition(repo.status?.conditions ?? [], update, () => now);
  const fields = snapshotFields(snaps);
  // A component repository outlives the Snapshot objects that recorded it (retention, history limits,
  // another cluster writing it), so paths already listed are kept, in their order, and new ones appended
  // sorted: the list only grows.
  const known = (repo.status?.componentPaths ?? []).filter((p) => typeof p === 'string' && p !== '');
  fields.componentPaths = [...new Set([...known, ...(fields.componentPaths ?? [])])];
  return { phase: repositoryPhase({ conditions }), ...fields, conditions };
}

const STATUS_FIELDS = [
  'phase',
  'lastBackupTime',
  'integrity',
  'snapshotCount',
  'size',
  'recentSnapshots',
  'componentPaths',
  'conditions',
] as const;

/** True when writing `next` would change one of the fields this reconciler owns. */
export function repositoryStatusChanged(
  current: RepositoryStatus | undefined,
  next: RepositoryStatus,
): boolean {
  const pick = (s: RepositoryStatus | undefined): unknown =>
    JSON.parse(JSON.stringify(Object.fromEntries(STATUS_FIELDS.map((f) => [f, s?.[f]])))) as unknown;
  return !deepEqual(pick(current), pick(next));
}

/**
 * The merge patch that brings the stored status to `next`: every owned field, with `null` for those `next`
 * leaves out (a merge patch keeps absent keys), so a value from a deleted Snapshot does not linger.
 */
export function statusPatch(next: RepositoryStatus): Record<string, unknown> {
  return Object.fromEntries(STATUS_FIELDS.map((f) => [f, next[f] ?? null]));
}

/**
 * repository.yaml: the Repository object as KubeStash serialises it into the backend (type, name,
 * namespace, labels and spec), without server-set fields, so another cluster can recreate it from the file.
 */
export function repositoryYaml(repo: RepositoryObject): string {
  const meta: Record<string, unknown> = { name: repo.metadata?.name, namespace: repo.metadata?.namespace };
  if (repo.metadata?.labels && Object.keys(repo.metadata.labels).length > 0)
    meta.labels = repo.metadata.labels;
  return stringify({
    apiVersion: repo.apiVersion ?? 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: meta,
    spec: repo.spec,
  });
}
