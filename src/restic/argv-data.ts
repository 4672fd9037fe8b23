// Builders of the commands that move data in and out of a repository: backup, restore, dump. Pure; see
// argv.ts for what every builder guarantees.

import { ResticUsageError } from './errors.ts';
import { checkGroupBy, checkSnapshotId, checkTag, text, unique } from './argv-checks.ts';
import { buildCommand, type CommonOptions, type ResticCommand } from './argv.ts';
import type { ResticTarget } from './target.ts';

export interface BackupOptions {
  /** Files or directories to back up; at least one. */
  paths: readonly string[];
  /** Snapshot host name; snapshots group and find their parent by host and paths. */
  host?: string;
  tags?: readonly string[];
  /** Parent snapshot to compare against instead of restic's own choice. */
  parent?: string;
  /**
   * How restic picks the parent when `parent` is unset: the newest snapshot of the same group
   * (`host,paths` by default; any combination of host, paths and tags).
   */
  groupBy?: string;
  excludes?: readonly string[];
  /** Do not create a snapshot when nothing changed since the parent. */
  skipIfUnchanged?: boolean;
  dryRun?: boolean;
}

/** `restic backup`: JSON lines on stdout (status, summary) and stderr (error, exit_error). */
export function backupCommand(
  target: ResticTarget,
  options: BackupOptions,
  common?: CommonOptions,
): ResticCommand {
  if (options.paths.length === 0) throw new ResticUsageError('backup needs at least one path');
  const paths = options.paths.map((path) => text('backup path', path));
  const flags: string[] = [];
  if (options.host !== undefined) flags.push('--host', text('host', options.host));
  for (const tag of unique(options.tags ?? [])) flags.push('--tag', checkTag(tag));
  if (options.parent !== undefined)
    flags.push('--parent', checkSnapshotId(options.parent, { allowLatest: false }));
  if (options.groupBy !== undefined) flags.push('--group-by', checkGroupBy(options.groupBy));
  for (const exclude of options.excludes ?? []) flags.push('--exclude', text('exclude pattern', exclude));
  if (options.skipIfUnchanged) flags.push('--skip-if-unchanged');
  if (options.dryRun) flags.push('--dry-run');
  return buildCommand(
    target,
    { subcommand: ['backup'], flags, positional: paths, jsonByDefault: true },
    common,
  );
}

export interface RestoreOptions {
  /** Snapshot ID or `latest`. */
  snapshot: string;
  /** Only restore this directory of the snapshot (`<id>:<subfolder>`). */
  subfolder?: string;
  /** Directory to restore into. */
  target: string;
  include?: readonly string[];
  exclude?: readonly string[];
  /** Read the restored files back and compare. */
  verify?: boolean;
}

/** `restic restore`: JSON lines (status, summary, error). */
export function restoreCommand(
  target: ResticTarget,
  options: RestoreOptions,
  common?: CommonOptions,
): ResticCommand {
  let snapshot = checkSnapshotId(options.snapshot, { allowLatest: true });
  if (options.subfolder !== undefined) snapshot = `${snapshot}:${text('subfolder', options.subfolder)}`;
  const flags = ['--target', text('restore target', options.target)];
  for (const pattern of options.include ?? []) flags.push('--include', text('include pattern', pattern));
  for (const pattern of options.exclude ?? []) flags.push('--exclude', text('exclude pattern', pattern));
  if (options.verify) flags.push('--verify');
  return buildCommand(
    target,
    { subcommand: ['restore'], flags, positional: [snapshot], jsonByDefault: true },
    common,
  );
}

export interface DumpOptions {
  snapshot: string;
  /** Path inside the snapshot; a directory is dumped as an archive. */
  file: string;
  archive?: 'tar' | 'zip';
}

/** `restic dump`: writes one file (or an archive of a directory) of a snapshot to stdout. */
export function dumpCommand(
  target: ResticTarget,
  options: DumpOptions,
  common?: CommonOptions,
): ResticCommand {
  const flags: string[] = [];
  if (options.archive !== undefined) flags.push('--archive', options.archive);
  const positional = [
    checkSnapshotId(options.snapshot, { allowLatest: true }),
    text('dump file', options.file),
  ];
  return buildCommand(target, { subcommand: ['dump'], flags, positional, jsonByDefault: false }, common);
}
