// The pure half of a restic run: what the runner (runner.ts) keeps of the events it sees, and how it
// decides, once the process has ended, between a result and a ResticError. No process, timer or file here,
// so every decision can be tested on its own.

import type { Redactor } from '../common/redact.ts';
import type { ResticErrorKind } from './errors.ts';
import type { ErrorEvent, ResticEvent, ResticStream } from './events.ts';
import type { ResticExit } from './exit-codes.ts';

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

const STDERR_TAIL_LINES = 20;
const MAX_TAIL_LINE = 2000;
const MAX_ERRORS = 100;
const MAX_TEXT_LINES = 200;

/**
 * Folds one (already redacted) event into the result and the stderr tail: the last summary of each kind,
 * the fatal message, at most 100 errors and 200 stdout text lines, and the last 20 stderr lines.
 */
export function foldEvent(result: RunResult, tail: string[], event: RunnerEvent): void {
  switch (event.type) {
    case 'summary':
      result.backupSummary = event;
      break;
    case 'restore_summary':
      result.restoreSummary = event;
      break;
    case 'check_summary':
      result.checkSummary = event;
      break;
    case 'exit_error':
      result.exitError = event.message;
      pushTail(tail, event.message);
      break;
    case 'error':
      if (result.errors.length < MAX_ERRORS) result.errors.push(event);
      if (event.stream === 'stderr')
        pushTail(tail, event.item ? `${event.item}: ${event.message}` : event.message);
      break;
    case 'text':
      if (event.stream === 'stderr') pushTail(tail, event.line);
      else if (result.textLines.length < MAX_TEXT_LINES) result.textLines.push(event.line);
      break;
    case 'backend_retry':
      pushTail(tail, event.message);
      break;
    default:
      break;
  }
}

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

/** Why the runner stopped restic before it ended by itself. */
export type StopReason =
  'cancelled' | 'timeout' | 'backend-unavailable' | 'backend-auth' | 'backend-invalid' | 'repository-missing';

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

/** Everything known about a run once its process has ended (or failed to start). */
export interface RunEnd {
  /** `restic <subcommand>`, for messages. */
  verb: string;
  binary: string;
  exit: ResticExit;
  code: number | null;
  signal: string | null;
  /** The process could not be started; `missing` when the binary does not exist. */
  spawnError?: { missing: boolean; message: string };
  /** Writing or collecting stdout failed. */
  outputError?: string;
  stopReason?: StopReason;
  stopDetail: string;
  acceptExit?: (exit: ResticExit) => boolean;
  /** restic's fatal message, else its last stderr line. */
  detail?: string;
}

export type RunOutcome =
  | { ok: true; logKind: string }
  | { ok: false; logKind: string; kind: ResticErrorKind; retryable: boolean; message: string };

/**
 * The exit decision, in this order: a process that never started; an output that failed; success; a stop
 * the runner caused (its reason wins over the exit code the signal produced); an exit the caller accepts;
 * otherwise the exit's own classification, with restic's last words.
 */
export function decideOutcome(end: RunEnd): RunOutcome {
  const { verb, exit, code, signal } = end;
  const fail = (logKind: string, kind: ResticErrorKind, retryable: boolean, message: string): RunOutcome => ({
    ok: false,
    logKind,
    kind,
    retryable,
    message,
  });
  if (end.spawnError) {
    return fail(
      'spawn-failed',
      'spawn-failed',
      false,
      end.spawnError.missing
        ? `${verb}: the restic binary ${JSON.stringify(end.binary)} was not found`
        : `${verb}: restic could not be started: ${end.spawnError.message}`,
    );
  }
  const logKind = end.stopReason ?? exit.kind;
  if (end.outputError !== undefined)
    return fail(logKind, 'output-invalid', false, `${verb}: ${end.outputError}`);
  if (exit.success) return { ok: true, logKind };
  if (end.stopReason !== undefined) {
    const { kind, retryable, text } = STOPPED[end.stopReason];
    return fail(logKind, kind, retryable, `${verb}: ${text}: ${end.stopDetail}`);
  }
  if (end.acceptExit?.(exit)) return { ok: true, logKind };
  const how = code !== null ? `exit ${code}` : `signal ${signal ?? '?'}`;
  return fail(
    logKind,
    exit.kind as ResticErrorKind,
    exit.retryable,
    `${verb}: ${exit.description} (${how})${end.detail ? `: ${end.detail}` : ''}`,
  );
}
