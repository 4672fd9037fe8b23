// The reconciler contract. A reconciler is given a key and brings what the key names to its desired state
// by level, not by event: it reads the world (the informer caches first), decides in pure functions, and
// writes once. It is safe to run twice, after a crash, or for an object that is gone. Every error it throws
// is classified: retryable errors are retried with backoff, terminal ones only slowly (something outside the
// reconciler has to change first).
import { errorClass } from '../kube/errors.ts';

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds (e.g. before a certificate is due). */
  requeueAfterMs?: number;
}

export interface Reconciler {
  /**
   * Brings the object of `key` to its desired state. `signal` aborts when the controller stops (leadership
   * lost, shutdown): long waits and API calls should pass it on.
   */
  reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void>;
}

/**
 * An error that trying again cannot fix until something else changes (an invalid object, a missing
 * permission). Reconcilers wrap such errors in it where they know; API errors are classified by status.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export type ReconcileErrorClass = 'retryable' | 'terminal';

/**
 * Retryable: transport failures, timeouts, 429, 5xx, and the races that a fresh read resolves (409
 * conflict, 404 of an object read a moment ago, 410 gone). Terminal: a TerminalError, 401/403 (RBAC must
 * change), and any other 4xx (the request itself is wrong). Anything else — a bug, an unexpected
 * exception — is retryable: backoff bounds its cost and a transient cause gets its chance.
 */
export function classifyReconcileError(err: unknown): ReconcileErrorClass {
  if (err instanceof TerminalError) return 'terminal';
  const c = errorClass(err);
  return c === 'terminal' || c === 'forbidden' ? 'terminal' : 'retryable';
}
