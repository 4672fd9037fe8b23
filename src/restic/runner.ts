// Runs one restic command (built by argv.ts) as a child process. What it guarantees:
//
// - Secrets reach restic only through the environment and private files. The command's files are written
//   before the start (directory 0700, files 0600, created without following links) and removed when the
//   process has ended, however it ended.
// - restic gets a minimal environment: PATH, HOME, TMPDIR, RESTIC_CACHE_DIR when given, the ambient
//   workload-identity variables listed in AMBIENT_ENV_KEYS, the command's env and the caller's extra env.
//   Never the parent's whole environment, so no stray credential of the parent leaks into a repository.
// - Every text that leaves the runner (events, errors, the stderr tail, collected output, log fields)
//   has passed through ONE redactor built from the command's secrets and the caller's extra secrets.
// - The run ends one way or another: cancellation (AbortSignal) and the time limit send SIGINT to restic
//   (restic removes its lock on SIGINT), then SIGKILL after a grace period. restic stays in the caller's
//   process group, so a Ctrl-C in a terminal reaches it too and a CLI never leaves a backup running.
// - A backend that keeps failing is noticed early: restic retries for 15 minutes; the runner stops it once
//   the retries have lasted `backendOutageMs`, at once when the backend rejects the credentials, and at once
//   when the bucket does not exist or the request is invalid as configured (a bad bucket name).
// - Every failure is a ResticError with a kind, `retryable`, and the redacted stderr tail.

import { spawn } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';

import type { ResticCommand } from './argv.ts';
import { describeCommand } from './argv.ts';
import { classifyBackendCause, parseBackendRecovery, parseBackendRetry } from './backend-retries.ts';
import { ResticError, ResticUsageError, type ResticErrorKind } from './errors.ts';
import { classifyExit, type ResticExit } from './exit-codes.ts';
import {
  ResticOutputParser,
  type ErrorEvent,
  type ResticEvent,
  type ResticOutputCommand,
  type ResticStream,
} from './json-lines.ts';
import { createRedactor, type Redactor } from '../common/redact.ts';
import type { SecretFile } from './repository.ts';

/** restic is retrying a backend request (parsed from its plain-text stderr line). */
export interface BackendRetryEvent {
  type: 'backend_retry';
  stream: ResticStream;
  operation: string;
  retryInMs: number;
  message: string;
}

/** A retried backend request finally succeeded. */
export interface BackendRecoveredEvent {
  type: 'backend_recovered';
  stream: ResticStream;
  operation: string;
  retries: number;
}

/** What `onEvent` receives: restic's own messages, typed, plus the runner's backend retry notices. */
export type RunnerEvent = ResticEvent | BackendRetryEvent | BackendRecoveredEvent;

/** Constant message plus fields from a fixed vocabulary; every string field is already redacted. */
export type RunLog = (message: string, fields: Record<string, string | number | boolean>) => void;

/** How the runner finds and starts restic; shared by every command of a repository. */
export interface ResticProcessOptions {
  /** The restic binary; `restic` (looked up on PATH) when unset. */
  binary?: string;
  /** RESTIC_CACHE_DIR. Without it restic uses `$HOME/.cache/restic`. */
  cacheDir?: string;
  /** TMPDIR for restic's temporary pack files; the process's own temporary directory when unset. */
  tmpDir?: string;
  /** HOME for restic; the parent's HOME when unset. */
  home?: string;
  /** Extra non-secret variables (an emulator endpoint, RESTIC_FEATURES). */
  env?: Readonly<Record<string, string>>;
  /** More values to redact, besides the command's own secrets. */
  extraSecrets?: readonly string[];
  /** SIGINT first, SIGKILL this much later. Default 10 s. */
  graceMs?: number;
  /** Stop when restic has retried backend requests without any success for this long. Default 2 min. */
  backendOutageMs?: number;
  log?: RunLog;
}

/** Per run. */
export interface RunOptions extends ResticProcessOptions {
  signal?: AbortSignal;
  /** Stop the run after this long (kind `timeout`, retryable). */
  timeoutMs?: number;
  /**
   * What to do with stdout: parse JSON lines into events (default), collect it as one string (commands
   * that print a JSON document: snapshots, stats, cat), or stream the bytes into a Writable (dump).
   */
  output?: 'events' | 'collect' | Writable;
  /** Which command's JSON the parser should expect; `auto` tells them apart by their fields. */
  parseAs?: ResticOutputCommand;
  onEvent?: (event: RunnerEvent) => void;
  /** Called once restic runs, with its PID. */
  onSpawn?: (pid: number) => void;
  /** Exits to return as a result instead of throwing (init reads 10 as "no repository yet"). */
  acceptExit?: (exit: ResticExit) => boolean;
  /** Limit on collected stdout. Default 256 MiB. */
  maxCollectBytes?: number;
}

export interface RunResult {
  exit: ResticExit;
  /** Collected stdout (output `collect`), redacted; '' otherwise. */
  stdout: string;
  /** The last typed event of each kind that matters to callers. */
  backupSummary?: Extract<ResticEvent, { type: 'summary' }>;
  restoreSummary?: Extract<ResticEvent, { type: 'restore_summary' }>;
  checkSummary?: Extract<ResticEvent, { type: 'check_summary' }>;
  /** restic's fatal message (`exit_error`), redacted. */
  exitError?: string;
  /** Non-fatal errors restic reported (at most 100), redacted. */
  errors: ErrorEvent[];
  /** Plain-text lines of stdout (events mode), redacted; at most 200. */
  textLines: string[];
  stderrTail: string;
  durationMs: number;
}

/**
 * Environment variables passed through from the parent when set: the workload identities restic falls
 * back to without keys (IRSA, EKS Pod Identity, Azure workload identity), proxies and the time zone.
 * Deliberately absent: every static credential variable (AWS_ACCESS_KEY_ID, RESTIC_PASSWORD, ...); those
 * come from the command, built from the Secrets, or not at all.
 */
export const AMBIENT_ENV_KEYS: readonly string[] = [
  'AWS_ROLE_ARN',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_ROLE_SESSION_NAME',
  'AWS_REGION',
  'AWS_STS_REGIONAL_ENDPOINTS',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
  'AZURE_CLIENT_ID',
  'AZURE_TENANT_ID',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'TZ',
];

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
export const DEFAULT_GRACE_MS = 10_000;
export const DEFAULT_BACKEND_OUTAGE_MS = 120_000;
const DEFAULT_MAX_COLLECT_BYTES = 256 * 1024 * 1024;
const STDERR_TAIL_LINES = 20;
const MAX_TAIL_LINE = 2000;
const MAX_ERRORS = 100;
const MAX_TEXT_LINES = 200;

/**
 * The complete environment of a restic process. Pure; exported for tests and for printing what a run
 * would get (values of secret keys must still be redacted by whoever prints it).
 */
export function resticEnvironment(
  command: Pick<ResticCommand, 'env'>,
  options: Pick<ResticProcessOptions, 'cacheDir' | 'tmpDir' | 'home' | 'env'>,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = { PATH: parent.PATH || DEFAULT_PATH };
  const home = options.home ?? parent.HOME;
  if (home) env.HOME = home;
  env.TMPDIR = options.tmpDir ?? tmpdir();
  if (options.cacheDir !== undefined) env.RESTIC_CACHE_DIR = options.cacheDir;
  for (const key of AMBIENT_ENV_KEYS) {
    const value = parent[key];
    if (value !== undefined && value !== '') env[key] = value;
  }
  return { ...env, ...options.env, ...command.env };
}

/** Runs the command; resolves with the result, or rejects with a ResticError (or ResticUsageError). */
export async function runRestic(command: ResticCommand, options: RunOptions = {}): Promise<RunResult> {
  const redactor = createRedactor([...command.secrets, ...(options.extraSecrets ?? [])]);
  const described = redactor.redact(describeCommand(command));
  const fail = (kind: ResticErrorKind, retryable: boolean, message: string, tail = ''): ResticError =>
    new ResticError(redactor.redact(message), {
      kind,
      retryable,
      command: described,
      exitCode: null,
      signal: null,
      stderrTail: tail,
    });
  if (options.signal?.aborted)
    throw fail('cancelled', false, `${subcommandOf(command)}: cancelled before start`);

  const files = await writeSecretFiles(command.files);
  try {
    return await execute(command, options, redactor, described);
  } finally {
    await files.remove();
  }
}

function subcommandOf(command: ResticCommand): string {
  const words: string[] = [];
  for (const arg of command.args) {
    if (arg.startsWith('-')) break;
    words.push(arg);
  }
  return `restic ${words.slice(0, 2).join(' ')}`;
}

type StopReason =
  'cancelled' | 'timeout' | 'backend-unavailable' | 'backend-auth' | 'backend-invalid' | 'repository-missing';

function execute(
  command: ResticCommand,
  options: RunOptions,
  redactor: Redactor,
  described: string,
): Promise<RunResult> {
  const started = Date.now();
  const verb = subcommandOf(command);
  const output = options.output ?? 'events';
  const parser = new ResticOutputParser({ command: options.parseAs ?? 'auto' });
  const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
  const outageMs = options.backendOutageMs ?? DEFAULT_BACKEND_OUTAGE_MS;
  const maxCollect = options.maxCollectBytes ?? DEFAULT_MAX_COLLECT_BYTES;
  const log = options.log;

  const result: RunResult = {
    exit: classifyExit(0),
    stdout: '',
    errors: [],
    textLines: [],
    stderrTail: '',
    durationMs: 0,
  };
  const tail: string[] = [];
  const collected: Buffer[] = [];
  let collectedBytes = 0;
  let stopReason: StopReason | undefined;
  let stopDetail = '';
  let outageTimer: NodeJS.Timeout | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let timeoutTimer: NodeJS.Timeout | undefined;
  let outputError: Error | undefined;

  const binary = options.binary ?? 'restic';
  log?.('restic started', { command: described });
  const child = spawn(binary, command.args, {
    env: resticEnvironment(command, options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const sendSignal = (sig: NodeJS.Signals): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(sig);
  };
  const stop = (reason: StopReason, detail: string): void => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    stopDetail = detail;
    log?.('restic stopping', { command: described, reason });
    sendSignal('SIGINT');
    killTimer = setTimeout(() => sendSignal('SIGKILL'), graceMs);
  };

  const emit = (event: RunnerEvent): void => {
    const clean = redactDeep(event, redactor);
    switch (clean.type) {
      case 'summary':
        result.backupSummary = clean;
        break;
      case 'restore_summary':
        result.restoreSummary = clean;
        break;
      case 'check_summary':
        result.checkSummary = clean;
        break;
      case 'exit_error':
        result.exitError = clean.message;
        pushTail(tail, clean.message);
        break;
      case 'error':
        if (result.errors.length < MAX_ERRORS) result.errors.push(clean);
        if (clean.stream === 'stderr')
          pushTail(tail, clean.item ? `${clean.item}: ${clean.message}` : clean.message);
        break;
      case 'text':
        if (clean.stream === 'stderr') pushTail(tail, clean.line);
        else if (result.textLines.length < MAX_TEXT_LINES) result.textLines.push(clean.line);
        break;
      case 'backend_retry':
        pushTail(tail, clean.message);
        break;
      default:
        break;
    }
    if (options.onEvent) {
      try {
        options.onEvent(clean);
      } catch {
        // a listener's failure must not break the run
      }
    }
  };

  const watchBackend = (event: ResticEvent): void => {
    if (event.type !== 'text' || event.stream !== 'stderr') return;
    const retry = parseBackendRetry(event.line);
    if (retry) {
      emit({
        type: 'backend_retry',
        stream: 'stderr',
        operation: retry.operation,
        retryInMs: retry.retryInMs,
        message: event.line,
      });
      const cause = classifyBackendCause(retry.cause);
      if (cause === 'auth') stop('backend-auth', retry.cause);
      else if (cause === 'bucket-missing') stop('repository-missing', retry.cause);
      else if (cause === 'invalid') stop('backend-invalid', retry.cause);
      else if (outageTimer === undefined) {
        outageTimer = setTimeout(
          () =>
            stop('backend-unavailable', `backend requests kept failing for ${outageMs} ms: ${retry.cause}`),
          outageMs,
        );
      }
      return;
    }
    const recovery = parseBackendRecovery(event.line);
    if (recovery) {
      clearTimeout(outageTimer);
      outageTimer = undefined;
      emit({ type: 'backend_recovered', stream: 'stderr', ...recovery });
      return;
    }
    emit(event);
  };

  const consume = (events: ResticEvent[]): void => {
    for (const event of events) {
      if (event.type === 'text' && event.stream === 'stderr') watchBackend(event);
      else emit(event);
    }
  };

  if (output === 'events') {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => consume(parser.push(chunk, 'stdout')));
  } else if (output === 'collect') {
    child.stdout.on('data', (chunk: Buffer) => {
      collectedBytes += chunk.length;
      if (collectedBytes > maxCollect) {
        outputError = new Error(`output exceeded ${maxCollect} bytes`);
        stop('cancelled', 'output too large');
        return;
      }
      collected.push(chunk);
    });
  } else {
    child.stdout.pipe(output, { end: false });
    output.once('error', (err) => {
      outputError = err;
      stop('cancelled', 'the output stream failed');
    });
  }
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => consume(parser.push(chunk, 'stderr')));

  const onAbort = (): void => stop('cancelled', 'cancelled');
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.timeoutMs !== undefined) {
    timeoutTimer = setTimeout(
      () => stop('timeout', `timed out after ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
  }

  return new Promise<RunResult>((resolve, reject) => {
    let spawnError: Error | undefined;
    child.once('error', (err) => {
      spawnError = err;
    });
    child.once('close', (code, signal) => {
      clearTimeout(outageTimer);
      clearTimeout(killTimer);
      clearTimeout(timeoutTimer);
      options.signal?.removeEventListener('abort', onAbort);
      consume(parser.end());
      if (output !== 'events' && output !== 'collect') child.stdout.unpipe(output);
      result.durationMs = Date.now() - started;
      result.stderrTail = tail.join('\n');
      result.stdout = output === 'collect' ? redactor.redact(Buffer.concat(collected).toString('utf8')) : '';
      const make = (kind: ResticErrorKind, retryable: boolean, message: string): ResticError =>
        new ResticError(
          redactor.redact(message),
          { kind, retryable, command: described, exitCode: code, signal, stderrTail: result.stderrTail },
          outputError ? { cause: redactor.redactError(outputError) } : undefined,
        );

      if (spawnError) {
        const missing = (spawnError as NodeJS.ErrnoException).code === 'ENOENT';
        log?.('restic finished', { command: described, kind: 'spawn-failed', durationMs: result.durationMs });
        reject(
          make(
            'spawn-failed',
            false,
            missing
              ? `${verb}: the restic binary ${JSON.stringify(binary)} was not found`
              : `${verb}: restic could not be started: ${spawnError.message}`,
          ),
        );
        return;
      }
      const exit = classifyExit(code, signal);
      result.exit = exit;
      log?.('restic finished', {
        command: described,
        kind: stopReason ?? exit.kind,
        durationMs: result.durationMs,
      });
      if (outputError) {
        reject(make('output-invalid', false, `${verb}: ${outputError.message}`));
        return;
      }
      if (exit.success) {
        resolve(result);
        return;
      }
      if (stopReason !== undefined) {
        const { kind, retryable, text } = STOPPED[stopReason];
        reject(make(kind, retryable, `${verb}: ${text}: ${stopDetail}`));
        return;
      }
      if (options.acceptExit?.(exit)) {
        resolve(result);
        return;
      }
      const detail = result.exitError ?? tail.at(-1);
      reject(
        make(
          exit.kind as ResticErrorKind,
          exit.retryable,
          `${verb}: ${exit.description} (${code !== null ? `exit ${code}` : `signal ${signal ?? '?'}`})${detail ? `: ${detail}` : ''}`,
        ),
      );
    });
  });
}

const STOPPED: Readonly<Record<StopReason, { kind: ResticErrorKind; retryable: boolean; text: string }>> = {
  cancelled: { kind: 'cancelled', retryable: false, text: 'stopped' },
  timeout: { kind: 'timeout', retryable: true, text: 'stopped' },
  'backend-unavailable': { kind: 'backend-unavailable', retryable: true, text: 'the backend is unavailable' },
  'backend-auth': { kind: 'backend-auth', retryable: false, text: 'the backend rejected the credentials' },
  'backend-invalid': {
    kind: 'failure',
    retryable: false,
    text: 'the backend refuses the request as configured',
  },
  'repository-missing': {
    kind: 'repository-missing',
    retryable: false,
    text: 'the bucket or container does not exist',
  },
};

function pushTail(tail: string[], raw: string): void {
  // restic starts some lines with a carriage return that clears a terminal line.
  const line = raw.replace(/^\r+/, '');
  tail.push(line.length > MAX_TAIL_LINE ? `${line.slice(0, MAX_TAIL_LINE)}…` : line);
  if (tail.length > STDERR_TAIL_LINES) tail.shift();
}

/** A copy of `value` with every string (at any depth) redacted. */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  if (typeof value === 'string') return redactor.redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, redactor)) as T;
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item, redactor);
    return out as T;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------------------
// Secret files

interface WrittenFiles {
  remove(): Promise<void>;
}

/**
 * Files in use by runs of this process, by path. Two concurrent runs on one target share its files: the
 * last one to finish removes them. Different contents at one path in parallel are refused.
 */
const inUse = new Map<string, { contents: string; users: number; ready: Promise<void> }>();

async function writeSecretFiles(files: readonly SecretFile[]): Promise<WrittenFiles> {
  const createdDirs: string[] = [];
  const held: string[] = [];
  const release = async (): Promise<void> => {
    for (const path of held.reverse()) {
      const entry = inUse.get(path);
      if (entry && entry.users > 1) {
        entry.users -= 1;
        continue;
      }
      inUse.delete(path);
      await rm(path, { force: true });
    }
    for (const dir of createdDirs.reverse()) {
      await rmdir(dir).catch(() => undefined);
    }
  };
  try {
    for (const file of files) {
      if (!file.path.startsWith('/')) throw new ResticUsageError('secret file paths must be absolute');
      const shared = inUse.get(file.path);
      if (shared) {
        if (shared.contents !== file.contents) {
          throw new ResticUsageError(
            'another restic run of this process uses a different secret file at the same path; give each target its own secrets directory',
          );
        }
        shared.users += 1;
        held.push(file.path);
        await shared.ready;
        continue;
      }
      // Reserved before the first await, so a concurrent run finds it and waits for the write.
      const ready = (async () => {
        const dir = dirname(file.path);
        if (await ensurePrivateDir(dir)) createdDirs.push(dir);
        await writePrivateFile(file);
      })();
      inUse.set(file.path, { contents: file.contents, users: 1, ready });
      held.push(file.path);
      await ready;
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { remove: release };
}

/** Creates the directory with mode 0700 (true), or checks that an existing one is private (false). */
async function ensurePrivateDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stat = await lstat(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (stat.mode & 0o077) !== 0 || (uid !== undefined && stat.uid !== uid)) {
    throw new ResticUsageError(
      'the secrets directory must be a real directory owned by this user with mode 0700 (no group or other access)',
    );
  }
  return false;
}

async function writePrivateFile(file: SecretFile): Promise<void> {
  await rm(file.path, { force: true });
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
  const handle = await open(file.path, flags, file.mode & 0o600);
  try {
    await handle.writeFile(file.contents, 'utf8');
  } finally {
    await handle.close();
  }
}

/** A private directory (mode 0700) for a target's secret files; `remove` deletes it and what it holds. */
export interface PrivateDir {
  path: string;
  remove(): Promise<void>;
}

/** Creates a fresh private directory under `parent` (the process's temporary directory by default). */
export async function createPrivateDir(parent: string = tmpdir()): Promise<PrivateDir> {
  const path = await mkdtemp(join(parent, 'cairn-restic-'));
  await chmod(path, 0o700);
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
