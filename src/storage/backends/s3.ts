// S3 and S3-compatible stores (MinIO, Ceph RGW, Linode, …) through @aws-sdk/client-s3.
//
// Settings that matter:
// - a custom endpoint gets path-style addressing (`forcePathStyle`), as KubeStash and restic use for
//   S3-compatible stores; AWS's own endpoints keep the SDK's default (virtual-hosted, regional);
// - request checksums only when an operation requires them: since SDK 3.729 the default adds CRC32
//   checksums that several S3-compatible servers reject (aws/aws-sdk-js-v3#6810);
// - region defaults to us-east-1 (MinIO's default; AWS redirects from there);
// - `insecureTLS` and `CA_CERT_DATA` become a custom https agent;
// - no keys in the Secret: the SDK's default chain (IRSA web identity, instance profile, environment).

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type ListObjectsV2CommandOutput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
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
import type { S3Storage } from '../types.ts';
import { SecretKey } from '../secret-keys.ts';
import type { Redactor } from '../../common/redact.ts';
import {
  checkDeletePrefix,
  checkKey,
  checkPrefix,
  contentTypeFor,
  directoryPrefix,
  secretRedactor,
  secretValue,
  subdirectoryName,
  toBuffer,
} from './common.ts';

export const DEFAULT_S3_REGION = 'us-east-1';
/** S3's own page size limit for listings and batch deletes. */
const PAGE_SIZE = 1000;
const DEFAULT_MAX_SOCKETS = 50;

// s3.amazonaws.com, s3.<region>.amazonaws.com, s3-<region>.amazonaws.com, s3.dualstack.…, China's .com.cn.
const AWS_HOST = /^s3(?:[.-][a-z0-9-]+)*\.amazonaws\.com(?:\.cn)?$/i;
const AWS_REGION_IN_HOST = /^s3[.-](?:dualstack\.)?([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com(?:\.cn)?$/i;

/** The SDK configuration for a storage and its Secret; exported for tests. Holds credentials: never log it. */
export function s3ClientConfig(
  storage: S3Storage,
  secret: SecretData,
  options: BackendOptions,
): S3ClientConfig {
  const url = new URL(
    /^https?:\/\//i.test(storage.endpoint) ? storage.endpoint : `https://${storage.endpoint}`,
  );
  const aws = AWS_HOST.test(url.hostname);
  const region = storage.region ?? (aws ? AWS_REGION_IN_HOST.exec(url.hostname)?.[1] : undefined);

  const accessKeyId = secretValue(secret, SecretKey.awsAccessKeyId);
  const secretAccessKey = secretValue(secret, SecretKey.awsSecretAccessKey);
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    const missing = accessKeyId === undefined ? SecretKey.awsAccessKeyId : SecretKey.awsSecretAccessKey;
    throw new StorageConfigError(`the storage Secret has one of the S3 access keys but not ${missing}`);
  }
  const sessionToken = secretValue(secret, SecretKey.awsSessionToken);

  const maxSockets = storage.maxConnections ?? DEFAULT_MAX_SOCKETS;
  const ca = secretValue(secret, SecretKey.caCertData);
  const timeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  return {
    region: region ?? DEFAULT_S3_REGION,
    ...(aws && url.protocol === 'https:' && url.port === ''
      ? {}
      : { endpoint: url.origin, forcePathStyle: true }),
    ...(accessKeyId !== undefined && secretAccessKey !== undefined
      ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    requestHandler: {
      connectionTimeout: timeout,
      requestTimeout: timeout,
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({
        keepAlive: true,
        maxSockets,
        ...(ca !== undefined ? { ca } : {}),
        ...(storage.insecureTLS ? { rejectUnauthorized: false } : {}),
      }),
    },
  };
}

export function createS3Backend(
  storage: S3Storage,
  secret: SecretData,
  options: BackendOptions,
): StorageBackend {
  return new S3Backend(
    storage,
    new S3Client(s3ClientConfig(storage, secret, options)),
    secretRedactor(secret),
  );
}

class S3Backend implements StorageBackend {
  readonly provider = 's3' as const;
  readonly location: string;
  private readonly bucket: string;
  private readonly client: S3Client;
  private readonly redactor: Redactor;

  constructor(storage: S3Storage, client: S3Client, redactor: Redactor) {
    this.bucket = storage.bucket;
    this.client = client;
    this.redactor = redactor;
    this.location = `bucket ${JSON.stringify(storage.bucket)} at ${storage.endpoint}`;
  }

  private fail(
    err: unknown,
    operation: StorageOperation,
    key: string,
    subject?: 'object' | 'bucket',
  ): StorageBackendError {
    return classifyError(err, {
      provider: 's3',
      operation,
      key,
      location: this.location,
      redactor: this.redactor,
      ...(subject ? { subject } : {}),
    });
  }

  async put(key: string, body: Uint8Array | string, options?: PutOptions): Promise<void> {
    checkKey(key);
    const bytes = toBuffer(body);
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: bytes,
          ContentLength: bytes.length,
          ContentType: contentTypeFor(key, options?.contentType),
        }),
      );
    } catch (err) {
      throw this.fail(err, 'put', key);
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (err) {
      throw this.fail(err, 'get', key);
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    checkKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, modified: out.LastModified ?? new Date(0) };
    } catch (err) {
      const classified = this.fail(err, 'stat', key);
      if (classified.kind !== StorageErrorKind.notFound) throw classified;
    }
    // A HEAD response has no body, so a missing bucket and a missing key both come back as a bare 404.
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw this.fail(err, 'stat', key, 'bucket');
    }
    return undefined;
  }

  async *list(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix);
    for await (const page of this.pages(prefix, 'list')) yield* keysOf(page);
  }

  /** The raw listing pages of the directory `prefix`; `delimited` groups sub-directories as prefixes. */
  private async *pages(
    prefix: string,
    operation: StorageOperation,
    delimited = false,
  ): AsyncGenerator<ListObjectsV2CommandOutput> {
    let token: string | undefined;
    do {
      let out;
      try {
        out = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: directoryPrefix(prefix),
            MaxKeys: PAGE_SIZE,
            ...(delimited ? { Delimiter: '/' } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw this.fail(err, operation, prefix);
      }
      yield out;
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
  }

  async subdirectories(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    const names: string[] = [];
    for await (const page of this.pages(prefix, 'list', true)) {
      for (const common of page.CommonPrefixes ?? []) {
        names.push(...subdirectoryName(directoryPrefix(prefix), common.Prefix));
      }
    }
    return names.sort();
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      // S3 and MinIO answer 204 whether or not the key existed; some S3-compatible stores say NoSuchKey.
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      return;
    } catch (err) {
      const classified = this.fail(err, 'delete', key, 'object');
      if (classified.kind !== StorageErrorKind.notFound) throw classified;
    }
    // A bare 404 (or NoSuchKey) may still hide a missing bucket: ask.
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw this.fail(err, 'delete', key, 'bucket');
    }
  }

  async deleteUnder(prefix: string): Promise<number> {
    checkDeletePrefix(prefix);
    let count = 0;
    for await (const page of this.pages(prefix, 'delete')) {
      const keys = keysOf(page);
      if (keys.length === 0) continue;
      let out;
      try {
        out = await this.client.send(
          new DeleteObjectsCommand({
            Bucket: this.bucket,
            Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
          }),
        );
      } catch (err) {
        throw this.fail(err, 'delete', prefix);
      }
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      const first = failed[0];
      if (first) {
        const error = Object.assign(
          new Error(`${failed.length} of ${keys.length} deletions failed: ${first.Message ?? ''}`),
          {
            Code: first.Code,
          },
        );
        throw this.fail(error, 'delete', first.Key ?? prefix);
      }
      count += keys.length;
    }
    return count;
  }

  close(): Promise<void> {
    this.client.destroy();
    return Promise.resolve();
  }
}

const keysOf = (page: ListObjectsV2CommandOutput): string[] =>
  (page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : []));
