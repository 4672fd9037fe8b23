// How a ResticRepository's commands run (repository.ts): the per-repository and per-call options, and
// Cairn's lock policy (facts in locks.ts). Every command that takes a lock waits for it (`--retry-lock`);
// an exclusive command is first tried without waiting and, when it finds a lock, stale locks are removed
// (`restic unlock`, never `--remove-all`) before it waits; a shared command that still finds the
// repository locked removes stale locks and tries once more.

import type { CommonOptions, ResticCommand } from './argv.ts';
import { unlockCommand, type UnlockOptions } from './argv-repository.ts';
import { isResticError } from './errors.ts';
import { parseUnlocked } from './parse-output.ts';
import { runRestic, type RunOptions, type ResticProcessOptions } from './runner.ts';
import type { RunResult, RunnerEvent } from './run-result.ts';
import type { ResticTarget } from './target.ts';

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

/** The lock a command takes: none (reads with `--no-lock`, unlock, init), shared or exclusive. */
export type LockMode = 'none' | 'shared' | 'exclusive';

/** Runs the commands of one target under the lock policy. */
export class LockPolicyRunner {
  readonly #target: ResticTarget;
  readonly #options: RepositoryOptions;

  constructor(target: ResticTarget, options: RepositoryOptions) {
    this.#target = target;
    this.#options = options;
  }

  /** The common flags of a command taking `lock`: the repository's defaults, and the lock wait. */
  common(lock: LockMode): CommonOptions {
    const common: CommonOptions = { ...this.#options.common };
    if (lock !== 'none') common.retryLock = this.#options.lockWait ?? DEFAULT_LOCK_WAIT;
    return common;
  }

  /** `restic unlock` (stale locks only unless `removeAll`); how many locks it removed. */
  async unlock(options: UnlockOptions, call: CallOptions): Promise<number> {
    return parseUnlocked(await this.run(unlockCommand(this.#target, options, this.common('none')), call));
  }

  /**
   * Runs the command `build` makes, under the lock policy for `lock`. `extra` may be a function, called
   * once per attempt, for options that carry state of one attempt.
   */
  async locked(
    lock: Exclude<LockMode, 'none'>,
    build: (common: CommonOptions) => ResticCommand,
    call: CallOptions,
    extra: Partial<RunOptions> | (() => Partial<RunOptions>) = {},
  ): Promise<RunResult> {
    const attempt = (command: ResticCommand): Promise<RunResult> =>
      this.run(command, call, typeof extra === 'function' ? extra() : extra);
    const command = build(this.common(lock));
    if (lock === 'exclusive' && (this.#options.unlockBeforeExclusive ?? true)) {
      // Optimistic first: without --retry-lock restic refuses at once (exit 11, before it changes anything)
      // when any lock is there. Only then is `unlock` worth its process start and key derivation, which
      // otherwise cost every check and prune about half a second (docs/restic.md).
      try {
        return await attempt(build({ ...this.common(lock), retryLock: undefined }));
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

  /** Runs one command as it is, with the repository's process options and every event listener. */
  run(command: ResticCommand, call: CallOptions, extra: Partial<RunOptions> = {}): Promise<RunResult> {
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
