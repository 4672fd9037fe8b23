// Google Cloud Storage through @google-cloud/storage.
//
// Credentials: the service-account key in GOOGLE_SERVICE_ACCOUNT_JSON_KEY, project GOOGLE_PROJECT_ID (or the
// key's own project_id); without a key, Application Default Credentials (workload identity). An emulator
// endpoint (BackendOptions.endpoints.gcs, or STORAGE_EMULATOR_HOST in the storage Secret) is called without
// credentials, as fake-gcs-server expects.
// Uploads are single requests (`resumable: false`): metadata files are a few KB.

import { Storage, type Bucket, type StorageOptions } from '@google-cloud/storage';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type BackendOptions,
  type ObjectStat,
  type PutOptions,
  type SecretData,
  type StorageBackend,
} from '../backend.ts';
import {
  classifyError,
  StorageErrorKind,
  type StorageBackendError,
  type StorageOperation,
} from '../classify.ts';
import { StorageConfigError } from '../errors.ts';
import type { GcsStorage } from '../types.ts';
import { SecretKey } from '../secret-keys.ts';
import type { Redactor } from '../../common/redact.ts';
import {
  checkDeletePrefix,
  checkKey,
  checkPrefix,
  contentTypeFor,
  DELETE_CONCURRENCY,
  directoryPrefix,
  forEachLimit,
  secretRedactor,
  secretValue,
  subdirectoryName,
  toBuffer,
} from './common.ts';

const PAGE_SIZE = 1000;

/** The SDK options for a storage and its Secret; exported for tests. Holds credentials: never log it. */
export function gcsStorageOptions(secret: SecretData, options: BackendOptions): StorageOptions {
  const out: StorageOptions = {
    timeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    retryOptions: {
      autoRetry: true,
      maxRetries: Math.max(0, (options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) - 1),
      maxRetryDelay: 5,
      totalTimeout: 60,
    },
  };
  const projectId = secretValue(secret, SecretKey.googleProjectId);
  const key = secretValue(secret, SecretKey.googleServiceAccountJsonKey);
  if (key !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(key);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      // Never quote the value: it is a private key.
      throw new StorageConfigError(
        `${SecretKey.googleServiceAccountJsonKey} in the storage Secret is not a JSON service-account key`,
      );
    }
    out.credentials = parsed;
    const keyProject = (parsed as Record<string, unknown>).project_id;
    if (projectId === undefined && typeof keyProject === 'string') out.projectId = keyProject;
  }
  if (projectId !== undefined) out.projectId = projectId;
  // An emulator endpoint comes from the caller (tests) or from the storage Secret (a dev cluster).
  const emulator = options.endpoints?.gcs ?? secretValue(secret, SecretKey.storageEmulatorHost);
  if (emulator !== undefined) {
    out.apiEndpoint = emulator;
    out.useAuthWithCustomEndpoint = false;
    // Never sent to an emulator; passing it only makes the SDK warn about the deprecated option per client.
    delete out.credentials;
  }
  return out;
}

export function createGcsBackend(
  storage: GcsStorage,
  secret: SecretData,
  options: BackendOptions,
): StorageBackend {
  const client = new Storage(gcsStorageOptions(secret, options));
  return new GcsBackend(storage, client.bucket(storage.bucket), secretRedactor(secret));
}

class GcsBackend implements StorageBackend {
  readonly provider = 'gcs' as const;
  readonly location: string;
  private readonly bucket: Bucket;
  private readonly redactor: Redactor;

  constructor(storage: GcsStorage, bucket: Bucket, redactor: Redactor) {
    this.bucket = bucket;
    this.redactor = redactor;
    this.location = `bucket ${JSON.stringify(storage.bucket)}`;
  }

  private fail(
    err: unknown,
    operation: StorageOperation,
    key: string,
    subject?: 'object' | 'bucket',
  ): StorageBackendError {
    return classifyError(err, {
      provider: 'gcs',
      operation,
      key,
      location: this.location,
      redactor: this.redactor,
      ...(subject ? { subject } : {}),
    });
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    checkKey(key);
    const contentType = contentTypeFor(key, options?.contentType);
    try {
      await this.bucket.file(key).save(toBuffer(body), {
        resumable: false,
        contentType,
        metadata: { contentType },
      });
    } catch (err) {
      throw this.fail(err, 'put', key);
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    try {
      const [bytes] = await this.bucket.file(key).download();
      return bytes;
    } catch (err) {
      const classified = this.fail(err, 'get', key);
      if (classified.kind === StorageErrorKind.notFound) await this.requireBucket('get', key);
      throw classified;
    }
  }

  /**
   * A 404 on an object does not always say whether the object or the bucket is missing (fake-gcs-server says
   * "Not Found" for both): ask about the bucket, and throw bucket-missing when it is the bucket. Asked with a
   * one-item listing, not the bucket's metadata: roles/storage.objectAdmin and objectViewer grant
   * storage.objects.list but not storage.buckets.get.
   */
  private async requireBucket(operation: StorageOperation, key: string): Promise<void> {
    try {
      await this.bucket.getFiles({ autoPaginate: false, maxResults: 1 });
    } catch (err) {
      throw this.fail(err, operation, key, 'bucket');
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    checkKey(key);
    try {
      const [metadata] = await this.bucket.file(key).getMetadata();
      const size = Number(metadata.size ?? 0);
      const updated = metadata.updated ?? metadata.timeCreated;
      return { size: Number.isFinite(size) ? size : 0, modified: updated ? new Date(updated) : new Date(0) };
    } catch (err) {
      const classified = this.fail(err, 'stat', key);
      if (classified.kind !== StorageErrorKind.notFound) throw classified;
    }
    await this.requireBucket('stat', key);
    return undefined;
  }

  async *list(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix);
    for await (const page of this.pages(prefix, 'list')) yield* page.keys;
  }

  /** The listing pages of the directory `prefix`; `delimited` groups sub-directories as prefixes. */
  private async *pages(
    prefix: string,
    operation: StorageOperation,
    delimited = false,
  ): AsyncGenerator<{ keys: string[]; prefixes: string[] }> {
    let pageToken: string | undefined;
    do {
      let files;
      let next;
      let response;
      try {
        [files, next, response] = await this.bucket.getFiles({
          prefix: directoryPrefix(prefix),
          autoPaginate: false,
          maxResults: PAGE_SIZE,
          ...(delimited ? { delimiter: '/' } : {}),
          ...(pageToken ? { pageToken } : {}),
        });
      } catch (err) {
        throw this.fail(err, operation, prefix);
      }
      const prefixes = (response as { prefixes?: unknown } | undefined)?.prefixes;
      yield {
        keys: files.map((file) => file.name),
        prefixes: Array.isArray(prefixes) ? prefixes.filter((p): p is string => typeof p === 'string') : [],
      };
      pageToken = next && 'pageToken' in next ? next.pageToken : undefined;
    } while (pageToken);
  }

  async subdirectories(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const names: string[] = [];
    for await (const page of this.pages(prefix, 'list', true)) {
      for (const p of page.prefixes) names.push(...subdirectoryName(directoryPrefix(prefix), p));
    }
    return names.sort();
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.bucket.file(key).delete();
    } catch (err) {
      const classified = this.fail(err, 'delete', key, 'object');
      if (classified.kind !== StorageErrorKind.notFound) throw classified;
      // A 404 may be the bucket's (fake-gcs-server does not tell them apart): only a missing object is fine.
      await this.requireBucket('delete', key);
    }
  }

  async deleteUnder(prefix: string): Promise<number> {
    checkDeletePrefix(prefix);
    // Collect first: deleting while paging would move the page boundaries under the page token.
    const keys: string[] = [];
    for await (const page of this.pages(prefix, 'delete')) keys.push(...page.keys);
    await forEachLimit(keys, DELETE_CONCURRENCY, async (key) => {
      try {
        await this.bucket.file(key).delete({ ignoreNotFound: true });
      } catch (err) {
        throw this.fail(err, 'delete', key);
      }
    });
    return keys.length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
