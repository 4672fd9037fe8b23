// The launcher shared by the object-storage emulators (minio.ts, fake-gcs.ts, azurite.ts): the handle every
// emulator offers, the runner that owns one emulator process, and the port-retrying start.
//
// Every process is started through startProcess: it dies with the test process even after a SIGKILL. A port
// found free may be taken by another process before the emulator binds it; such a start is tried again on
// fresh ports and in a fresh directory (src/devcluster/ports.ts decides when).
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startProcess, tailFile, type ManagedProcess } from '../../src/devcluster/processes.ts';
import {
  defaultPortPicker,
  StartupError,
  withPortRetry,
  type PortPicker,
  pickPorts,
} from '../../src/devcluster/ports.ts';
import { probe, waitFor } from '../../src/devcluster/probe.ts';

/** Something that runs cleanup when it is done: a TestContext (the emulator lives for that test). */
export type CleanupOwner = Pick<TestContext, 'after'>;

export interface EmulatorOptions {
  /** Chooses the emulator's ports (default: any free port); a test hands out a held port through it. */
  pickPort?: PortPicker;
  /** Hears about each start lost to a port another process took. */
  onPortLost?: (message: string) => void;
}

const READY_TIMEOUT_MS = 60_000;

/** What every emulator handle offers. */
export interface Emulator {
  readonly name: string;
  /** The port the emulator listens on (127.0.0.1). */
  readonly port: number;
  /** The fresh directory holding the emulator's data and log; removed by dispose(). */
  readonly dir: string;
  /** Milliseconds from spawn to ready for the most recent start. */
  readonly startupMs: number;
  /** The last lines of the emulator's log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the process (data stays); idempotent. */
  stop(): Promise<void>;
  /** Stops the process and removes its directory (kept when CAIRN_TEST_KEEP is set). */
  dispose(): Promise<void>;
}

/** A generated credential: random, and obviously not a real one. */
export function generated(label: string, bytes = 12): string {
  return `cairn-test-${label}-${randomBytes(bytes).toString('hex')}`;
}

function keepDirs(): boolean {
  return Boolean(process.env.CAIRN_TEST_KEEP);
}

export interface Runner {
  readonly name: string;
  readonly dir: string;
  readonly logFile: string;
  readonly port: number;
  startupMs: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Owns one emulator process: (re)starts it with the same arguments, waits until `ready` says so (aborting
 * when the process exits), and stops it by its own process group.
 */
export function runner(opts: {
  name: string;
  dir: string;
  port: number;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  ready: () => Promise<boolean>;
}): Runner {
  const logFile = join(opts.dir, `${opts.name}.log`);
  let proc: ManagedProcess | undefined;
  const self: Runner = {
    name: opts.name,
    dir: opts.dir,
    logFile,
    port: opts.port,
    startupMs: 0,
    async start() {
      if (proc && !proc.hasExited()) return;
      const started = Date.now();
      const current = startProcess({
        name: opts.name,
        command: opts.command,
        args: opts.args,
        env: opts.env,
        cwd: opts.dir,
        logFile,
      });
      proc = current;
      try {
        await waitFor(async () => ((await opts.ready()) ? true : undefined), {
          what: `${opts.name} on 127.0.0.1:${opts.port}`,
          timeoutMs: READY_TIMEOUT_MS,
          intervalMs: 50,
          abortIf: () => (current.hasExited() ? `exited early; log:\n${tailFile(logFile, 30)}` : undefined),
        });
      } catch (err) {
        const exited = current.hasExited();
        await current.stop(2_000);
        const message = err instanceof Error ? err.message : String(err);
        throw new StartupError(opts.name, message, exited, tailFile(logFile, 30), { cause: err });
      }
      self.startupMs = Date.now() - started;
    },
    async stop() {
      const current = proc;
      proc = undefined;
      if (current && !current.hasExited()) await current.stop(5_000);
    },
    async dispose() {
      await self.stop();
      if (!keepDirs()) rmSync(opts.dir, { recursive: true, force: true });
    },
  };
  return self;
}

function handle(r: Runner): Emulator {
  return {
    name: r.name,
    port: r.port,
    dir: r.dir,
    get startupMs() {
      return r.startupMs;
    },
    logTail: (lines = 40) => tailFile(r.logFile, lines),
    stop: () => r.stop(),
    dispose: () => r.dispose(),
  };
}

export function emulator<T extends Emulator>(r: Runner, extra: Omit<T, keyof Emulator>): T {
  return Object.assign(handle(r), extra) as T;
}

/**
 * Picks the ports `roles` name, builds the emulator on them (`build` makes its directory and runner) and
 * starts it; a start that loses a port to another process is disposed of and built again on fresh ports.
 */
export async function launch<T extends Emulator>(
  roles: readonly string[],
  build: (ports: Record<string, number>) => { r: Runner; make: () => T },
  owner: CleanupOwner | undefined,
  o: EmulatorOptions = {},
): Promise<T> {
  const pick = o.pickPort ?? defaultPortPicker;
  return withPortRetry(
    async () => {
      const ports = await pickPorts(
        pick,
        roles.map((role) => ({ role })),
      );
      const { r, make } = build(ports);
      try {
        await r.start();
      } catch (err) {
        await r.dispose();
        throw err;
      }
      if (owner) owner.after(() => r.dispose());
      return make();
    },
    (err) => o.onPortLost?.(`${err.component} lost its port to another process; starting it on fresh ports`),
  );
}

export function portOf(ports: Record<string, number>, role: string): number {
  const port = ports[role];
  if (port === undefined) throw new Error(`no port picked for ${role}`);
  return port;
}

export function httpStatusIs(url: string, accept: (status: number) => boolean): () => Promise<boolean> {
  return async () => {
    const res = await probe(url, { timeoutMs: 1_000 });
    return res.status !== 0 && accept(res.status);
  };
}
