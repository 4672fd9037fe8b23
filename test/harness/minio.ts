// MinIO (S3) for tests: on 127.0.0.1 with free ports, a fresh data directory and generated root credentials;
// the handle gives what both Cairn's storage backends and restic need to reach it, plus bucket helpers.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { BackendOptions } from '../../src/storage/backend.ts';
import type { StorageSpec } from '../../src/storage/types.ts';
import {
  emulator,
  generated,
  httpStatusIs,
  launch,
  portOf,
  runner,
  type CleanupOwner,
  type Emulator,
  type EmulatorOptions,
} from './emulator-launcher.ts';

export interface MinioServer extends Emulator {
  /** `http://127.0.0.1:PORT`, the value for `spec.storage.s3.endpoint`. */
  readonly endpoint: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Decoded data of the BackupStorage's storage Secret, with KubeStash's key names. */
  readonly secretData: Record<string, string>;
  /** Environment for a restic process (the repository URL comes from the storage spec). */
  readonly resticEnv: Record<string, string>;
  /** Options for createBackend: none are needed, the endpoint is part of the spec. */
  readonly backendOptions: BackendOptions;
  /** A `spec.storage` pointing at a bucket of this server. */
  storageSpec(bucket: string, prefix?: string): StorageSpec;
  createBucket(name: string): Promise<void>;
  /** A client of this server with the SDK settings MinIO needs; the caller destroys it. */
  s3Client(): S3Client;
  /** Every object key in `bucket` under `prefix` (a plain string prefix), sorted. */
  keys(bucket: string, prefix?: string): Promise<string[]>;
  /** Stops MinIO if it runs and starts it again on the same port, data directory and credentials. */
  restart(): Promise<void>;
}

/** Starts MinIO (built by setup) with generated root credentials. */
export async function startMinio(owner?: CleanupOwner, o?: EmulatorOptions): Promise<MinioServer> {
  const binary = requireBinary(binaryPaths().minio, 'MinIO');
  const accessKeyId = generated('user', 6);
  const secretAccessKey = generated('password');
  const region = 'us-east-1';
  const secretData = { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey };
  return launch(
    ['minio', 'minio-console'],
    (ports) => {
      const port = portOf(ports, 'minio');
      const dir = mkdtempSync(join(tmpdir(), 'cairn-minio-'));
      const data = join(dir, 'data');
      const certs = join(dir, 'certs');
      mkdirSync(data);
      mkdirSync(certs);
      const endpoint = `http://127.0.0.1:${port}`;
      const r = runner({
        name: 'minio',
        dir,
        port,
        command: binary,
        args: [
          'server',
          data,
          '--address',
          `127.0.0.1:${port}`,
          '--console-address',
          `127.0.0.1:${portOf(ports, 'minio-console')}`,
          '--certs-dir',
          certs,
          '--quiet',
        ],
        env: {
          ...process.env,
          MINIO_ROOT_USER: accessKeyId,
          MINIO_ROOT_PASSWORD: secretAccessKey,
          MINIO_BROWSER: 'off',
          MINIO_UPDATE: 'off',
          MINIO_REGION: region,
        },
        ready: httpStatusIs(`${endpoint}/minio/health/ready`, (s) => s === 200),
      });
      const s3Client = (): S3Client =>
        new S3Client({
          endpoint,
          region,
          forcePathStyle: true,
          credentials: { accessKeyId, secretAccessKey },
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        });
      const make = (): MinioServer =>
        emulator<MinioServer>(r, {
          endpoint,
          region,
          accessKeyId,
          secretAccessKey,
          secretData,
          resticEnv: { ...secretData, AWS_DEFAULT_REGION: region },
          backendOptions: {},
          storageSpec: (bucket, prefix) => ({ provider: 's3', s3: { endpoint, bucket, prefix, region } }),
          async createBucket(name) {
            const client = s3Client();
            try {
              await client.send(new CreateBucketCommand({ Bucket: name }));
            } finally {
              client.destroy();
            }
          },
          s3Client,
          async keys(bucket, prefix = '') {
            const client = s3Client();
            try {
              const keys: string[] = [];
              let token: string | undefined;
              do {
                const page = await client.send(
                  new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
                );
                for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
                token = page.NextContinuationToken;
              } while (token);
              return keys.sort();
            } finally {
              client.destroy();
            }
          },
          async restart() {
            await r.stop();
            await r.start();
          },
        });
      return { r, make };
    },
    owner,
    o,
  );
}
