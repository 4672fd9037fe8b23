import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process that cannot outlive its parent and can be stopped with its whole process group. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Where this process's output begins in logFile (earlier runs' output comes before it). */
  readonly logOffset: number;
  /** Settles when the process has exited, however it ended. */
  readonly exited: Promise<Exit>;
  readonly hasExited: () => boolean;
  /** SIGTERM to the process group, then SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs?: number): Promise<Exit>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Starts a process in its own process group with its output appended to logFile. The process gets
 * SIGKILL when this Node process dies for any reason (PR_SET_PDEATHSIG through util-linux's setpriv),
 * so no component is left behind even after a SIGKILL of the parent.
 */
export function startProcess(opts: StartOptions): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  const logOffset = fstatSync(fd).size;
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', '--', opts.command, ...opts.args], {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: true,
  });
  closeSync(fd);
  let done = false;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once('error', () => {
      done = true;
      resolve({ code: 127, signal: null });
    });
  });
  const pid = child.pid ?? -1;
  const signalGroup = (sig: NodeJS.Signals): void => {
    if (done || pid <= 0) return;
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is already gone
    }
  };
  return {
    name: opts.name,
    pid,
    logFile: opts.logFile,
    logOffset,
    exited,
    hasExited: () => done,
    async stop(graceMs = 10_000) {
      signalGroup('SIGTERM');
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * The last lines of a log file, for error messages that point at the cause; with `fromByte`, only of what
 * was written from there on (one run's output in a log that several runs append to).
 */
export function tailFile(path: string, lines = 40, fromByte = 0): string {
  if (!existsSync(path)) return `(no log at ${path})`;
  const text = readFileSync(path).subarray(fromByte).toString('utf8').trimEnd().split('\n');
  return text.slice(-lines).join('\n');
}

/** True when a process with this PID exists (and we may signal it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
