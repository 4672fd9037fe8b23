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
import { tmpdir } from 'node:os';
import type { Writable } from 'node:stream';

import { createRedactor, type Redactor } from '../common/redact.ts';
import type { ResticCommand } from './argv.ts';
import { describeCommand } from './argv.ts';
import { classifyBackendCause, parseBackendRecovery, parseBackendRetry } from './backend-retries.ts';
import { ResticError } from './errors.ts';
import type { ResticEvent, ResticOutputCommand } from './events.ts';
import { classifyExit, type ResticExit } from './exit-codes.ts';
import { ResticOutputParser } from './json-lines.ts';
import {
  decideOutcome,
  foldEvent,
  redactDeep,
  type RunResult,
  type RunnerEvent,
  type StopReason,
} from './run-result.ts';
import { writeSecretFiles } from './secret-files.ts';

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
  if (options.signal?.aborted) {
    throw new ResticError(redactor.redact(`${subcommandOf(command)}: cancelled before start`), {
      kind: 'cancelled',
      retryable: false,
      command: described,
      exitCode: null,
      signal: null,
      stderrTail: '',
    });
  }

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
    foldEvent(result, tail, clean);
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
      if (!spawnError) result.exit = classifyExit(code, signal);
      const detail = result.exitError ?? tail.at(-1);
      const outcome = decideOutcome({
        verb,
        binary,
        exit: result.exit,
        code,
        signal,
        ...(spawnError
          ? {
              spawnError: {
                missing: (spawnError as NodeJS.ErrnoException).code === 'ENOENT',
                message: spawnError.message,
              },
            }
          : {}),
        ...(outputError ? { outputError: outputError.message } : {}),
        ...(stopReason !== undefined ? { stopReason } : {}),
        stopDetail,
        ...(options.acceptExit ? { acceptExit: options.acceptExit } : {}),
        ...(detail !== undefined ? { detail } : {}),
      });
      log?.('restic finished', { command: described, kind: outcome.logKind, durationMs: result.durationMs });
      if (outcome.ok) {
        resolve(result);
        return;
      }
      reject(
        new ResticError(
          redactor.redact(outcome.message),
          {
            kind: outcome.kind,
            retryable: outcome.retryable,
            command: described,
            exitCode: code,
            signal,
            stderrTail: result.stderrTail,
          },
          outputError ? { cause: redactor.redactError(outputError) } : undefined,
        ),
      );
    });
  });
}
