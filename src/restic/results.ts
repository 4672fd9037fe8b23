// What the commands of a ResticRepository (repository.ts) return: plain data, read from restic's JSON by
// parse-output.ts. camelCase fields; numbers restic leaves out are 0.

import type { BackupSummaryEvent, ErrorEvent, RestoreSummaryEvent } from './events.ts';
import type { LockJudgement } from './locks.ts';

export interface RepositoryConfig {
  version: number;
  id: string;
  chunkerPolynomial: string;
}

export interface InitResult {
  /** False when the repository already existed (and the password opens it). */
  created: boolean;
  /** The repository ID from its config. */
  id: string;
}

export type BackupSummary = Omit<BackupSummaryEvent, 'type' | 'stream'>;
export type RestoreSummary = Omit<RestoreSummaryEvent, 'type' | 'stream'>;
export type ResticErrorReport = Omit<ErrorEvent, 'type' | 'stream'>;

export interface BackupResult {
  /** Absent only for a dry run or a skipped unchanged backup. */
  snapshotId?: string;
  summary: BackupSummary;
  /** restic exited 3: the snapshot exists but some source data could not be read (see `errors`). */
  incomplete: boolean;
  errors: ResticErrorReport[];
}

export interface SnapshotSummary {
  backupStart?: string;
  backupEnd?: string;
  filesNew: number;
  filesChanged: number;
  filesUnmodified: number;
  dataAdded: number;
  dataAddedPacked: number;
  totalFilesProcessed: number;
  totalBytesProcessed: number;
}

export interface Snapshot {
  id: string;
  shortId: string;
  time: string;
  tree: string;
  parent?: string;
  paths: string[];
  hostname: string;
  username: string;
  tags: string[];
  programVersion?: string;
  summary?: SnapshotSummary;
}

export interface ForgetGroup {
  host: string;
  paths: string[];
  tags: string[];
  keep: string[];
  remove: string[];
}

export interface CheckResult {
  /** No errors found. */
  ok: boolean;
  numErrors: number;
  brokenPacks: string[];
  suggestRepairIndex: boolean;
  suggestPrune: boolean;
  errors: string[];
}

export interface RepositoryStats {
  totalSize: number;
  snapshotsCount: number;
  totalFileCount?: number;
  totalBlobCount?: number;
  totalUncompressedSize?: number;
  compressionRatio?: number;
}

export interface KeyInfo {
  id: string;
  current: boolean;
  userName: string;
  hostName: string;
  created: string;
}

export interface CleanupResult {
  judgements: LockJudgement[];
  removed: string[];
}
