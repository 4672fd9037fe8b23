// Builders of the commands that act on a repository as a whole: init, check, prune, unlock, and the two
// reads of its files (`cat config`, `cat lock`, `list locks`). Pure; see argv.ts for what every builder
// guarantees.

import { ResticUsageError } from './errors.ts';
import { checkLockId, checkSubset } from './argv-checks.ts';
import { buildCommand, type CommonOptions, type ResticCommand } from './argv.ts';
import type { ResticTarget } from './target.ts';

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
  return buildCommand(target, { subcommand: ['init'], flags, jsonByDefault: true }, common);
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
  return buildCommand(target, { subcommand: ['prune'], flags, jsonByDefault: false }, common);
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
  return buildCommand(target, { subcommand: ['check'], flags, jsonByDefault: true }, common);
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
  return buildCommand(target, { subcommand: ['unlock'], flags, jsonByDefault: false }, common);
}

/** What `restic cat` prints: the repository config, or one lock file (both as JSON). */
export type CatObject = { type: 'config' } | { type: 'lock'; id: string };

/**
 * `restic cat config` (opens the repository: exit 10 when there is none, 12 for a wrong password) or
 * `restic cat lock <id>`. Prints indented JSON; `--json` is not needed.
 */
export function catCommand(target: ResticTarget, object: CatObject, common?: CommonOptions): ResticCommand {
  const positional = object.type === 'config' ? ['config'] : ['lock', checkLockId(object.id)];
  // `cat` takes its type as the first positional argument, before any `--`.
  return buildCommand(target, { subcommand: ['cat', ...positional], jsonByDefault: false }, common);
}

/** `restic list locks`: one lock ID per line. restic takes no lock for this listing. */
export function listLocksCommand(target: ResticTarget, common?: CommonOptions): ResticCommand {
  return buildCommand(target, { subcommand: ['list', 'locks'], jsonByDefault: false }, common);
}
