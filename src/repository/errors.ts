/**
 * A Repository whose objects cannot be used as they are (a missing field, Secret or key; no permission to
 * read them) or could not be read. The message names the object, the field and the fix; it never holds a
 * secret value. `retryable` is true only when reading again unchanged may succeed (the API server was
 * unreachable or overloaded); everything a user has to fix is terminal.
 */
export class RepositoryAccessError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RepositoryAccessError';
    this.retryable = options?.retryable ?? false;
  }
}
