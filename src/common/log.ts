// The operator's structured log: JSON lines through pino, constant messages, fields from one vocabulary.
// Both are closed types, so a new message or field is a reviewed change here, not a string at a call site.
// It lives below every folder so that the controller runtime, the reconcilers and the process share it.
import { pino, type DestinationStream, type Logger } from 'pino';

export const LogMessage = {
  started: 'operator started',
  signal: 'signal received',
  stopping: 'operator stopping',
  stopped: 'operator stopped',
  listening: 'server listening',
  serverError: 'server error',
  admission: 'admission reviewed',
  admissionFailed: 'admission review failed',
  badRequest: 'bad admission request',
  certLoaded: 'serving certificate loaded',
  certIssued: 'serving certificate issued',
  certSyncFailed: 'certificate sync failed',
  caBundleInjected: 'ca bundle injected',
  caBundleFailed: 'ca bundle injection failed',
  informerFailed: 'informer failed',
  informersSynced: 'informers synced',
  controllerStarted: 'controller started',
  controllerStopped: 'controller stopped',
  reconcileFailed: 'reconcile failed',
  leadingStarted: 'leading started',
  leadingStopped: 'leading stopped',
  leaderObserved: 'leader observed',
  leaseFailed: 'lease update failed',
} as const;
export type LogMessage = (typeof LogMessage)[keyof typeof LogMessage];

export interface LogFields {
  kind?: string;
  namespace?: string;
  name?: string;
  operation?: string;
  webhook?: string;
  allowed?: boolean;
  /** Field paths named by a rejection. */
  fields?: string[];
  durationMs?: number;
  err?: string;
  addr?: string;
  secret?: string;
  configuration?: string;
  notAfter?: string;
  reason?: string;
  signal?: string;
  /** A work-queue key. */
  key?: string;
  /** retryable or terminal (reconcile errors). */
  errorClass?: string;
  retryInMs?: number;
  /** A resource as `plural.group` (informers). */
  resource?: string;
  /** A leader-election identity and the Lease (`namespace/name`). */
  identity?: string;
  lease?: string;
}

/** Every field name a log line can carry besides pino's own (level, time, component, msg). */
export const LOG_FIELD_NAMES = Object.keys({
  kind: true,
  namespace: true,
  name: true,
  operation: true,
  webhook: true,
  allowed: true,
  fields: true,
  durationMs: true,
  err: true,
  addr: true,
  secret: true,
  configuration: true,
  notAfter: true,
  reason: true,
  signal: true,
  key: true,
  errorClass: true,
  retryInMs: true,
  resource: true,
  identity: true,
  lease: true,
} satisfies Record<keyof LogFields, true>) as readonly (keyof LogFields)[];

export interface Log {
  info(msg: LogMessage, fields?: LogFields): void;
  warn(msg: LogMessage, fields?: LogFields): void;
  error(msg: LogMessage, fields?: LogFields): void;
  debug(msg: LogMessage, fields?: LogFields): void;
}

/** A Log writing JSON lines to `destination` (default stdout) at `level`. */
export function createLog(opts: { level?: string; destination?: DestinationStream } = {}): Log {
  const logger: Logger = pino(
    {
      level: opts.level ?? 'info',
      base: { component: 'cairn-operator' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    opts.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return {
    info: (msg, fields) => logger.info(fields ?? {}, msg),
    warn: (msg, fields) => logger.warn(fields ?? {}, msg),
    error: (msg, fields) => logger.error(fields ?? {}, msg),
    debug: (msg, fields) => logger.debug(fields ?? {}, msg),
  };
}

/** A Log that drops everything (tests). */
export const silentLog: Log = { info() {}, warn() {}, error() {}, debug() {} };

/** A Log appending JSON lines to `file`, and the function that closes the file. */
export function createFileLog(file: string, level = 'info'): { log: Log; close: () => void } {
  const destination = pino.destination({ dest: file, sync: true, mkdir: true, append: true });
  return { log: createLog({ level, destination }), close: () => destination.end() };
}
