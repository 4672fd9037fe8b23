/**
 * A restic command that cannot be built from the given input (a missing password, a malformed snapshot ID,
 * conflicting options). Always terminal: the same input is rejected the same way, so callers must not retry.
 * Messages name the offending field and never echo a secret value.
 */
export class ResticUsageError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ResticUsageError';
  }
}

/**
 * How a restic run went wrong. The exit kinds of exit-codes.ts, plus what the runner itself decides:
 * - `timeout`: the run outlived its time limit and was stopped;
 * - `backend-unavailable`: restic kept retrying backend requests without success for longer than allowed;
 * - `backend-auth`: the backend rejected the credentials (restic would retry that for 15 minutes);
 * - `spawn-failed`: the restic binary could not be started;
 * - `output-invalid`: restic succeeded but printed something Cairn cannot read.
 */
export type ResticErrorKind =
  | 'failure'
  | 'runtime-error'
  | 'incomplete'
  | 'repository-missing'
  | 'lock-failed'
  | 'wrong-password'
  | 'cancelled'
  | 'killed'
  | 'timeout'
  | 'backend-unavailable'
  | 'backend-auth'
  | 'spawn-failed'
  | 'output-invalid';

export interface ResticErrorFields {
  kind: ResticErrorKind;
  retryable: boolean;
  /** The command as a shell-like line (argv holds no secret), redacted all the same. */
  command: string;
  /** Process exit code, or null when a signal ended it or it never ran. */
  exitCode: number | null;
  signal: string | null;
  /** The last lines restic wrote to stderr, redacted. */
  stderrTail: string;
}

/**
 * A restic run that did not succeed. Every text field has passed through the redactor built from the
 * command's secrets; `retryable` says whether running the same command again, unchanged, may succeed.
 */
export class ResticError extends Error {
  readonly kind: ResticErrorKind;
  readonly retryable: boolean;
  readonly command: string;
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
  constructor(message: string, fields: ResticErrorFields, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ResticError';
    this.kind = fields.kind;
    this.retryable = fields.retryable;
    this.command = fields.command;
    this.exitCode = fields.exitCode;
    this.signal = fields.signal;
    this.stderrTail = fields.stderrTail;
  }
}

/** True for a ResticError of one of these kinds. */
export function isResticError(err: unknown, ...kinds: ResticErrorKind[]): err is ResticError {
  return err instanceof ResticError && (kinds.length === 0 || kinds.includes(err.kind));
}
