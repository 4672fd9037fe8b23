// restic as a library: one ResticRepository per component repository, one method per command, typed
// results (results.ts, read by parse-output.ts). Builds commands with the argv builders and runs them
// under Cairn's lock policy (lock-policy.ts).
//
// Errors are ResticErrors (kind, retryable, redacted stderr tail) or ResticUsageErrors (bad input).

import type { Writable } from 'node:stream';

import { isObject } from '../common/json.ts';
import { backupCommand, dumpCommand, restoreCommand } from './argv-data.ts';
import type { BackupOptions, DumpOptions, RestoreOptions } from './argv-data.ts';
import { keyAddCommand, keyListCommand, keyRemoveCommand } from './argv-keys.ts';
import { catCommand, checkCommand, initCommand, listLocksCommand, pruneCommand } from './argv-repository.ts';
import type { CheckOptions, InitOptions, PruneOptions } from './argv-repository.ts';
import {
  copyCommand,
  forgetIdsCommand,
  forgetPolicyCommand,
  snapshotsCommand,
  statsCommand,
} from './argv-snapshots.ts';
import type {
  CopyOptions,
  ForgetPolicyOptions,
  KeepPolicy,
  SnapshotsOptions,
  StatsOptions,
} from './argv-snapshots.ts';
import { ResticError, ResticUsageError, isResticError } from './errors.ts';
import { rotatePassword, type PasswordRotation } from './key-rotation.ts';
import { LockPolicyRunner, type CallOptions, type RepositoryOptions } from './lock-policy.ts';
import { parseLock, parseLockIds, planLockCleanup } from './locks.ts';
import type { LockCleanupPolicy, LockDeleter, ResticLock } from './locks.ts';
import * as parse from './parse-output.ts';
import type * as R from './results.ts';
import type { RunOptions } from './runner.ts';
import { createPrivateDir, type PrivateDir } from './secret-files.ts';
import { buildRepositoryTarget, type RepositoryTargetInput, type ResticTarget } from './target.ts';

export type { CallOptions, RepositoryOptions } from './lock-policy.ts';

/** One component repository. */
export class ResticRepository {
  readonly target: ResticTarget;
  readonly #options: RepositoryOptions;
  readonly #ownedDir: PrivateDir | undefined;
  readonly #runner: LockPolicyRunner;

  constructor(target: ResticTarget, options: RepositoryOptions = {}, ownedDir?: PrivateDir) {
    this.target = target;
    this.#options = options;
    this.#ownedDir = ownedDir;
    this.#runner = new LockPolicyRunner(target, options);
  }

  /**
   * Builds the target in a fresh private directory (mode 0700) for its secret files; `close()` removes it.
   */
  static async open(
    input: Omit<RepositoryTargetInput, 'secretsDir'>,
    options: RepositoryOptions & { secretsParent?: string } = {},
  ): Promise<ResticRepository> {
    const dir = await createPrivateDir(options.secretsParent);
    try {
      return new ResticRepository(buildRepositoryTarget({ ...input, secretsDir: dir.path }), options, dir);
    } catch (err) {
      await dir.remove();
      throw err;
    }
  }

  /** The repository URL (holds no secret). */
  get location(): string {
    return this.target.repository;
  }

  /** Removes the private directory this repository created, if any. */
  async close(): Promise<void> {
    await this.#ownedDir?.remove();
  }

  /** The same repository opened with another password (the old one stays redacted too). */
  withPassword(password: string): ResticRepository {
    if (password === '') throw new ResticUsageError('the password must not be empty');
    const target: ResticTarget = {
      ...this.target,
      env: { ...this.target.env, RESTIC_PASSWORD: password },
      secrets: [...new Set([...this.target.secrets, password])],
    };
    return new ResticRepository(target, this.#options);
  }

  // -------------------------------------------------------------------------------------------------------
  // Repository

  /**
   * Creates the repository unless it exists. An existing repository the password opens is success
   * (`created: false`); a wrong password is a terminal `wrong-password` error, never "exists". Safe to run
   * concurrently: a repository created by someone else in between is read back, not an error.
   */
  async init(options: InitOptions = {}, call: CallOptions = {}): Promise<R.InitResult> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await this.#configIfExists(call);
      if (existing) return { created: false, id: existing.id };
      let id = '';
      try {
        await this.#runner.run(initCommand(this.target, options, this.#runner.common('none')), call, {
          onEvent: (event) => {
            if (event.type === 'initialized') id = event.id;
          },
        });
        return { created: true, id };
      } catch (err) {
        if (!(isResticError(err, 'failure') && /config file already exists/.test(err.message))) throw err;
      }
    }
    throw new ResticError('restic init: the repository appeared and vanished again', {
      kind: 'failure',
      retryable: true,
      command: 'restic init',
      exitCode: 1,
      signal: null,
      stderrTail: '',
    });
  }

  /** The repository config; throws `repository-missing` or `wrong-password` as restic does. */
  async config(call: CallOptions = {}): Promise<R.RepositoryConfig> {
    // Without a lock: a stale exclusive lock must not make an existing repository look unreadable.
    const common = { ...this.#runner.common('none'), noLock: true };
    const result = await this.#runner.run(catCommand(this.target, { type: 'config' }, common), call, {
      output: 'collect',
    });
    return parse.parseConfig(result);
  }

  async #configIfExists(call: CallOptions): Promise<R.RepositoryConfig | undefined> {
    try {
      return await this.config(call);
    } catch (err) {
      if (isResticError(err, 'repository-missing')) return undefined;
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Data

  /**
   * Backs up `paths`; returns the summary (snapshot ID, files and bytes added). Exit 3 (some files could
   * not be read) is returned with `incomplete: true` and the errors: the snapshot exists.
   */
  async backup(options: BackupOptions, call: CallOptions = {}): Promise<R.BackupResult> {
    const result = await this.#runner.locked(
      'shared',
      (common) => backupCommand(this.target, options, common),
      call,
      { parseAs: 'backup', acceptExit: (exit) => exit.kind === 'incomplete' },
    );
    const summary = result.backupSummary;
    if (!summary) throw parse.outputInvalid(result, 'restic backup', 'restic printed no summary');
    const { type: _type, stream: _stream, ...rest } = summary;
    const out: R.BackupResult = {
      summary: rest,
      incomplete: result.exit.kind === 'incomplete',
      errors: result.errors.map(parse.errorReport),
    };
    if (summary.snapshotId !== undefined) out.snapshotId = summary.snapshotId;
    return out;
  }

  async snapshots(options: SnapshotsOptions = {}, call: CallOptions = {}): Promise<R.Snapshot[]> {
    const result = await this.#runner.locked(
      'shared',
      (common) => snapshotsCommand(this.target, options, common),
      call,
      { output: 'collect' },
    );
    return parse.parseJsonArray(result, 'restic snapshots').map(parse.toSnapshot);
  }

  async restore(options: RestoreOptions, call: CallOptions = {}): Promise<R.RestoreSummary> {
    const result = await this.#runner.locked(
      'shared',
      (common) => restoreCommand(this.target, options, common),
      call,
      { parseAs: 'restore' },
    );
    const summary = result.restoreSummary;
    if (!summary) throw parse.outputInvalid(result, 'restic restore', 'restic printed no summary');
    const { type: _type, stream: _stream, ...rest } = summary;
    return rest;
  }

  /** Streams one file (or a directory as an archive) of a snapshot into `destination` (not ended). */
  async dump(options: DumpOptions, destination: Writable, call: CallOptions = {}): Promise<void> {
    await this.#runner.locked('shared', (common) => dumpCommand(this.target, options, common), call, {
      output: destination,
    });
  }

  async stats(options: StatsOptions = {}, call: CallOptions = {}): Promise<R.RepositoryStats> {
    const result = await this.#runner.locked(
      'shared',
      (common) => statsCommand(this.target, options, common),
      call,
      { output: 'collect' },
    );
    return parse.parseStats(result);
  }

  /** Copies snapshots from `source` into this repository. */
  async copyFrom(source: ResticRepository, options: CopyOptions = {}, call: CallOptions = {}): Promise<void> {
    await this.#runner.locked(
      'shared',
      (common) => copyCommand(this.target, source.target, options, common),
      call,
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // Retention and maintenance

  /** Removes exactly these snapshots (and, with `prune`, the data only they referenced). */
  async forget(
    ids: readonly string[],
    options: { prune?: boolean } = {},
    call: CallOptions = {},
  ): Promise<void> {
    await this.#runner.locked(
      'exclusive',
      (common) => forgetIdsCommand(this.target, ids, options, common),
      call,
    );
  }

  /**
   * Applies keep rules per group and returns what was kept and removed. With `prune`, runs `prune`
   * afterwards as its own command (restic's `forget --prune` mixes text into the JSON).
   */
  async forgetByPolicy(
    policy: KeepPolicy,
    options: ForgetPolicyOptions & { pruneOptions?: PruneOptions } = {},
    call: CallOptions = {},
  ): Promise<R.ForgetGroup[]> {
    const { prune, pruneOptions, ...forgetOptions } = options;
    const result = await this.#runner.locked(
      'exclusive',
      (common) => forgetPolicyCommand(this.target, policy, forgetOptions, common),
      call,
      { output: 'collect' },
    );
    const value = result.stdout.trim() === '' ? [] : parse.parseJsonArray(result, 'restic forget');
    const groups = value.filter(isObject).map(parse.toForgetGroup);
    if (prune && !forgetOptions.dryRun) await this.prune(pruneOptions, call);
    return groups;
  }

  async prune(options: PruneOptions = {}, call: CallOptions = {}): Promise<void> {
    await this.#runner.locked('exclusive', (common) => pruneCommand(this.target, options, common), call);
  }

  /**
   * Checks the repository (optionally reading a subset of the data). Errors found in the repository are a
   * result (`ok: false`), not an exception; failing to run the check is an exception.
   */
  async check(options: CheckOptions = {}, call: CallOptions = {}): Promise<R.CheckResult> {
    // Per attempt: a first attempt refused by a lock may print a summary too.
    const perAttempt = (): Partial<RunOptions> => {
      let sawSummary = false;
      return {
        parseAs: 'check',
        onEvent: (event) => {
          if (event.type === 'check_summary') sawSummary = true;
        },
        acceptExit: (exit) => exit.code === 1 && sawSummary,
      };
    };
    const result = await this.#runner.locked(
      'exclusive',
      (common) => checkCommand(this.target, options, common),
      call,
      perAttempt,
    );
    const summary = result.checkSummary;
    if (!summary) throw parse.outputInvalid(result, 'restic check', 'restic printed no summary');
    return {
      ok: result.exit.success && summary.numErrors === 0,
      numErrors: summary.numErrors,
      brokenPacks: summary.brokenPacks,
      suggestRepairIndex: summary.suggestRepairIndex,
      suggestPrune: summary.suggestPrune,
      errors: result.errors.map((e) => e.message),
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // Locks

  /**
   * `restic unlock`: removes stale locks only (older than 30 minutes, or from this host with a dead PID);
   * `removeAll` removes every lock, live ones too: only for a person who knows nothing else runs.
   * Returns how many locks were removed.
   */
  async unlock(options: { removeAll?: boolean } = {}, call: CallOptions = {}): Promise<number> {
    return this.#runner.unlock(options, call);
  }

  /** Every lock file in the repository, read without taking a lock. */
  async listLocks(call: CallOptions = {}): Promise<ResticLock[]> {
    const common = this.#runner.common('none');
    const ids = parseLockIds(
      (await this.#runner.run(listLocksCommand(this.target, common), call, { output: 'collect' })).stdout,
    );
    const locks: ResticLock[] = [];
    for (const id of ids) {
      try {
        const result = await this.#runner.run(
          catCommand(this.target, { type: 'lock', id }, { ...common, noLock: true }),
          call,
          { output: 'collect' },
        );
        const lock = parseLock(id, result.stdout);
        if (lock) locks.push(lock);
      } catch (err) {
        // removed between listing and reading: its owner finished
        if (!isResticError(err, 'failure')) throw err;
      }
    }
    return locks;
  }

  /**
   * Removes locks whose process is known to be dead: older than the stale timeout, or from a host the
   * policy says is gone. Each goes through `deleter` (the backend deletes `locks/<id>`); live and unknown
   * locks stay. Returns every judgement and the removed IDs.
   */
  async cleanupLocks(
    policy: Omit<LockCleanupPolicy, 'now'> & { now?: Date },
    deleter: LockDeleter,
    call: CallOptions = {},
  ): Promise<R.CleanupResult> {
    const locks = await this.listLocks(call);
    const judgements = await planLockCleanup(locks, { ...policy, now: policy.now ?? new Date() });
    const removed: string[] = [];
    for (const judgement of judgements) {
      if (judgement.verdict === 'keep') continue;
      await deleter(judgement.lock.id);
      removed.push(judgement.lock.id);
    }
    return { judgements, removed };
  }

  // -------------------------------------------------------------------------------------------------------
  // Keys

  async keys(call: CallOptions = {}): Promise<R.KeyInfo[]> {
    const result = await this.#runner.locked(
      'shared',
      (common) => keyListCommand(this.target, common),
      call,
      {
        output: 'collect',
      },
    );
    return parse.parseKeys(result);
  }

  /** Adds a key for `newPassword`; returns its ID. */
  async addKey(
    newPassword: string,
    options: { user?: string; host?: string } = {},
    call: CallOptions = {},
  ): Promise<string> {
    const result = await this.#runner.locked(
      'shared',
      (common) => keyAddCommand(this.target, { ...options, newPassword }, { ...common, json: false }),
      call,
      { extraSecrets: [newPassword] },
    );
    return parse.parseAddedKeyId(result);
  }

  /** Removes a key (restic refuses to remove the key the command opened the repository with). */
  async removeKey(keyId: string, call: CallOptions = {}): Promise<void> {
    await this.#runner.locked('exclusive', (common) => keyRemoveCommand(this.target, keyId, common), call);
  }

  /**
   * Password rotation (key-rotation.ts): adds a key for the new password, proves the new password opens
   * the repository, then removes the key of the current password. If anything fails before the removal,
   * both passwords work; after it, only the new one.
   */
  rotatePassword(newPassword: string, call: CallOptions = {}): Promise<PasswordRotation> {
    return rotatePassword(this, newPassword, call);
  }
}
