// restic as a library: one ResticRepository per component repository, one method per command, typed
// results. Builds commands with argv.ts, runs them with runner.ts, and applies Cairn's lock policy
// (locks.ts): every command that takes a lock waits for it (`--retry-lock`); an exclusive command is first
// tried without waiting and, when it finds a lock, stale locks are removed (`restic unlock`, never
// `--remove-all`) before it waits; a shared command that still finds the repository locked removes stale
// locks and tries once more.
//
// Errors are ResticErrors (kind, retryable, redacted stderr tail) or ResticUsageErrors (bad input).

import type { Writable } from 'node:stream';

import {
  backupCommand,
  catCommand,
  checkCommand,
  copyCommand,
  dumpCommand,
  forgetIdsCommand,
  forgetPolicyCommand,
  initCommand,
  keyAddCommand,
  keyListCommand,
  keyRemoveCommand,
  listLocksCommand,
  pruneCommand,
  restoreCommand,
  snapshotsCommand,
  statsCommand,
  unlockCommand,
  type BackupOptions,
  type CheckOptions,
  type CommonOptions,
  type CopyOptions,
  type DumpOptions,
  type ForgetPolicyOptions,
  type InitOptions,
  type KeepPolicy,
  type PruneOptions,
  type ResticCommand,
  type RestoreOptions,
  type SnapshotsOptions,
  type StatsOptions,
} from './argv.ts';
import { ResticError, ResticUsageError, isResticError } from './errors.ts';
import type { BackupSummaryEvent, ErrorEvent, RestoreSummaryEvent } from './json-lines.ts';
import {
  parseLock,
  parseLockIds,
  planLockCleanup,
  type LockCleanupPolicy,
  type LockDeleter,
  type LockJudgement,
  type ResticLock,
} from './locks.ts';
import { buildRepositoryTarget, type RepositoryTargetInput, type ResticTarget } from './repository.ts';
import {
  createPrivateDir,
  runRestic,
  type PrivateDir,
  type ResticProcessOptions,
  type RunOptions,
  type RunResult,
  type RunnerEvent,
} from './runner.ts';

export interface RepositoryOptions {
  /** How restic is found and started (binary, cache, temp dir, extra env, outage limit, log). */
  process?: ResticProcessOptions;
  /** Defaults for every command (compression, `-o` options, progress rate). */
  common?: CommonOptions;
  /** How long a command waits for a lock held by someone else (`--retry-lock`). Default `2m`. */
  lockWait?: string;
  /**
   * When an exclusive command finds the repository locked, run `restic unlock` (stale locks only) and try
   * again, waiting `lockWait`. Default true. False: wait `lockWait` for whatever lock is there.
   */
  unlockBeforeExclusive?: boolean;
  /** Receives every event of every run (redacted). */
  onEvent?: (event: RunnerEvent) => void;
}

/** Per call. */
export interface CallOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  onEvent?: (event: RunnerEvent) => void;
  /** Called with the PID of each restic process the call starts. */
  onSpawn?: (pid: number) => void;
}

export const DEFAULT_LOCK_WAIT = '2m';

type LockMode = 'none' | 'shared' | 'exclusive';

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

export interface PasswordRotation {
  /** The same repository, opened with the new password. */
  repository: ResticRepository;
  addedKeyId: string;
  removedKeyId: string;
}

export interface CleanupResult {
  judgements: LockJudgement[];
  removed: string[];
}

/** One component repository. */
export class ResticRepository {
  readonly target: ResticTarget;
  readonly #options: RepositoryOptions;
  readonly #ownedDir: PrivateDir | undefined;

  constructor(target: ResticTarget, options: RepositoryOptions = {}, ownedDir?: PrivateDir) {
    this.target = target;
    this.#options = options;
    this.#ownedDir = ownedDir;
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
  async init(options: InitOptions = {}, call: CallOptions = {}): Promise<InitResult> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const existing = await this.#configIfExists(call);
      if (existing) return { created: false, id: existing.id };
      let id = '';
      try {
        await this.#run(initCommand(this.target, options, this.#common('none')), call, {
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
  async config(call: CallOptions = {}): Promise<RepositoryConfig> {
    // Without a lock: a stale exclusive lock must not make an existing repository look unreadable.
    const common = { ...this.#common('none'), noLock: true };
    const result = await this.#run(catCommand(this.target, { type: 'config' }, common), call, {
      output: 'collect',
    });
    return parseConfig(result);
  }

  async #configIfExists(call: CallOptions): Promise<RepositoryConfig | undefined> {
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
  async backup(options: BackupOptions, call: CallOptions = {}): Promise<BackupResult> {
    const result = await this.#locked(
      'shared',
      (common) => backupCommand(this.target, options, common),
      call,
      { parseAs: 'backup', acceptExit: (exit) => exit.kind === 'incomplete' },
    );
    const summary = result.backupSummary;
    if (!summary) throw outputInvalid(result, 'restic backup', 'restic printed no summary');
    const { type: _type, stream: _stream, ...rest } = summary;
    const out: BackupResult = {
      summary: rest,
      incomplete: result.exit.kind === 'incomplete',
      errors: result.errors.map(stripEvent),
    };
    if (summary.snapshotId !== undefined) out.snapshotId = summary.snapshotId;
    return out;
  }

  async snapshots(options: SnapshotsOptions = {}, call: CallOptions = {}): Promise<Snapshot[]> {
    const result = await this.#locked(
      'shared',
      (common) => snapshotsCommand(this.target, options, common),
      call,
      {
        output: 'collect',
      },
    );
    const value = parseJson(result, 'restic snapshots');
    if (!Array.isArray(value)) throw outputInvalid(result, 'restic snapshots', 'expected a JSON array');
    return value.map(toSnapshot);
  }

  async restore(options: RestoreOptions, call: CallOptions = {}): Promise<RestoreSummary> {
    const result = await this.#locked(
      'shared',
      (common) => restoreCommand(this.target, options, common),
      call,
      {
        parseAs: 'restore',
      },
    );
    const summary = result.restoreSummary;
    if (!summary) throw outputInvalid(result, 'restic restore', 'restic printed no summary');
    const { type: _type, stream: _stream, ...rest } = summary;
    return rest;
  }

  /** Streams one file (or a directory as an archive) of a snapshot into `destination` (not ended). */
  async dump(options: DumpOptions, destination: Writable, call: CallOptions = {}): Promise<void> {
    await this.#locked('shared', (common) => dumpCommand(this.target, options, common), call, {
      output: destination,
    });
  }

  async stats(options: StatsOptions = {}, call: CallOptions = {}): Promise<RepositoryStats> {
    const result = await this.#locked(
      'shared',
      (common) => statsCommand(this.target, options, common),
      call,
      {
        output: 'collect',
      },
    );
    const o = parseJson(result, 'restic stats');
    if (!isObject(o)) throw outputInvalid(result, 'restic stats', 'expected a JSON object');
    const stats: RepositoryStats = { totalSize: num(o.total_size), snapshotsCount: num(o.snapshots_count) };
    if (typeof o.total_file_count === 'number') stats.totalFileCount = o.total_file_count;
    if (typeof o.total_blob_count === 'number') stats.totalBlobCount = o.total_blob_count;
    if (typeof o.total_uncompressed_size === 'number')
      stats.totalUncompressedSize = o.total_uncompressed_size;
    if (typeof o.compression_ratio === 'number') stats.compressionRatio = o.compression_ratio;
    return stats;
  }

  /** Copies snapshots from `source` into this repository. */
  async copyFrom(source: ResticRepository, options: CopyOptions = {}, call: CallOptions = {}): Promise<void> {
    await this.#locked('shared', (common) => copyCommand(this.target, source.target, options, common), call);
  }

  // -------------------------------------------------------------------------------------------------------
  // Retention and maintenance

  /** Removes exactly these snapshots (and, with `prune`, the data only they referenced). */
  async forget(
    ids: readonly string[],
    options: { prune?: boolean } = {},
    call: CallOptions = {},
  ): Promise<void> {
    await this.#locked('exclusive', (common) => forgetIdsCommand(this.target, ids, options, common), call);
  }

  /**
   * Applies keep rules per group and returns what was kept and removed. With `prune`, runs `prune`
   * afterwards as its own command (restic's `forget --prune` mixes text into the JSON).
   */
  async forgetByPolicy(
    policy: KeepPolicy,
    options: ForgetPolicyOptions & { pruneOptions?: PruneOptions } = {},
    call: CallOptions = {},
  ): Promise<ForgetGroup[]> {
    const { prune, pruneOptions, ...forgetOptions } = options;
    const result = await this.#locked(
      'exclusive',
      (common) => forgetPolicyCommand(this.target, policy, forgetOptions, common),
      call,
      { output: 'collect' },
    );
    const value = result.stdout.trim() === '' ? [] : parseJson(result, 'restic forget');
    if (!Array.isArray(value)) throw outputInvalid(result, 'restic forget', 'expected a JSON array');
    const groups = value.filter(isObject).map(toForgetGroup);
    if (prune && !forgetOptions.dryRun) await this.prune(pruneOptions, call);
    return groups;
  }

  async prune(options: PruneOptions = {}, call: CallOptions = {}): Promise<void> {
    await this.#locked('exclusive', (common) => pruneCommand(this.target, options, common), call);
  }

  /**
   * Checks the repository (optionally reading a subset of the data). Errors found in the repository are a
   * result (`ok: false`), not an exception; failing to run the check is an exception.
   */
  async check(options: CheckOptions = {}, call: CallOptions = {}): Promise<CheckResult> {
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
    const result = await this.#locked(
      'exclusive',
      (common) => checkCommand(this.target, options, common),
      call,
      perAttempt,
    );
    const summary = result.checkSummary;
    if (!summary) throw outputInvalid(result, 'restic check', 'restic printed no summary');
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
    const result = await this.#run(unlockCommand(this.target, options, this.#common('none')), call);
    for (const line of result.textLines) {
      const match = /successfully removed (\d+) locks?/.exec(line);
      if (match) return Number(match[1]);
    }
    return 0;
  }

  /** Every lock file in the repository, read without taking a lock. */
  async listLocks(call: CallOptions = {}): Promise<ResticLock[]> {
    const common = this.#common('none');
    const ids = parseLockIds(
      (await this.#run(listLocksCommand(this.target, common), call, { output: 'collect' })).stdout,
    );
    const locks: ResticLock[] = [];
    for (const id of ids) {
      try {
        const result = await this.#run(
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
  ): Promise<CleanupResult> {
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

  async keys(call: CallOptions = {}): Promise<KeyInfo[]> {
    const result = await this.#locked('shared', (common) => keyListCommand(this.target, common), call, {
      output: 'collect',
    });
    const value = parseJson(result, 'restic key list');
    if (!Array.isArray(value)) throw outputInvalid(result, 'restic key list', 'expected a JSON array');
    return value.filter(isObject).map((o) => ({
      id: str(o.id),
      current: o.current === true,
      userName: str(o.userName),
      hostName: str(o.hostName),
      created: str(o.created),
    }));
  }

  /** Adds a key for `newPassword`; returns its ID. */
  async addKey(
    newPassword: string,
    options: { user?: string; host?: string } = {},
    call: CallOptions = {},
  ): Promise<string> {
    const result = await this.#locked(
      'shared',
      (common) => keyAddCommand(this.target, { ...options, newPassword }, { ...common, json: false }),
      call,
      { extraSecrets: [newPassword] },
    );
    for (const line of result.textLines) {
      const match = /saved new key with ID ([0-9a-f]{64})/.exec(line);
      if (match?.[1]) return match[1];
    }
    throw outputInvalid(result, 'restic key add', 'restic did not print the new key ID');
  }

  /** Removes a key (restic refuses to remove the key the command opened the repository with). */
  async removeKey(keyId: string, call: CallOptions = {}): Promise<void> {
    await this.#locked('exclusive', (common) => keyRemoveCommand(this.target, keyId, common), call);
  }

  /**
   * Password rotation: adds a key for the new password, proves the new password opens the repository,
   * then removes the key of the current password. If anything fails before the removal, both passwords
   * work; after it, only the new one.
   */
  async rotatePassword(newPassword: string, call: CallOptions = {}): Promise<PasswordRotation> {
    const before = await this.keys(call);
    const current = before.find((key) => key.current);
    if (!current) throw new ResticUsageError('restic did not mark the key in use; cannot rotate');
    const addedKeyId = await this.addKey(newPassword, {}, call);
    const next = this.withPassword(newPassword);
    const opened = (await next.keys(call)).find((key) => key.current);
    if (opened?.id !== addedKeyId) {
      throw new ResticError(
        `restic key add: the new password does not open the key just added (${addedKeyId}); the old ` +
          'password still works; remove that key (restic key remove) before trying again',
        {
          kind: 'failure',
          retryable: false,
          command: 'restic key list',
          exitCode: 0,
          signal: null,
          stderrTail: '',
        },
      );
    }
    await next.removeKey(current.id, call);
    return { repository: next, addedKeyId, removedKeyId: current.id };
  }

  // -------------------------------------------------------------------------------------------------------
  // Plumbing

  #common(lock: LockMode): CommonOptions {
    const common: CommonOptions = { ...this.#options.common };
    if (lock !== 'none') common.retryLock = this.#options.lockWait ?? DEFAULT_LOCK_WAIT;
    return common;
  }

  async #locked(
    lock: Exclude<LockMode, 'none'>,
    build: (common: CommonOptions) => ResticCommand,
    call: CallOptions,
    extra: Partial<RunOptions> | (() => Partial<RunOptions>) = {},
  ): Promise<RunResult> {
    const attempt = (command: ResticCommand): Promise<RunResult> =>
      this.#run(command, call, typeof extra === 'function' ? extra() : extra);
    const command = build(this.#common(lock));
    if (lock === 'exclusive' && (this.#options.unlockBeforeExclusive ?? true)) {
      // Optimistic first: without --retry-lock restic refuses at once (exit 11, before it changes anything)
      // when any lock is there. Only then is `unlock` worth its process start and key derivation, which
      // otherwise cost every check and prune about half a second (docs/restic.md).
      try {
        return await attempt(build({ ...this.#common(lock), retryLock: undefined }));
      } catch (err) {
        if (!isResticError(err, 'lock-failed')) throw err;
      }
      await this.unlock({}, call);
    }
    try {
      return await attempt(command);
    } catch (err) {
      // A shared lock is only refused by an exclusive one; if that is stale, clear it and try once more.
      if (lock !== 'shared' || !isResticError(err, 'lock-failed')) throw err;
      if ((await this.unlock({}, call)) === 0) throw err;
      return attempt(command);
    }
  }

  #run(command: ResticCommand, call: CallOptions, extra: Partial<RunOptions> = {}): Promise<RunResult> {
    const listeners = [this.#options.onEvent, call.onEvent, extra.onEvent].filter(
      (listener) => listener !== undefined,
    );
    const options: RunOptions = {
      ...this.#options.process,
      ...extra,
      extraSecrets: [...(this.#options.process?.extraSecrets ?? []), ...(extra.extraSecrets ?? [])],
      onEvent: (event) => {
        for (const listener of listeners) listener(event);
      },
    };
    if (call.signal !== undefined) options.signal = call.signal;
    if (call.timeoutMs !== undefined) options.timeoutMs = call.timeoutMs;
    if (call.onSpawn !== undefined) options.onSpawn = call.onSpawn;
    return runRestic(command, options);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Output parsing

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function stripEvent(event: ErrorEvent): ResticErrorReport {
  const { type: _type, stream: _stream, ...rest } = event;
  return rest;
}

function outputInvalid(result: RunResult, verb: string, why: string): ResticError {
  return new ResticError(`${verb}: ${why}`, {
    kind: 'output-invalid',
    retryable: false,
    command: verb,
    exitCode: result.exit.code,
    signal: result.exit.signal,
    stderrTail: result.stderrTail,
  });
}

function parseJson(result: RunResult, verb: string): unknown {
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw outputInvalid(result, verb, 'restic printed output that is not JSON');
  }
}

function parseConfig(result: RunResult): RepositoryConfig {
  const o = parseJson(result, 'restic cat config');
  if (!isObject(o) || typeof o.id !== 'string') {
    throw outputInvalid(result, 'restic cat config', 'expected the repository config');
  }
  return { version: num(o.version), id: o.id, chunkerPolynomial: str(o.chunker_polynomial) };
}

function toSnapshot(value: unknown): Snapshot {
  const o = isObject(value) ? value : {};
  const snapshot: Snapshot = {
    id: str(o.id),
    shortId: str(o.short_id),
    time: str(o.time),
    tree: str(o.tree),
    paths: strings(o.paths),
    hostname: str(o.hostname),
    username: str(o.username),
    tags: strings(o.tags),
  };
  if (typeof o.parent === 'string') snapshot.parent = o.parent;
  if (typeof o.program_version === 'string') snapshot.programVersion = o.program_version;
  if (isObject(o.summary)) {
    const s = o.summary;
    snapshot.summary = {
      filesNew: num(s.files_new),
      filesChanged: num(s.files_changed),
      filesUnmodified: num(s.files_unmodified),
      dataAdded: num(s.data_added),
      dataAddedPacked: num(s.data_added_packed),
      totalFilesProcessed: num(s.total_files_processed),
      totalBytesProcessed: num(s.total_bytes_processed),
    };
    if (typeof s.backup_start === 'string') snapshot.summary.backupStart = s.backup_start;
    if (typeof s.backup_end === 'string') snapshot.summary.backupEnd = s.backup_end;
  }
  return snapshot;
}

function toForgetGroup(o: Json): ForgetGroup {
  const ids = (value: unknown): string[] =>
    Array.isArray(value) ? value.filter(isObject).map((snapshot) => str(snapshot.id)) : [];
  return {
    host: str(o.host),
    paths: strings(o.paths),
    tags: strings(o.tags),
    keep: ids(o.keep),
    remove: ids(o.remove),
  };
}
