// restic's repository locks, and how Cairn gets rid of the ones a killed process left behind.
//
// Facts (restic v0.19.1, `internal/restic/lock.go`, `internal/repository/lock.go`; measured in
// docs/restic.md):
// - backup, copy (target) and key add take a shared lock; check, forget, prune, key remove/passwd take an
//   exclusive one; snapshots, restore, dump, stats, cat, key list take a shared (read) lock.
// - Shared locks coexist; an exclusive lock conflicts with every other lock.
// - A running restic refreshes its lock every 5 minutes (a new lock file with a new time replaces the old).
// - Taking a lock NEVER skips a stale lock: a dead process's lock blocks forever, until `restic unlock`
//   removes it. `unlock` (without --remove-all) removes only locks it judges stale: older than 30 minutes,
//   or from this very hostname with a PID that no longer answers a signal (restic sends it SIGHUP).
// - The hostname in a lock is os.Hostname(); in Kubernetes that is the pod's name. A new pod never shares
//   it, so a killed backup pod's lock stays "live" for `unlock` until 30 minutes after its last refresh.
//
// So Cairn: waits for locks with `--retry-lock`, runs `unlock` (stale only) before exclusive commands, and
// offers `planLockCleanup`, which applies restic's two rules (age; this hostname with a PID that is gone:
// on a single host, such as the dev cluster's pod runner, every pod's restic writes the machine's
// hostname) and also judges a lock stale when its host is known to be gone (a pod that has ended, or one
// that was deleted; the caller decides with evidence from the API). Such locks are removed one by one through a LockDeleter (the
// storage backend deletes `locks/<id>`), never with `unlock --remove-all`, which would also break live
// locks taken in the meantime. This module never sees a backend: the caller hands in the deleter
// (src/storage/lock-files.ts makes one for a component repository).

import { hostname } from 'node:os';
import { isObject, num, str } from '../common/json.ts';
import { parseGoDuration } from './backend-retries.ts';

/** restic's StaleLockTimeout. */
export const STALE_LOCK_TIMEOUT_MS = 30 * 60_000;
/** restic's lock refresh interval: a live process's newest lock is never older than this (plus latency). */
export const LOCK_REFRESH_INTERVAL_MS = 5 * 60_000;

/** One lock file, as `restic cat lock <id>` prints it. */
export interface ResticLock {
  id: string;
  /** When the lock was created or last refreshed (RFC 3339). */
  time: string;
  exclusive: boolean;
  hostname: string;
  username: string;
  pid: number;
}

/** Reads `restic cat lock` output; undefined when it is not a lock. */
export function parseLock(id: string, text: string): ResticLock | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(value) || typeof value.time !== 'string') return undefined;
  return {
    id,
    time: value.time,
    exclusive: value.exclusive === true,
    hostname: str(value.hostname) ?? '',
    username: str(value.username) ?? '',
    pid: num(value.pid) ?? 0,
  };
}

/** Lock IDs from `restic list locks` (one per line). */
export function parseLockIds(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[0-9a-f]{64}$/.test(line));
}

/** The holder restic names when it cannot take a lock (exit 11). */
export interface LockHolder {
  exclusive: boolean;
  pid: number;
  hostname: string;
  username: string;
  /** The holder's lock age as restic printed it, in milliseconds (NaN when unreadable). */
  ageMs: number;
  /** The short storage ID of the lock file. */
  storageId: string;
}

/**
 * Reads restic's "repository is already locked [exclusively ]by PID <pid> on <host> by <user> ..." message;
 * undefined when the text has none.
 */
export function parseLockHolder(message: string): LockHolder | undefined {
  const match = /already locked (exclusively )?by PID (\d+) on (\S+) by (.+?) \(UID/.exec(message);
  if (!match) return undefined;
  const age = /lock was created at [^(]*\(([^)]+) ago\)/.exec(message);
  const storage = /storage ID ([0-9a-f]+)/.exec(message);
  return {
    exclusive: match[1] !== undefined,
    pid: Number(match[2]),
    hostname: match[3] ?? '',
    username: match[4] ?? '',
    ageMs: age?.[1] ? parseGoDuration(age[1]) : Number.NaN,
    storageId: storage?.[1] ?? '',
  };
}

/** Why a lock may go, or why it stays. */
export type LockVerdict =
  /** Older than the stale timeout: restic's own `unlock` would remove it too. */
  | 'stale-by-age'
  /** Written on this very hostname by a PID that no longer exists: restic's own `unlock` rule. */
  | 'process-gone'
  /** Its host (pod) is known to be gone, so its process is dead. */
  | 'host-gone'
  /** Its process may still run: leave it. */
  | 'keep';

export interface LockJudgement {
  lock: ResticLock;
  verdict: LockVerdict;
  ageMs: number;
}

export interface LockCleanupPolicy {
  now: Date;
  /**
   * Whether the process that wrote a lock on this hostname can no longer run: in Kubernetes, no Pod of
   * this name exists or it has terminated. Answer false when unsure. Unset: only age counts.
   */
  isHostGone?: (hostname: string, lock: ResticLock) => boolean | Promise<boolean>;
  /** Default: restic's 30 minutes. */
  staleAfterMs?: number;
  /** This machine's hostname, as restic writes it (default `os.hostname()`). */
  localHostname?: string;
  /** Whether no process of this PID exists on this machine (default `processGone`). */
  isProcessGone?: (pid: number) => boolean;
}

/**
 * Whether no process of `pid` exists here: signal 0 answers ESRCH. A process we may not signal (EPERM)
 * exists; a PID that is not a positive integer is never called gone (signal 0 to 0 or -n would address a
 * process group).
 */
export function processGone(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Judges each lock. Pure apart from `isHostGone` and the process check. A lock is removed only with
 * evidence its process is dead: its age; its hostname is this machine's and its PID no longer exists (the
 * check restic's `unlock` makes; a lock of another machine is never judged by a local PID); or its host
 * gone. A lock with an unreadable time is kept unless one of the other two rules applies.
 */
export async function planLockCleanup(
  locks: readonly ResticLock[],
  policy: LockCleanupPolicy,
): Promise<LockJudgement[]> {
  const staleAfter = policy.staleAfterMs ?? STALE_LOCK_TIMEOUT_MS;
  const localHost = policy.localHostname ?? hostname();
  const isProcessGone = policy.isProcessGone ?? processGone;
  const out: LockJudgement[] = [];
  for (const lock of locks) {
    const ageMs = policy.now.getTime() - Date.parse(lock.time);
    let verdict: LockVerdict = 'keep';
    if (Number.isFinite(ageMs) && ageMs > staleAfter) verdict = 'stale-by-age';
    else if (lock.hostname === '') verdict = 'keep';
    else if (lock.hostname === localHost) {
      // This machine is not gone: only its PID can tell.
      if (lock.pid > 0 && isProcessGone(lock.pid)) verdict = 'process-gone';
    } else if (policy.isHostGone && (await policy.isHostGone(lock.hostname, lock))) verdict = 'host-gone';
    out.push({ lock, verdict, ageMs });
  }
  return out;
}

/**
 * Deletes the lock file `locks/<id>` of one repository, and succeeds when it is already gone. The narrow
 * interface through which a cleanup removes a lock: whoever holds the storage backend provides it.
 */
export type LockDeleter = (lockId: string) => Promise<void>;
