// The typed messages restic prints with `--json`, as the parser in json-lines.ts yields them: one event per
// line, camelCase fields, zero where restic left a field out. Numbers are JavaScript numbers: byte counts
// above 2^53 (8 PiB) lose precision.

export type ResticStream = 'stdout' | 'stderr';

/**
 * Which command produced the output. restic reuses `status` and `summary` for backup, restore and check
 * with different fields; with `auto` the parser tells them apart by their fields.
 */
export type ResticOutputCommand = 'backup' | 'restore' | 'check' | 'init' | 'auto';

interface EventBase {
  stream: ResticStream;
}

/** Backup progress, printed about RESTIC_PROGRESS_FPS times a second. */
export interface BackupStatusEvent extends EventBase {
  type: 'status';
  secondsElapsed: number;
  secondsRemaining: number;
  /** 0…1 */
  percentDone: number;
  totalFiles: number;
  filesDone: number;
  totalBytes: number;
  bytesDone: number;
  errorCount: number;
  currentFiles: string[];
}

/** What a restore has done so far (in its status lines) or in all (in its summary). */
export interface RestoreCounts {
  totalFiles: number;
  filesRestored: number;
  filesSkipped: number;
  filesDeleted: number;
  totalBytes: number;
  bytesRestored: number;
  bytesSkipped: number;
}

export interface RestoreStatusEvent extends EventBase, RestoreCounts {
  type: 'restore_status';
  secondsElapsed: number;
  percentDone: number;
}

/** Per-item detail (backup with `--verbose`, restore with `--verbose=2`). */
export interface VerboseStatusEvent extends EventBase {
  type: 'verbose_status';
  action: string;
  item: string;
  duration: number;
  dataSize: number;
  dataSizeInRepo: number;
  metadataSize: number;
  metadataSizeInRepo: number;
  totalFiles: number;
  /** restore only */
  size: number;
}

/** A non-fatal error (an unreadable file, a damaged pack): the command goes on. */
export interface ErrorEvent extends EventBase {
  type: 'error';
  message: string;
  during?: string;
  item?: string;
}

/** The last line of a successful backup. */
export interface BackupSummaryEvent extends EventBase {
  type: 'summary';
  dryRun: boolean;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dirsNew: number;
  dirsChanged: number;
  dirsUnmodified: number;
  dataBlobs: number;
  treeBlobs: number;
  /** Bytes added before compression. */
  dataAdded: number;
  /** Bytes added after compression: what the repository grew by. */
  dataAddedPacked: number;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
  /** Seconds. */
  totalDuration: number;
  /** RFC 3339 (restic ≥ 0.18). */
  backupStart?: string;
  backupEnd?: string;
  /** Absent when no snapshot was created (dry run, `--skip-if-unchanged`). */
  snapshotId?: string;
}

export interface RestoreSummaryEvent extends EventBase, RestoreCounts {
  type: 'restore_summary';
  secondsElapsed: number;
}

/** `check --json` result (restic ≥ 0.18). */
export interface CheckSummaryEvent extends EventBase {
  type: 'check_summary';
  numErrors: number;
  brokenPacks: string[];
  suggestRepairIndex: boolean;
  suggestPrune: boolean;
}

/** The fatal error restic prints on stderr just before it exits (restic ≥ 0.18). */
export interface ExitErrorEvent extends EventBase {
  type: 'exit_error';
  code: number;
  message: string;
}

/** `init --json`. */
export interface InitializedEvent extends EventBase {
  type: 'initialized';
  id: string;
  repository: string;
}

/** Valid JSON that is not one of the messages above (snapshot arrays, `diff` changes, future types). */
export interface JsonEvent extends EventBase {
  type: 'json';
  messageType?: string;
  value: unknown;
}

/** A line that is not JSON. `truncated` when it exceeded the line limit and its tail was dropped. */
export interface TextEvent extends EventBase {
  type: 'text';
  line: string;
  truncated?: boolean;
}

export type ResticEvent =
  | BackupStatusEvent
  | RestoreStatusEvent
  | VerboseStatusEvent
  | ErrorEvent
  | BackupSummaryEvent
  | RestoreSummaryEvent
  | CheckSummaryEvent
  | ExitErrorEvent
  | InitializedEvent
  | JsonEvent
  | TextEvent;
