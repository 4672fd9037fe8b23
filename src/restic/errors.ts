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
