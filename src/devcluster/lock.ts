// The lock that gives one process a dev cluster's state directory. Two control planes on one etcd data
// directory would corrupt it, so a second `cairn up` is refused while the first lives; a lock left by a
// process that died (SIGKILL, a crash) is recognised as stale and taken over. A PID alone is not proof of
// life, since PIDs are reused: the lock also records the holder's start time, read back from /proc.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from './processes.ts';

/** The lock file in a state directory: the holder's PID, then its start time, one per line. */
export const LOCK_FILE = 'running.pid';

export interface LockHolder {
  pid: number;
  /** The holder's start time in clock ticks since boot (/proc/PID/stat field 22), when known. */
  startTime?: string;
}

/** The holder a lock file names; undefined when the text names none. */
export function parseLock(text: string): LockHolder | undefined {
  const [pidLine, startLine] = text.trim().split('\n');
  const pid = Number(pidLine?.trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const startTime = startLine?.trim();
  return startTime ? { pid, startTime } : { pid };
}

export function formatLock(holder: LockHolder): string {
  return `${holder.pid}\n${holder.startTime ?? ''}\n`;
}

/** The start time of a live process from /proc/PID/stat, or undefined (gone, or no /proc). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19];
  } catch {
    return undefined;
  }
}

export interface ProcessProbe {
  isAlive(pid: number): boolean;
  startTime(pid: number): string | undefined;
}

const hostProbe: ProcessProbe = { isAlive, startTime: processStartTime };

/**
 * True when the lock's holder still runs: its PID is alive and, when the lock recorded a start time,
 * the process with that PID started at that time (not a later process that got the same PID).
 */
export function holderAlive(holder: LockHolder, probe: ProcessProbe = hostProbe): boolean {
  if (!probe.isAlive(holder.pid)) return false;
  if (!holder.startTime) return true;
  const started = probe.startTime(holder.pid);
  return started === undefined || started === holder.startTime;
}

/** The live holder of the lock in `dir`, if any (a stale lock reads as none). */
export function lockHolder(dir: string, probe: ProcessProbe = hostProbe): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, LOCK_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const holder = parseLock(text);
  return holder && holderAlive(holder, probe) ? holder : undefined;
}

export class DirLockedError extends Error {
  readonly holder: LockHolder;
  constructor(dir: string, holder: LockHolder) {
    super(
      `a dev cluster already runs on ${dir} (pid ${holder.pid}); use it, or stop it with 'cairn down --dir ${dir}'`,
    );
    this.name = 'DirLockedError';
    this.holder = holder;
  }
}

export interface DirLock {
  /** Removes the lock file if it is still this process's. */
  release(): void;
}

/**
 * Takes the lock of `dir` for this process, created exclusively so that two starts cannot both win.
 * Throws DirLockedError when a live process holds it; replaces a stale one (telling `onStale`).
 */
export function acquireDirLock(dir: string, onStale?: (stale: LockHolder) => void): DirLock {
  const file = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, startTime: processStartTime(process.pid) };
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, formatLock(me), { flag: 'wx', mode: 0o600 });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // removed meanwhile: try again
    }
    const holder = parseLock(text);
    if (holder && holder.pid !== process.pid && holderAlive(holder)) throw new DirLockedError(dir, holder);
    if (holder && holder.pid !== process.pid) onStale?.(holder);
    rmSync(file, { force: true });
  }
  return {
    release() {
      try {
        const holder = parseLock(readFileSync(file, 'utf8'));
        if (holder?.pid === me.pid) rmSync(file, { force: true });
      } catch {
        // already gone
      }
    },
  };
}
