/**
 * A BackupStorage location or a path inside it that cannot be used as given. Always terminal: the same input
 * fails the same way until a user changes a manifest, so callers must not retry it.
 */
export class StorageConfigError extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'StorageConfigError';
  }
}
