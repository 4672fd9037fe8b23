// Reading what restic printed into the results of results.ts. restic prints one JSON document for snapshots,
// stats, forget, key list and `cat config`, and a plain-text line for `key add` and `unlock`. Output that
// cannot be what the command prints is a terminal ResticError of kind `output-invalid`; a document of the
// right shape with fields missing reads as zeros and empty strings, as restic leaves zero values out.

import { isObject, num, str, strings, type JsonObject } from '../common/json.ts';
import { ResticError } from './errors.ts';
import type { ErrorEvent } from './events.ts';
import type {
  ForgetGroup,
  KeyInfo,
  RepositoryConfig,
  RepositoryStats,
  ResticErrorReport,
  Snapshot,
} from './results.ts';
import type { RunResult } from './run-result.ts';

const count = (v: unknown): number => num(v) ?? 0;
const text = (v: unknown): string => str(v) ?? '';

/** The terminal error for output restic should not have printed; `verb` is `restic <command>`. */
export function outputInvalid(result: RunResult, verb: string, why: string): ResticError {
  return new ResticError(`${verb}: ${why}`, {
    kind: 'output-invalid',
    retryable: false,
    command: verb,
    exitCode: result.exit.code,
    signal: result.exit.signal,
    stderrTail: result.stderrTail,
  });
}

/** The collected stdout as JSON. */
export function parseJson(result: RunResult, verb: string): unknown {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw outputInvalid(result, verb, 'restic printed output that is not JSON');
  }
}

/** The collected stdout as a JSON array. */
export function parseJsonArray(result: RunResult, verb: string): unknown[] {
  const value = parseJson(result, verb);
  if (!Array.isArray(value)) throw outputInvalid(result, verb, 'expected a JSON array');
  return value;
}

/** An error event without the parser's bookkeeping fields. */
export function errorReport(event: ErrorEvent): ResticErrorReport {
  const { type: _type, stream: _stream, ...rest } = event;
  return rest;
}

/** `restic cat config`. */
export function parseConfig(result: RunResult): RepositoryConfig {
  const o = parseJson(result, 'restic cat config');
  if (!isObject(o) || typeof o.id !== 'string') {
    throw outputInvalid(result, 'restic cat config', 'expected the repository config');
  }
  return { version: count(o.version), id: o.id, chunkerPolynomial: text(o.chunker_polynomial) };
}

/** One element of `restic snapshots --json`. */
export function toSnapshot(value: unknown): Snapshot {
  const o = isObject(value) ? value : {};
  const snapshot: Snapshot = {
    id: text(o.id),
    shortId: text(o.short_id),
    time: text(o.time),
    tree: text(o.tree),
    paths: strings(o.paths),
    hostname: text(o.hostname),
    username: text(o.username),
    tags: strings(o.tags),
  };
  if (typeof o.parent === 'string') snapshot.parent = o.parent;
  if (typeof o.program_version === 'string') snapshot.programVersion = o.program_version;
  if (isObject(o.summary)) {
    const s = o.summary;
    snapshot.summary = {
      filesNew: count(s.files_new),
      filesChanged: count(s.files_changed),
      filesUnmodified: count(s.files_unmodified),
      dataAdded: count(s.data_added),
      dataAddedPacked: count(s.data_added_packed),
      totalFilesProcessed: count(s.total_files_processed),
      totalBytesProcessed: count(s.total_bytes_processed),
    };
    if (typeof s.backup_start === 'string') snapshot.summary.backupStart = s.backup_start;
    if (typeof s.backup_end === 'string') snapshot.summary.backupEnd = s.backup_end;
  }
  return snapshot;
}

/** One group of `restic forget --json`: what was kept and what removed, by snapshot ID. */
export function toForgetGroup(o: JsonObject): ForgetGroup {
  const ids = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter(isObject).map((snapshot) => text(snapshot.id)) : [];
  return {
    host: text(o.host),
    paths: strings(o.paths),
    tags: strings(o.tags),
    keep: ids(o.keep),
    remove: ids(o.remove),
  };
}

/** `restic stats --json`. */
export function parseStats(result: RunResult): RepositoryStats {
  const o = parseJson(result, 'restic stats');
  if (!isObject(o)) throw outputInvalid(result, 'restic stats', 'expected a JSON object');
  const stats: RepositoryStats = { totalSize: count(o.total_size), snapshotsCount: count(o.snapshots_count) };
  if (typeof o.total_file_count === 'number') stats.totalFileCount = o.total_file_count;
  if (typeof o.total_blob_count === 'number') stats.totalBlobCount = o.total_blob_count;
  if (typeof o.total_uncompressed_size === 'number') stats.totalUncompressedSize = o.total_uncompressed_size;
  if (typeof o.compression_ratio === 'number') stats.compressionRatio = o.compression_ratio;
  return stats;
}

/** `restic key list --json`. */
export function parseKeys(result: RunResult): KeyInfo[] {
  return parseJsonArray(result, 'restic key list')
    .filter(isObject)
    .map((o) => ({
      id: text(o.id),
      current: o.current === true,
      userName: text(o.userName),
      hostName: text(o.hostName),
      created: text(o.created),
    }));
}

/** The ID `restic key add` printed for the new key. */
export function parseAddedKeyId(result: RunResult): string {
  for (const line of result.textLines) {
    const match = /saved new key with ID ([0-9a-f]{64})/.exec(line);
    if (match?.[1]) return match[1];
  }
  throw outputInvalid(result, 'restic key add', 'restic did not print the new key ID');
}

/** How many locks `restic unlock` says it removed; 0 when it says nothing. */
export function parseUnlocked(result: RunResult): number {
  for (const line of result.textLines) {
    const match = /successfully removed (\d+) locks?/.exec(line);
    if (match) return Number(match[1]);
  }
  return 0;
}
