// The one interface through which Cairn reads and writes its small metadata files (`metadata.yaml`,
// `repository.yaml`, `snapshots/<name>.yaml`) on a BackupStorage, and the factory that picks the adapter for
// its provider. restic reads and writes the repositories themselves; nothing here touches their contents,
// except `deleteUnder`, which a WipeOut uses to remove a whole repository directory, and `delete` of a single
// lock file whose process is known to be dead (./lock-files.ts).
//
// Keys are the ones src/storage/paths.ts builds: `/`-separated, relative to the BackupStorage root (the
// bucket or container for object stores, the mount directory for local). Prefixes are directory keys:
// `list('a/snapshots')` and `deleteUnder('a/snapshots')` concern `a/snapshots/…` and never
// `a/snapshots-old/…`.
//
// Every failure is a StorageBackendError (src/storage/classify.ts) with a kind and `retryable`, and a message
// free of the Secret's credentials; a key that is not a valid key is a StorageConfigError.

import type { ResolvedStorage, StorageProvider } from './types.ts';

export interface ObjectStat {
  size: number;
  modified: Date;
}

export interface PutOptions {
  /** Defaults to `application/x-yaml` for `.yaml` keys (as KubeStash writes them), else octet-stream. */
  contentType?: string;
}

export interface StorageBackend {
  readonly provider: StorageProvider;
  /** Where the backend points, for messages and logs: holds no credential. */
  readonly location: string;
  /** Writes the whole object, replacing any previous one. Local writes are atomic (temp file + rename). */
  put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void>;
  /** The object's bytes; a missing object is a StorageBackendError of kind `not-found`. */
  get(key: string): Promise<Buffer>;
  /** Size and modification time, or undefined when the object does not exist (a missing bucket throws). */
  stat(key: string): Promise<ObjectStat | undefined>;
  /**
   * Every key under the directory `prefix` (recursively; `''` lists everything), page by page as the
   * service returns them. Order is the service's; use `listAll` for a sorted array.
   */
  list(prefix: string): AsyncIterable<string>;
  /**
   * The names (one segment each) of the directories directly under the directory `prefix` (`''`: the
   * root), sorted: for object stores, the common prefixes of a delimited listing. Lets a caller find
   * restic repositories without listing every pack file below them.
   */
  subdirectories(prefix: string): Promise<string[]>;
  /**
   * Deletes one object. Deleting an object that does not exist succeeds (another process removed it
   * first, which is what the caller wanted); a missing bucket is still bucket-missing.
   */
  delete(key: string): Promise<void>;
  /** Deletes every object under the directory `prefix` (which must not be empty); returns how many. */
  deleteUnder(prefix: string): Promise<number>;
  /** Releases connections. The backend must not be used afterwards. */
  close(): Promise<void>;
}

/** Decoded `data` of the storage Secret, with KubeStash's key names (./secret-keys.ts). */
export type SecretData = Readonly<Record<string, string>>;

export interface BackendOptions {
  /**
   * local: where the volume is mounted in this process. Defaults to `spec.storage.local.mountPath`, which is
   * where a Job mounts it; the pod runner and tests mount it elsewhere.
   */
  localRoot?: string;
  /**
   * Emulator endpoints (tests and the dev cluster), never taken from a user's manifest. `gcs` is the API
   * endpoint (fake-gcs-server, `http://127.0.0.1:PORT`); requests to it are sent without credentials.
   * `azure` is the account's blob service URL (Azurite's path style, `http://127.0.0.1:PORT/<account>`).
   * S3 needs none: `spec.storage.s3.endpoint` is user-facing.
   */
  endpoints?: { gcs?: string; azure?: string };
  /** Time allowed for one request, connection included. Default 30 s. */
  requestTimeoutMs?: number;
  /** Attempts per request, the first included, for the SDKs' own retries of transient failures. Default 3. */
  maxAttempts?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_ATTEMPTS = 3;

/**
 * The backend for a resolved BackupStorage location. `secret` is the decoded storage Secret (absent when the
 * spec names none: the provider's ambient identity is used where the SDK supports it). The provider's SDK is
 * loaded only when first needed. Throws a StorageConfigError for a Secret that cannot work (half an S3 key
 * pair, a malformed service-account key, no Azure account name).
 */
export async function createBackend(
  storage: ResolvedStorage,
  secret: SecretData = {},
  options: BackendOptions = {},
): Promise<StorageBackend> {
  switch (storage.provider) {
    case 'local': {
      const { createLocalBackend } = await import('./backends/local.ts');
      return createLocalBackend(storage, options);
    }
    case 's3': {
      const { createS3Backend } = await import('./backends/s3.ts');
      return createS3Backend(storage, secret, options);
    }
    case 'gcs': {
      const { createGcsBackend } = await import('./backends/gcs.ts');
      return createGcsBackend(storage, secret, options);
    }
    case 'azure': {
      const { createAzureBackend } = await import('./backends/azure.ts');
      return createAzureBackend(storage, secret, options);
    }
  }
}

/** Every key under `prefix`, sorted (by UTF-16 code units, which matches byte order for ASCII keys). */
export async function listAll(backend: StorageBackend, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of backend.list(prefix)) keys.push(key);
  return keys.sort();
}
