// What a kubedump backup writes into `Snapshot.status.components.manifest` (KubeStash's component status of
// the kubedump task), built from what restic reported. Pure: backup.ts runs restic and patches the result.
import { formatSize } from '../../api/size.ts';
import type { BackupResult, CheckResult, RepositoryStats } from '../../restic/results.ts';

/** The component name of the kubedump task (KubeStash's ComponentManifest). */
export const MANIFEST_COMPONENT = 'manifest';

/** `repository/<version>/<session>/manifest`: the component repository, relative to the repository path. */
export function componentPath(version: string | undefined, session: string): string {
  return `repository/${version || 'v1'}/${session}/${MANIFEST_COMPONENT}`;
}

/**
 * `status.components.manifest` as a merge patch. Fields a previous attempt may have written and this one
 * does not (an error after a success, statistics after a failure) are set to null, which removes them.
 */
export type ComponentStatusPatch = Record<string, unknown>;

export interface SucceededInput {
  path: string;
  durationMs: number;
  backup: BackupResult;
  check: CheckResult;
  stats: RepositoryStats;
  /** The directory restic backed up (the dump tree). */
  hostPath: string;
  /** When the upload started and ended, used when restic does not report its own times. */
  startTime: Date;
  endTime: Date;
}

/**
 * The status of a finished upload. Succeeded only with a restic snapshot id and a clean check; a check that
 * found errors or a backup that could not read every file is Failed, with the statistics kept.
 */
export function componentAfterUpload(input: SucceededInput): ComponentStatusPatch {
  const { backup, check, stats } = input;
  const summary = backup.summary;
  const problems: string[] = [];
  if (backup.snapshotId === undefined) problems.push('restic backup created no snapshot');
  if (backup.incomplete) {
    const first = backup.errors[0];
    problems.push(
      `restic backup could not read ${backup.errors.length} item(s) of ${input.hostPath}` +
        (first ? ` (first: ${[first.item, first.message].filter(Boolean).join(': ')})` : ''),
    );
  }
  if (!check.ok) {
    problems.push(
      `restic check found ${check.numErrors} error(s)` + (check.errors[0] ? `: ${check.errors[0]}` : ''),
    );
  }
  return {
    path: input.path,
    phase: problems.length === 0 ? 'Succeeded' : 'Failed',
    driver: 'Restic',
    duration: goDuration(input.durationMs),
    integrity: check.ok,
    size: formatSize(stats.totalSize),
    resticStats: [
      {
        summary: {
          ...(backup.snapshotId !== undefined ? { id: backup.snapshotId } : {}),
          uploaded: formatSize(summary.dataAdded),
          hostPath: input.hostPath,
          size: formatSize(summary.totalBytesProcessed),
          startTime: rfc3339(summary.backupStart, input.startTime),
          endTime: rfc3339(summary.backupEnd, input.endTime),
        },
      },
    ],
    error: problems.length === 0 ? null : problems.join('; '),
  };
}

/** The status of a component whose backup failed before restic reported; `error` is already redacted. */
export function componentFailed(path: string, durationMs: number, error: string): ComponentStatusPatch {
  return {
    path,
    phase: 'Failed',
    driver: 'Restic',
    duration: goDuration(durationMs),
    error,
    resticStats: null,
    integrity: null,
    size: null,
  };
}

/** A duration as Go's time.Duration prints it, to the nanosecond digits kept by `ms`: `7.887s`, `1m2.5s`. */
export function goDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0s';
  const totalNs = Math.round(ms * 1e6);
  if (totalNs < 1e6) return totalNs < 1e3 ? `${totalNs}ns` : `${trim(totalNs / 1e3)}µs`;
  if (totalNs < 1e9) return `${trim(totalNs / 1e6)}ms`;
  const h = Math.floor(totalNs / 3.6e12);
  const m = Math.floor((totalNs % 3.6e12) / 6e10);
  const s = trim((totalNs % 6e10) / 1e9);
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** A number with at most nine decimals and no trailing zeros. */
function trim(n: number): string {
  return n.toFixed(9).replace(/\.?0+$/, '');
}

/** restic's own RFC 3339 time when it gave one, else ours, to the second. */
function rfc3339(restic: string | undefined, fallback: Date): string {
  const parsed = restic ? new Date(restic) : fallback;
  const date = Number.isNaN(parsed.getTime()) ? fallback : parsed;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
