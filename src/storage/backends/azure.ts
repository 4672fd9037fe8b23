// Azure Blob Storage through @azure/storage-blob.
//
// The account is `spec.storage.azure.storageAccount`, or AZURE_ACCOUNT_NAME from the Secret when the spec
// leaves it empty. Credentials: AZURE_ACCOUNT_KEY (shared key), else AZURE_ACCOUNT_SAS (a SAS token). The
// service URL is `https://<account>.blob.<AZURE_ENDPOINT_SUFFIX or core.windows.net>`, or an emulator's
// account URL (BackendOptions.endpoints.azure, Azurite's path style `http://127.0.0.1:PORT/<account>`).

import {
  AnonymousCredential,
  BlobServiceClient,
  StorageSharedKeyCredential,
  type ContainerClient,
  type StoragePipelineOptions,
} from '@azure/storage-blob';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type BackendOptions,
  type ObjectStat,
  type PutOptions,
  type SecretData,
  type StorageBackend,
} from '../backend.ts';
import { classifyError, type StorageBackendError, type StorageOperation } from '../classify.ts';
import { StorageConfigError } from '../errors.ts';
import type { AzureStorage } from '../types.ts';
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
const DEFAULT_ENDPOINT_SUFFIX = 'core.windows.net';

/** The account, its service URL and a credential; exported for tests. Holds credentials: never log it. */
export function azureClientSettings(
  storage: AzureStorage,
  secret: SecretData,
  options: BackendOptions,
): { account: string; url: string; credential: StorageSharedKeyCredential | AnonymousCredential } {
  const account =
    storage.storageAccount !== '' ? storage.storageAccount : secretValue(secret, SecretKey.azureAccountName);
  if (account === undefined) {
    throw new StorageConfigError(
      `spec.storage.azure.storageAccount is empty and the storage Secret has no ${SecretKey.azureAccountName}`,
    );
  }
  const suffix = secretValue(secret, SecretKey.azureEndpointSuffix) ?? DEFAULT_ENDPOINT_SUFFIX;
  const base = (options.endpoints?.azure ?? `https://${account}.blob.${suffix}`).replace(/\/+$/, '');
  const key = secretValue(secret, SecretKey.azureAccountKey);
  if (key !== undefined)
    return { account, url: base, credential: new StorageSharedKeyCredential(account, key) };
  const sas = secretValue(secret, SecretKey.azureAccountSas);
  if (sas !== undefined) {
    return { account, url: `${base}?${sas.replace(/^\?/, '')}`, credential: new AnonymousCredential() };
  }
  throw new StorageConfigError(
    `the storage Secret has neither ${SecretKey.azureAccountKey} nor ${SecretKey.azureAccountSas}; ` +
      'workload identity is not supported for metadata files yet',
  );
}

export function createAzureBackend(
  storage: AzureStorage,
  secret: SecretData,
  options: BackendOptions,
): StorageBackend {
  const { account, url, credential } = azureClientSettings(storage, secret, options);
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const pipeline: StoragePipelineOptions = {
    retryOptions: {
      maxTries: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      tryTimeoutInMs: timeout,
      retryDelayInMs: 200,
      maxRetryDelayInMs: 5_000,
    },
  };
  const service = new BlobServiceClient(url, credential, pipeline);
  const location = `container ${JSON.stringify(storage.container)} of account ${JSON.stringify(account)}`;
  return new AzureBackend(service.getContainerClient(storage.container), location, secretRedactor(secret));
}

class AzureBackend implements StorageBackend {
  readonly provider = 'azure' as const;
  readonly location: string;
  private readonly container: ContainerClient;
  private readonly redactor: Redactor;

  constructor(container: ContainerClient, location: string, redactor: Redactor) {
    this.container = container;
    this.location = location;
    this.redactor = redactor;
  }

  private fail(err: unknown, operation: StorageOperation, key: string): StorageBackendError {
    return classifyError(err, {
      provider: 'azure',
      operation,
      key,
      location: this.location,
      redactor: this.redactor,
    });
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    checkKey(key);
    const bytes = toBuffer(body);
    try {
      await this.container.getBlockBlobClient(key).upload(bytes, bytes.length, {
        blobHTTPHeaders: { blobContentType: contentTypeFor(key, options?.contentType) },
      });
    } catch (err) {
      throw this.fail(err, 'put', key);
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    try {
      return await this.container.getBlobClient(key).downloadToBuffer();
    } catch (err) {
      throw this.fail(err, 'get', key);
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    checkKey(key);
    try {
      const props = await this.container.getBlobClient(key).getProperties();
      return { size: props.contentLength ?? 0, modified: props.lastModified ?? new Date(0) };
    } catch (err) {
      // HEAD responses still carry x-ms-error-code: BlobNotFound and ContainerNotFound are told apart.
      const classified = this.fail(err, 'stat', key);
      if (classified.kind === 'not-found') return undefined;
      throw classified;
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix);
    for await (const page of this.pages(prefix, 'list')) yield* page;
  }

  private async *pages(prefix: string, operation: StorageOperation): AsyncGenerator<string[]> {
    const iterator = this.container
      .listBlobsFlat({ prefix: directoryPrefix(prefix) })
      .byPage({ maxPageSize: PAGE_SIZE });
    for await (const page of this.drain(iterator, operation, prefix)) {
      yield page.segment.blobItems.map((item) => item.name);
    }
  }

  /** The pages of an SDK listing, each failure classified. */
  private async *drain<T>(
    iterator: AsyncIterator<T>,
    operation: StorageOperation,
    prefix: string,
  ): AsyncGenerator<T> {
    for (;;) {
      let result;
      try {
        result = await iterator.next();
      } catch (err) {
        throw this.fail(err, operation, prefix);
      }
      if (result.done) return;
      yield result.value;
    }
  }

  async subdirectories(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const base = directoryPrefix(prefix);
    const iterator = this.container
      .listBlobsByHierarchy('/', { prefix: base })
      .byPage({ maxPageSize: PAGE_SIZE });
    const names: string[] = [];
    for await (const page of this.drain(iterator, 'list', prefix)) {
      for (const p of page.segment.blobPrefixes ?? []) names.push(...subdirectoryName(base, p.name));
    }
    return names.sort();
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      // deleteIfExists swallows BlobNotFound only; ContainerNotFound still throws.
      await this.container.getBlobClient(key).deleteIfExists({ deleteSnapshots: 'include' });
    } catch (err) {
      throw this.fail(err, 'delete', key);
    }
  }

  async deleteUnder(prefix: string): Promise<number> {
    checkDeletePrefix(prefix);
    const keys: string[] = [];
    for await (const page of this.pages(prefix, 'delete')) keys.push(...page);
    await forEachLimit(keys, DELETE_CONCURRENCY, async (key) => {
      try {
        await this.container.getBlobClient(key).deleteIfExists({ deleteSnapshots: 'include' });
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
