// Builders of the commands that list, remove, measure and copy snapshots: snapshots, forget (by ID and by
// keep policy), stats, copy. Pure; see argv.ts for what every builder guarantees.

import { ResticUsageError } from './errors.ts';
import { checkGroupBy, checkSnapshotId, positiveInteger, unique } from './argv-checks.ts';
import {
  buildCommand,
  checkOptions,
  filterFlags,
  type CommonOptions,
  type ResticCommand,
  type SnapshotFilter,
} from './argv.ts';
import { targetOptionArgs, type ResticTarget } from './target.ts';

export interface SnapshotsOptions extends SnapshotFilter {
  /** Only the newest N snapshots of each group. */
  latest?: number;
  groupBy?: string;
  ids?: readonly string[];
}

/** `restic snapshots`: one JSON array of snapshot objects. */
export function snapshotsCommand(
  target: ResticTarget,
  options: SnapshotsOptions = {},
  common?: CommonOptions,
): ResticCommand {
  const flags = filterFlags(options);
  if (options.latest !== undefined) flags.push('--latest', String(positiveInteger('latest', options.latest)));
  if (options.groupBy !== undefined) flags.push('--group-by', checkGroupBy(options.groupBy));
  const positional = unique(options.ids ?? []).map((id) => checkSnapshotId(id, { allowLatest: true }));
  return buildCommand(target, { subcommand: ['snapshots'], flags, positional, jsonByDefault: true }, common);
}

export interface ForgetIdsOptions {
  /** Also remove the data only those snapshots referenced (`--prune`). */
  prune?: boolean;
  dryRun?: boolean;
}

/**
 * `restic forget <ids>`: removes exactly these snapshots. restic prints no JSON for this form, so `--json`
 * is off by default.
 */
export function forgetIdsCommand(
  target: ResticTarget,
  ids: readonly string[],
  options: ForgetIdsOptions = {},
  common?: CommonOptions,
): ResticCommand {
  if (ids.length === 0) throw new ResticUsageError('forget needs at least one snapshot ID');
  const positional = unique(ids).map((id) => checkSnapshotId(id, { allowLatest: false }));
  const flags: string[] = [];
  if (options.prune) flags.push('--prune');
  if (options.dryRun) flags.push('--dry-run');
  return buildCommand(target, { subcommand: ['forget'], flags, positional, jsonByDefault: false }, common);
}

/** A count of snapshots to keep; `unlimited` keeps every snapshot the rule matches. */
export type KeepCount = number | 'unlimited';

/** restic's keep rules. A snapshot is kept when any rule selects it. */
export interface KeepPolicy {
  last?: KeepCount;
  hourly?: KeepCount;
  daily?: KeepCount;
  weekly?: KeepCount;
  monthly?: KeepCount;
  yearly?: KeepCount;
  /** Keep everything newer than this, in restic's units: `y`, `m` (months), `d`, `h`, e.g. `1y6m`. */
  within?: string;
}

const KEEP_RULES = ['last', 'hourly', 'daily', 'weekly', 'monthly', 'yearly'] as const;

export interface ForgetPolicyOptions extends SnapshotFilter {
  prune?: boolean;
  dryRun?: boolean;
  groupBy?: string;
}

/**
 * `restic forget --keep-…`: applies keep rules per group. A policy that keeps nothing is refused, because
 * restic would otherwise remove every snapshot of every group.
 */
export function forgetPolicyCommand(
  target: ResticTarget,
  policy: KeepPolicy,
  options: ForgetPolicyOptions = {},
  common?: CommonOptions,
): ResticCommand {
  const flags: string[] = [];
  for (const rule of KEEP_RULES) {
    const count = policy[rule];
    if (count === undefined) continue;
    if (count === 'unlimited') {
      flags.push(`--keep-${rule}`, 'unlimited');
    } else if (!Number.isSafeInteger(count) || count < 0) {
      throw new ResticUsageError(`keep ${rule} must be a non-negative integer or "unlimited", got ${count}`);
    } else if (count > 0) {
      flags.push(`--keep-${rule}`, String(count));
    }
  }
  if (policy.within !== undefined) {
    if (!/^(?:\d+[ymdh])+$/.test(policy.within)) {
      throw new ResticUsageError(
        `keep within ${JSON.stringify(policy.within)} must be like 1y6m15d12h (units y, m = months, d, h)`,
      );
    }
    flags.push('--keep-within', policy.within);
  }
  if (flags.length === 0) {
    throw new ResticUsageError('a keep policy must keep something: set at least one rule above zero');
  }
  flags.push(...filterFlags(options));
  if (options.groupBy !== undefined) flags.push('--group-by', checkGroupBy(options.groupBy));
  if (options.prune) flags.push('--prune');
  if (options.dryRun) flags.push('--dry-run');
  return buildCommand(target, { subcommand: ['forget'], flags, jsonByDefault: true }, common);
}

export type StatsMode = 'restore-size' | 'files-by-contents' | 'blobs-per-file' | 'raw-data';

export interface StatsOptions {
  mode?: StatsMode;
  snapshots?: readonly string[];
}

/** `restic stats`: one JSON object; `raw-data` gives the repository size KubeStash reports. */
export function statsCommand(
  target: ResticTarget,
  options: StatsOptions = {},
  common?: CommonOptions,
): ResticCommand {
  const flags: string[] = [];
  if (options.mode !== undefined) flags.push('--mode', options.mode);
  const positional = unique(options.snapshots ?? []).map((id) => checkSnapshotId(id, { allowLatest: true }));
  return buildCommand(target, { subcommand: ['stats'], flags, positional, jsonByDefault: true }, common);
}

export interface CopyOptions extends SnapshotFilter {
  /** Snapshots to copy; all matching the filter when empty. */
  snapshots?: readonly string[];
}

/**
 * `restic copy` from `source` into `destination` (the `--repo`). One restic process serves both backends,
 * so they must agree on every shared setting: the same environment variable or extended option with two
 * different values is refused, as are differing TLS verification and two different files at one path (give
 * each target its own secrets directory). The source password travels as RESTIC_FROM_PASSWORD.
 */
export function copyCommand(
  destination: ResticTarget,
  source: ResticTarget,
  options: CopyOptions = {},
  common?: CommonOptions,
): ResticCommand {
  checkOptions(common?.options);
  const sourceEnv: Record<string, string> = {};
  for (const [key, envValue] of Object.entries(source.env)) {
    sourceEnv[key === 'RESTIC_PASSWORD' ? 'RESTIC_FROM_PASSWORD' : key] = envValue;
  }
  for (const [key, envValue] of Object.entries(sourceEnv)) {
    const other = destination.env[key];
    if (other !== undefined && other !== envValue) {
      throw new ResticUsageError(
        `copy needs one value of ${key} for both repositories; source and destination differ`,
      );
    }
  }
  const mergedOptions: Record<string, string> = { ...destination.options };
  for (const [key, optionValue] of Object.entries(source.options)) {
    const other = mergedOptions[key];
    if (other !== undefined && other !== optionValue) {
      throw new ResticUsageError(`copy needs one value of option ${key} for both repositories; they differ`);
    }
    mergedOptions[key] = optionValue;
  }
  const files = [...destination.files];
  for (const file of source.files) {
    const clash = files.find((existing) => existing.path === file.path);
    if (clash && clash.contents !== file.contents) {
      throw new ResticUsageError(
        `source and destination both need a file at ${file.path}; use separate directories`,
      );
    }
    if (!clash) files.push(file);
  }
  // --insecure-tls is global: accepting it for one side would silently weaken the other.
  if (destination.insecureTls !== source.insecureTls) {
    throw new ResticUsageError(
      'copy needs the same TLS verification for both repositories; insecureTLS differs',
    );
  }
  const merged: ResticTarget = { ...destination, options: { ...mergedOptions, ...common?.options } };
  const targetArgs = targetOptionArgs({ ...merged, caCertFile: undefined });
  for (const caFile of unique([destination.caCertFile, source.caCertFile].filter((f) => f !== undefined))) {
    targetArgs.push('--cacert', caFile);
  }
  const flags = ['--from-repo', source.repository, ...filterFlags(options)];
  const positional = unique(options.snapshots ?? []).map((id) => checkSnapshotId(id, { allowLatest: true }));
  return buildCommand(
    { ...merged, files },
    {
      subcommand: ['copy'],
      flags,
      positional,
      jsonByDefault: false,
      extraEnv: sourceEnv,
      extraSecrets: source.secrets,
      targetArgs,
    },
    { ...common, options: undefined },
  );
}
