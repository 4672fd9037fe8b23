// restic commands as data: what a command is (ResticCommand), the flags every command accepts, and the one
// assembly every builder goes through. The builders, one file per command family: argv-data.ts (backup,
// restore, dump), argv-snapshots.ts (snapshots, forget, stats, copy), argv-repository.ts (init, check,
// prune, unlock, cat, list locks), argv-keys.ts (keys); their checks are in argv-checks.ts. Every builder is
// pure and returns the argv (without the restic binary itself), the environment, the files to write first,
// and the secret values involved (for the redactor). The runner (runner.ts) executes them.
//
// Guarantees of every builder:
// - no secret value is placed in `args`: secrets travel in `env` or in `files` only;
// - positional arguments follow `--`, so a path or ID can never be read as a flag;
// - malformed input (IDs, tags, durations, keep rules) is rejected with a ResticUsageError before anything
//   runs, instead of being passed on for restic to misread.

import { ResticUsageError } from './errors.ts';
import { checkDuration, checkOption, checkTag, positiveInteger, text, unique } from './argv-checks.ts';
import { targetOptionArgs, type ResticTarget, type SecretFile } from './target.ts';

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

/** What a builder contributes; `buildCommand` adds the repository, the target's options and common flags. */
export interface CommandParts {
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

export function checkOptions(options: Readonly<Record<string, string>> | undefined): void {
  for (const [key, optionValue] of Object.entries(options ?? {})) checkOption(key, optionValue);
}

/**
 * The command for `target`: subcommand, `--repo`, the target's `-o`/`--cacert`/`--insecure-tls` options
 * (with `common.options` overriding), common flags, the builder's flags, then `--` and the positional
 * arguments. The environment, files and secrets are the target's plus the builder's.
 */
export function buildCommand(
  target: ResticTarget,
  parts: CommandParts,
  common: CommonOptions = {},
): ResticCommand {
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

/** Filters shared by snapshots, forget, copy. */
export interface SnapshotFilter {
  host?: string;
  tags?: readonly string[];
  paths?: readonly string[];
}

/** The flags of a snapshot filter; shared by snapshots, forget and copy. */
export function filterFlags(filter: SnapshotFilter): string[] {
  const flags: string[] = [];
  if (filter.host !== undefined) flags.push('--host', text('host', filter.host));
  // All tags in one --tag: a snapshot must carry every one (separate --tag flags would mean any of them).
  if (filter.tags && filter.tags.length > 0) flags.push('--tag', unique(filter.tags).map(checkTag).join(','));
  for (const path of filter.paths ?? []) flags.push('--path', text('path filter', path));
  return flags;
}

/** A shell-like rendering of a command for logs and messages. Safe to print: argv holds no secrets. */
export function describeCommand(command: Pick<ResticCommand, 'args'>): string {
  return ['restic', ...command.args].map(quote).join(' ');
}

function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}
