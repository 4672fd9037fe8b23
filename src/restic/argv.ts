// restic commands as data. Every builder is pure and returns the argv (without the restic binary itself),
// the environment, the files to write first, and the secret values involved (for the redactor). A runner
// elsewhere executes them.
//
// Guarantees of every builder:
// - no secret value is placed in `args`: secrets travel in `env` or in `files` only;
// - positional arguments follow `--`, so a path or ID can never be read as a flag;
// - malformed input (IDs, tags, durations, keep rules) is rejected with a ResticUsageError before anything
//   runs, instead of being passed on for restic to misread.

import type { ResticTarget, SecretFile } from './repository.ts';
import { SECRET_FILE_MODE, targetOptionArgs } from './repository.ts';
import { ResticUsageError } from './errors.ts';

export interface ResticCommand {
  /** Arguments after the restic binary. */
  args: string[];
  /** The complete environment restic needs from Cairn (credentials, password, settings). */
  env: Record<string, string>;
  /** Files to write (mode included) before running, and remove afterwards. */
  files: SecretFile[];
  /** Secret values the command carries in env or files, for building a redactor. */
  secrets: string[];
}

export type Compression = 'auto' | 'off' | 'max' | 'fastest' | 'better';

/** Flags every restic command accepts. */
export interface CommonOptions {
  /** Machine-readable output; each builder has a default that suits its command. */
  json?: boolean;
  quiet?: boolean;
  /** Wait this long for a lock instead of failing at once (Go duration, e.g. `5m`). */
  retryLock?: string;
  /** Take no lock at all (read-only commands whose result may then be inconsistent). */
  noLock?: boolean;
  /** Use this cache directory. Mutually exclusive with `noCache`. */
  cacheDir?: string;
  noCache?: boolean;
  /** Remove old cache directories. */
  cleanupCache?: boolean;
  /** Extra `-o key=value` options; a key here overrides the same key from the target. */
  options?: Readonly<Record<string, string>>;
  /** Progress messages per second (RESTIC_PROGRESS_FPS), e.g. 1/60 for one status line a minute. */
  progressFps?: number;
  compression?: Compression;
  /** Upload and download limits in KiB/s (`--limit-upload`, `--limit-download`). */
  limitUpload?: number;
  limitDownload?: number;
  /** Target pack size in MiB (`--pack-size`). */
  packSize?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Validation

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const SNAPSHOT_ID = /^[0-9a-f]{8,64}$/;
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const OPTION_KEY = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/i;

function text(what: string, value: string): string {
  if (value === '') throw new ResticUsageError(`${what} must not be empty`);
  if (CONTROL_CHARS.test(value)) throw new ResticUsageError(`${what} must not contain control characters`);
  return value;
}

/** A snapshot ID or unambiguous prefix (8 to 64 lowercase hex digits), or `latest` where allowed. */
export function checkSnapshotId(value: string, options: { allowLatest: boolean }): string {
  if (options.allowLatest && value === 'latest') return value;
  if (!SNAPSHOT_ID.test(value)) {
    throw new ResticUsageError(
      `snapshot ID ${JSON.stringify(value)} must be 8 to 64 lowercase hex digits` +
        (options.allowLatest ? ' or "latest"' : ''),
    );
  }
  return value;
}

function checkKeyId(value: string): string {
  if (!SNAPSHOT_ID.test(value)) {
    throw new ResticUsageError(`key ID ${JSON.stringify(value)} must be 8 to 64 lowercase hex digits`);
  }
  return value;
}

function checkTag(value: string): string {
  text('tag', value);
  // restic splits `--tag a,b` into two tags, so a comma would silently change the meaning.
  if (value.includes(',')) throw new ResticUsageError(`tag ${JSON.stringify(value)} must not contain ","`);
  return value;
}

function checkDuration(what: string, value: string): string {
  if (!GO_DURATION.test(value)) {
    throw new ResticUsageError(
      `${what} ${JSON.stringify(value)} must be a Go duration such as 30s, 5m or 1h30m`,
    );
  }
  return value;
}

function checkOption(key: string, optionValue: string): void {
  if (!OPTION_KEY.test(key)) throw new ResticUsageError(`option name ${JSON.stringify(key)} is not valid`);
  text(`option ${key}`, optionValue);
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

// ---------------------------------------------------------------------------------------------------------
// Assembly

interface CommandParts {
  subcommand: string[];
  flags?: string[];
  positional?: string[];
  jsonByDefault: boolean;
  extraEnv?: Record<string, string>;
  extraFiles?: SecretFile[];
  extraSecrets?: string[];
  /** Replaces the target's own option args (used by copy, which merges two targets). */
  targetArgs?: string[];
}

function commonArgs(common: CommonOptions, jsonByDefault: boolean): string[] {
  const args: string[] = [];
  if (common.json ?? jsonByDefault) args.push('--json');
  if (common.quiet) args.push('--quiet');
  if (common.retryLock !== undefined) args.push('--retry-lock', checkDuration('retryLock', common.retryLock));
  if (common.noLock) args.push('--no-lock');
  if (common.cacheDir !== undefined && common.noCache) {
    throw new ResticUsageError('cacheDir and noCache cannot be combined');
  }
  if (common.cacheDir !== undefined) args.push('--cache-dir', text('cacheDir', common.cacheDir));
  if (common.noCache) args.push('--no-cache');
  if (common.cleanupCache) args.push('--cleanup-cache');
  if (common.compression !== undefined) args.push('--compression', common.compression);
  if (common.limitUpload !== undefined)
    args.push('--limit-upload', String(positiveInteger('limitUpload', common.limitUpload)));
  if (common.limitDownload !== undefined)
    args.push('--limit-download', String(positiveInteger('limitDownload', common.limitDownload)));
  if (common.packSize !== undefined)
    args.push('--pack-size', String(positiveInteger('packSize', common.packSize)));
  return args;
}

function checkOptions(options: Readonly<Record<string, string>> | undefined): void {
  for (const [key, optionValue] of Object.entries(options ?? {})) checkOption(key, optionValue);
}

function build(target: ResticTarget, parts: CommandParts, common: CommonOptions = {}): ResticCommand {
  checkOptions(common.options);
  const withOptions: ResticTarget = common.options
    ? { ...target, options: { ...target.options, ...common.options } }
    : target;
  const args = [
    ...parts.subcommand,
    '--repo',
    target.repository,
    ...(parts.targetArgs ?? targetOptionArgs(withOptions)),
    ...commonArgs(common, parts.jsonByDefault),
    ...(parts.flags ?? []),
  ];
  if (parts.positional && parts.positional.length > 0) args.push('--', ...parts.positional);

  const env: Record<string, string> = { ...target.env, ...parts.extraEnv };
  if (common.progressFps !== undefined) {
    if (!(Number.isFinite(common.progressFps) && common.progressFps > 0)) {
      throw new ResticUsageError(`progressFps must be a positive number, got ${common.progressFps}`);
    }
    env.RESTIC_PROGRESS_FPS = String(common.progressFps);
  }
  return {
    args,
    env,
    files: [...target.files, ...(parts.extraFiles ?? [])],
    secrets: unique([...target.secrets, ...(parts.extraSecrets ?? [])]),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Commands

export interface InitOptions {
  /** Repository format; restic's default (`stable`, i.e. 2) when unset. */
  repositoryVersion?: 1 | 2 | 'stable' | 'latest';
}

/** `restic init`: creates the repository; JSON output is one `initialized` message. */
export function initCommand(
  target: ResticTarget,
  options: InitOptions = {},
  common?: CommonOptions,
): ResticCommand {
  const flags: string[] = [];
  if (options.repositoryVersion !== undefined)
    flags.push('--repository-version', String(options.repositoryVersion));
  return build(target, { subcommand: ['init'], flags, jsonByDefault: true }, common);
}

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
  return build(target, { subcommand: ['backup'], flags, positional: paths, jsonByDefault: true }, common);
}

/** Filters shared by snapshots, forget, copy. */
export interface SnapshotFilter {
  host?: string;
  tags?: readonly string[];
  paths?: readonly string[];
}

function filterFlags(filter: SnapshotFilter): string[] {
  const flags: string[] = [];
  if (filter.host !== undefined) flags.push('--host', text('host', filter.host));
  // All tags in one --tag: a snapshot must carry every one (separate --tag flags would mean any of them).
  if (filter.tags && filter.tags.length > 0) flags.push('--tag', unique(filter.tags).map(checkTag).join(','));
  for (const path of filter.paths ?? []) flags.push('--path', text('path filter', path));
  return flags;
}

/** `host`, `paths` and `tags` in any combination, comma-separated; empty string disables grouping. */
function checkGroupBy(value: string): string {
  if (value === '') return value;
  for (const part of value.split(',')) {
    if (!['host', 'paths', 'tags'].includes(part)) {
      throw new ResticUsageError(`groupBy ${JSON.stringify(value)} may only combine host, paths and tags`);
    }
  }
  return value;
}

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
  return build(target, { subcommand: ['snapshots'], flags, positional, jsonByDefault: true }, common);
}

function positiveInteger(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ResticUsageError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
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
  return build(target, { subcommand: ['forget'], flags, positional, jsonByDefault: false }, common);
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
  return build(target, { subcommand: ['forget'], flags, jsonByDefault: true }, common);
}

export interface PruneOptions {
  /** Unused space to tolerate: a percentage (`5%`), a size (`100M`) or `unlimited`. */
  maxUnused?: string;
  dryRun?: boolean;
}

/** `restic prune`: removes data no snapshot references. Takes an exclusive lock. */
export function pruneCommand(
  target: ResticTarget,
  options: PruneOptions = {},
  common?: CommonOptions,
): ResticCommand {
  const flags: string[] = [];
  if (options.maxUnused !== undefined) {
    if (!/^(?:\d+(?:\.\d+)?%|\d+[KMGT]?|unlimited)$/i.test(options.maxUnused)) {
      throw new ResticUsageError(
        `maxUnused ${JSON.stringify(options.maxUnused)} must be a percentage, a size or "unlimited"`,
      );
    }
    flags.push('--max-unused', options.maxUnused);
  }
  if (options.dryRun) flags.push('--dry-run');
  return build(target, { subcommand: ['prune'], flags, jsonByDefault: false }, common);
}

export interface CheckOptions {
  /** Read this part of the pack files: `n/t` (the n-th of t groups), a percentage (`10%`) or a size (`500M`). */
  readDataSubset?: string;
  /** Read every pack file. Mutually exclusive with readDataSubset. */
  readData?: boolean;
}

/** `restic check`: structural check, optionally reading data. Takes an exclusive lock. */
export function checkCommand(
  target: ResticTarget,
  options: CheckOptions = {},
  common?: CommonOptions,
): ResticCommand {
  const flags: string[] = [];
  if (options.readData && options.readDataSubset !== undefined) {
    throw new ResticUsageError('readData and readDataSubset cannot be combined');
  }
  if (options.readData) flags.push('--read-data');
  if (options.readDataSubset !== undefined)
    flags.push('--read-data-subset', checkSubset(options.readDataSubset));
  return build(target, { subcommand: ['check'], flags, jsonByDefault: true }, common);
}

function checkSubset(subset: string): string {
  const group = /^(\d+)\/(\d+)$/.exec(subset);
  if (group) {
    const n = Number(group[1]);
    const t = Number(group[2]);
    if (n >= 1 && n <= t) return subset;
  } else {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(subset);
    if (percent) {
      const p = Number(percent[1]);
      if (p > 0 && p <= 100) return subset;
    } else if (/^[1-9]\d*[KMGT]?$/i.test(subset)) {
      return subset;
    }
  }
  throw new ResticUsageError(
    `readDataSubset ${JSON.stringify(subset)} must be n/t with 1 ≤ n ≤ t, a percentage in (0, 100], or a size`,
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
  return build(
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
  return build(target, { subcommand: ['dump'], flags, positional, jsonByDefault: false }, common);
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
  return build(target, { subcommand: ['stats'], flags, positional, jsonByDefault: true }, common);
}

export interface UnlockOptions {
  /** Remove every lock, including live ones. Only for an operator who knows nothing else is running. */
  removeAll?: boolean;
}

/** `restic unlock`: by default removes only stale locks, so a running backup is never disturbed. */
export function unlockCommand(
  target: ResticTarget,
  options: UnlockOptions = {},
  common?: CommonOptions,
): ResticCommand {
  const flags = options.removeAll ? ['--remove-all'] : [];
  return build(target, { subcommand: ['unlock'], flags, jsonByDefault: false }, common);
}

/** `restic key list`: one JSON array of keys. */
export function keyListCommand(target: ResticTarget, common?: CommonOptions): ResticCommand {
  return build(target, { subcommand: ['key', 'list'], jsonByDefault: true }, common);
}

export const NEW_PASSWORD_FILE = 'new-password';

export interface KeyAddOptions {
  /** The password of the new key; written to a file, never to argv. */
  newPassword: string;
  user?: string;
  host?: string;
}

/**
 * Why restic could not take `password` from a password file as given, or undefined. restic trims
 * whitespace (Go's unicode.IsSpace, which also counts U+0085) and a byte-order mark around a password it
 * reads from a file, so such a password would get a key for another string.
 */
export function passwordFileProblem(password: string): string | undefined {
  if (password === '') return 'is empty';
  if (/^[\s\u0085\uFEFF]|[\s\u0085]$/u.test(password)) {
    return 'starts or ends with whitespace, which restic would strip';
  }
  return undefined;
}

function newPasswordFile(target: ResticTarget, password: string): SecretFile {
  const problem = passwordFileProblem(password);
  if (problem) throw new ResticUsageError(`the new password ${problem}`);
  return { path: `${target.secretsDir}/${NEW_PASSWORD_FILE}`, contents: password, mode: SECRET_FILE_MODE };
}

/** `restic key add`: adds a key; the repository is opened with the target's password. */
export function keyAddCommand(
  target: ResticTarget,
  options: KeyAddOptions,
  common?: CommonOptions,
): ResticCommand {
  const file = newPasswordFile(target, options.newPassword);
  const flags = ['--new-password-file', file.path];
  if (options.user !== undefined) flags.push('--user', text('user', options.user));
  if (options.host !== undefined) flags.push('--host', text('host', options.host));
  return build(
    target,
    {
      subcommand: ['key', 'add'],
      flags,
      jsonByDefault: false,
      extraFiles: [file],
      extraSecrets: [options.newPassword],
    },
    common,
  );
}

/** `restic key passwd`: replaces the password of the key the target opens the repository with. */
export function keyPasswdCommand(
  target: ResticTarget,
  options: { newPassword: string },
  common?: CommonOptions,
): ResticCommand {
  const file = newPasswordFile(target, options.newPassword);
  return build(
    target,
    {
      subcommand: ['key', 'passwd'],
      flags: ['--new-password-file', file.path],
      jsonByDefault: false,
      extraFiles: [file],
      extraSecrets: [options.newPassword],
    },
    common,
  );
}

/** `restic key remove <id>`: restic refuses to remove the key in use. */
export function keyRemoveCommand(target: ResticTarget, keyId: string, common?: CommonOptions): ResticCommand {
  return build(
    target,
    { subcommand: ['key', 'remove'], positional: [checkKeyId(keyId)], jsonByDefault: false },
    common,
  );
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
  return build(
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

/** What `restic cat` prints: the repository config, or one lock file (both as JSON). */
export type CatObject = { type: 'config' } | { type: 'lock'; id: string };

/**
 * `restic cat config` (opens the repository: exit 10 when there is none, 12 for a wrong password) or
 * `restic cat lock <id>`. Prints indented JSON; `--json` is not needed.
 */
export function catCommand(target: ResticTarget, object: CatObject, common?: CommonOptions): ResticCommand {
  if (object.type === 'lock' && !SNAPSHOT_ID.test(object.id)) {
    throw new ResticUsageError(`lock ID ${JSON.stringify(object.id)} must be 8 to 64 lowercase hex digits`);
  }
  const positional = object.type === 'config' ? ['config'] : ['lock', object.id];
  // `cat` takes its type as the first positional argument, before any `--`.
  return build(target, { subcommand: ['cat', ...positional], jsonByDefault: false }, common);
}

/** `restic list locks`: one lock ID per line. restic takes no lock for this listing. */
export function listLocksCommand(target: ResticTarget, common?: CommonOptions): ResticCommand {
  return build(target, { subcommand: ['list', 'locks'], jsonByDefault: false }, common);
}

/** A shell-like rendering of a command for logs and messages. Safe to print: argv holds no secrets. */
export function describeCommand(command: Pick<ResticCommand, 'args'>): string {
  return ['restic', ...command.args].map(quote).join(' ');
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
