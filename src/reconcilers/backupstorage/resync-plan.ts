// The decisions of the continuing backend sync (./resync.ts), without I/O: when a periodic check syncs, how
// old a record on the backend is, and whether a record whose object is missing here is new (created) or was
// deleted here on purpose (left deleted). See the README for why the record's newest timestamp is compared.
import { isObject } from '../../common/json.ts';
import type { KubeObject } from '../../kube/types.ts';

/** When the last completed continuing sync of this storage started (RFC 3339, this cluster's clock). */
export const SYNCED_AT_ANNOTATION = 'storage.cairn.dev/snapshots-synced-at';
/**
 * The records that last sync saw within the margin of its start (a JSON array of `Kind namespace/name`):
 * they are not new at the next sync even though they are newer than `synced-at` minus the margin.
 */
export const SYNCED_RECENT_ANNOTATION = 'storage.cairn.dev/snapshots-synced-recent';
/** Set by the first sync (./reconciler.ts); its time stands in for `synced-at` until that is written. */
export const FIRST_SYNC_ANNOTATION = 'storage.cairn.dev/repositories-synced';

/**
 * How much older than the last sync a record may look and still be new: the clocks of the writing cluster
 * and of this one may differ, and a record is uploaded moments after its newest timestamp was set.
 */
export const SKEW_MARGIN_MS = 5 * 60_000;

export interface SyncState {
  /** Start of the last completed sync (ms since the epoch); undefined before any sync. */
  at: number | undefined;
  /** `Kind namespace/name` of the records that sync saw within the margin. */
  recent: ReadonlySet<string>;
}

/** The state the storage's annotations record (a malformed value counts as absent). */
export function readSyncState(o: KubeObject): SyncState {
  const a = o.metadata?.annotations ?? {};
  const parsed = Date.parse(a[SYNCED_AT_ANNOTATION] ?? a[FIRST_SYNC_ANNOTATION] ?? '');
  let recent: string[] = [];
  try {
    const v: unknown = JSON.parse(a[SYNCED_RECENT_ANNOTATION] ?? '[]');
    if (Array.isArray(v)) recent = v.filter((x): x is string => typeof x === 'string');
  } catch {
    recent = [];
  }
  return { at: Number.isNaN(parsed) ? undefined : parsed, recent: new Set(recent) };
}

/**
 * Whether a check at `now` syncs: never before the first sync claimed the storage, then once per
 * `intervalMs` (a tenth early, so the periodic requeue, which fires `intervalMs` after the previous run,
 * always finds it due; the runs that other objects' changes cause in between do not sync).
 */
export function syncDue(o: KubeObject, now: Date, intervalMs: number): boolean {
  const a = o.metadata?.annotations ?? {};
  if (!a[FIRST_SYNC_ANNOTATION]) return false;
  const at = Date.parse(a[SYNCED_AT_ANNOTATION] ?? '');
  return Number.isNaN(at) || now.getTime() - at >= intervalMs * 0.9;
}

function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

/**
 * When a record was last changed by its writer, by the writer's clock: the newest of its
 * `metadata.creationTimestamp`, `status.snapshotTime`, `status.lastUpdateTime`, its conditions'
 * `lastTransitionTime` and its components' restic `endTime`. A Snapshot record is uploaded once, when its
 * last component reported, so this is moments before the upload even for a backup that ran for hours
 * (its creation time and snapshot time are when it started). Undefined when the record holds no time.
 */
export function recordTime(doc: unknown): number | undefined {
  if (!isObject(doc)) return undefined;
  const times: (number | undefined)[] = [];
  const meta = isObject(doc.metadata) ? doc.metadata : {};
  times.push(timeOf(meta.creationTimestamp));
  const status = isObject(doc.status) ? doc.status : {};
  times.push(timeOf(status.snapshotTime), timeOf(status.lastUpdateTime));
  for (const c of Array.isArray(status.conditions) ? status.conditions : []) {
    if (isObject(c)) times.push(timeOf(c.lastTransitionTime));
  }
  for (const comp of isObject(status.components) ? Object.values(status.components) : []) {
    if (!isObject(comp) || !Array.isArray(comp.resticStats)) continue;
    for (const s of comp.resticStats) {
      if (isObject(s)) times.push(timeOf(isObject(s.summary) ? s.summary.endTime : s.endTime));
    }
  }
  const known = times.filter((t): t is number => t !== undefined);
  return known.length > 0 ? Math.max(...known) : undefined;
}

/** What to do with one record on the backend. */
export type RecordDecision = 'exists' | 'create' | 'keep-deleted';

/**
 * A record whose object exists here is left alone (this cluster wrote it, or an earlier sync created it).
 * One whose object is missing is created when no sync ran yet, or when it is newer than the last sync's
 * start minus the margin and that sync did not see it; otherwise the last sync saw it (it was uploaded
 * before that sync listed), so its object was deleted here on purpose and stays deleted. A record without
 * any time counts as old.
 */
export function decideRecord(i: {
  id: string;
  exists: boolean;
  time: number | undefined;
  state: SyncState;
  marginMs?: number;
}): RecordDecision {
  if (i.exists) return 'exists';
  if (i.state.at === undefined) return 'create';
  if (i.time === undefined) return 'keep-deleted';
  const newer = i.time > i.state.at - (i.marginMs ?? SKEW_MARGIN_MS);
  return newer && !i.state.recent.has(i.id) ? 'create' : 'keep-deleted';
}

/** A sync's start as the annotation records it (whole seconds, rounded down), for every comparison. */
export function syncStart(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000);
}

/** Whether a sync that started at `startedAt` must remember it saw this record (see SYNCED_RECENT). */
export function withinMargin(time: number | undefined, startedAt: Date, marginMs = SKEW_MARGIN_MS): boolean {
  return time !== undefined && time > startedAt.getTime() - marginMs;
}

/** The annotations a completed sync that started at `startedAt` writes. */
export function syncStateAnnotations(startedAt: Date, recent: Iterable<string>): Record<string, string> {
  return {
    [SYNCED_AT_ANNOTATION]: syncStart(startedAt)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    [SYNCED_RECENT_ANNOTATION]: JSON.stringify([...new Set(recent)].sort()),
  };
}
