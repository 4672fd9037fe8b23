// What a restic exit means for the caller. Every outcome is either retryable (running the same command again
// later may succeed without anyone changing anything) or terminal. Callers retry only retryable outcomes,
// with backoff and a bound, and report terminal ones at once.

export const ResticExitKind = {
  /** 0: the command did what it was asked. */
  ok: 'ok',
  /** 1, or an exit code restic does not document: the command failed. */
  failure: 'failure',
  /** 2: a Go runtime error (panic, out of memory). */
  runtimeError: 'runtime-error',
  /**
   * 3: partly done. `backup` created a snapshot but could not read some source data (or a source path is
   * missing); `forget` could not remove every snapshot.
   */
  incomplete: 'incomplete',
  /** 10: there is no repository at the location. */
  repositoryMissing: 'repository-missing',
  /** 11: the repository is locked by another process. */
  lockFailed: 'lock-failed',
  /** 12: the password opens no key of the repository. */
  wrongPassword: 'wrong-password',
  /** 130, or ended by SIGINT/SIGTERM: someone stopped it on purpose. */
  cancelled: 'cancelled',
  /** Ended by another signal (SIGKILL from the OOM killer, a node going away). */
  killed: 'killed',
} as const;
export type ResticExitKind = (typeof ResticExitKind)[keyof typeof ResticExitKind];

export interface ResticExit {
  kind: ResticExitKind;
  /** The process exit code, or null when a signal ended it. */
  code: number | null;
  signal: string | null;
  /** True only for `ok`. */
  success: boolean;
  /** Whether running the same command again, unchanged, may succeed. */
  retryable: boolean;
  /** A constant sentence for status, events and logs. */
  description: string;
}

interface KindInfo {
  success: boolean;
  retryable: boolean;
  description: string;
}

const INFO: Readonly<Record<ResticExitKind, KindInfo>> = {
  ok: { success: true, retryable: false, description: 'restic completed successfully' },
  // Network and backend errors end with 1, and they are usually transient.
  failure: { success: false, retryable: true, description: 'restic failed' },
  'runtime-error': { success: false, retryable: true, description: 'restic stopped with a runtime error' },
  // The work is (partly) done: repeating it would make a second snapshot, not repair the first.
  incomplete: {
    success: false,
    retryable: false,
    description:
      'restic finished incompletely: some source data could not be read or some snapshots not removed',
  },
  // Terminal here; a caller that means to create the repository runs init instead.
  'repository-missing': {
    success: false,
    retryable: false,
    description: 'the restic repository does not exist',
  },
  'lock-failed': {
    success: false,
    retryable: true,
    description: 'the restic repository is locked by another process',
  },
  // Never retried: the password will not change by itself, and repeated attempts look like an attack.
  'wrong-password': {
    success: false,
    retryable: false,
    description: 'the password does not open the restic repository',
  },
  cancelled: { success: false, retryable: false, description: 'restic was cancelled' },
  killed: { success: false, retryable: true, description: 'restic was killed by a signal' },
};

const CANCEL_SIGNALS = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/**
 * Classifies how a restic process ended, from the `code` and `signal` Node reports on `exit`/`close`.
 * Unknown exit codes are failures, as restic's documentation requires, but terminal: a code Cairn does not
 * know is not one it can judge safe to repeat.
 */
export function classifyExit(code: number | null, signal: string | null = null): ResticExit {
  const kind = kindOf(code, signal);
  const info = INFO[kind];
  const unknown = kind === 'failure' && code !== null && code !== 1;
  return {
    kind,
    code,
    signal,
    success: info.success,
    retryable: unknown ? false : info.retryable,
    description: unknown
      ? `${info.description} with undocumented exit code ${String(code)}`
      : signal !== null && code === null
        ? `${info.description} (${signal})`
        : info.description,
  };
}

function kindOf(code: number | null, signal: string | null): ResticExitKind {
  if (code === null) {
    if (signal !== null && CANCEL_SIGNALS.has(signal)) return 'cancelled';
    return signal === null ? 'failure' : 'killed';
  }
  switch (code) {
    case 0:
      return 'ok';
    case 2:
      return 'runtime-error';
    case 3:
      return 'incomplete';
    case 10:
      return 'repository-missing';
    case 11:
      return 'lock-failed';
    case 12:
      return 'wrong-password';
    case 130:
      return 'cancelled';
    default:
      return 'failure';
  }
}
