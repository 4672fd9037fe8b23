// Object-storage emulators for tests: MinIO (S3), fake-gcs-server (GCS) and Azurite (Azure Blob), each on
// 127.0.0.1 with free ports, a fresh data directory and generated credentials. A test file starts the ones it
// needs (`const s3 = await startMinio(t)`), and each returns what both Cairn's storage backends and restic
// need to reach it. No dev cluster is involved, so these work with and without the suite's global setup.
//
// Every process is started through startProcess: it dies with the test process even after a SIGKILL. A port
// found free may be taken by another process before the emulator binds it; such a start is tried again on
// fresh ports and in a fresh directory (src/devcluster/ports.ts decides when).
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { startProcess, tailFile, type ManagedProcess } from '../../src/devcluster/processes.ts';
import {
  defaultPortPicker,
  StartupError,
  withPortRetry,
  type PortPicker,
  pickPorts,
} from '../../src/devcluster/ports.ts';
import { probe, waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { BackendOptions } from '../../src/storage/backend.ts';
import type { StorageSpec } from '../../src/storage/types.ts';

/** Something that runs cleanup when it is done: a TestContext (the emulator lives for that test). */
export type CleanupOwner = Pick<TestContext, 'after'>;

export interface EmulatorOptions {
  /** Chooses the emulator's ports (default: any free port); a test hands out a held port through it. */
  pickPort?: PortPicker;
  /** Hears about each start lost to a port another process took. */
  onPortLost?: (message: string) => void;
}

const READY_TIMEOUT_MS = 60_000;

/** What every emulator handle offers. */
export interface Emulator {
  readonly name: string;
  /** The port the emulator listens on (127.0.0.1). */
  readonly port: number;
  /** The fresh directory holding the emulator's data and log; removed by dispose(). */
  readonly dir: string;
  /** Milliseconds from spawn to ready for the most recent start. */
  readonly startupMs: number;
  /** The last lines of the emulator's log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the process (data stays); idempotent. */
  stop(): Promise<void>;
  /** Stops the process and removes its directory (kept when CAIRN_TEST_KEEP is set). */
  dispose(): Promise<void>;
}

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

export interface FakeGcsServer extends Emulator {
  /** `http://127.0.0.1:PORT`, the emulator's API endpoint. */
  readonly endpoint: string;
  readonly projectId: string;
  readonly secretData: Record<string, string>;
  /** STORAGE_EMULATOR_HOST, GOOGLE_ACCESS_TOKEN and GOOGLE_PROJECT_ID. */
  readonly resticEnv: Record<string, string>;
  /** `{ endpoints: { gcs } }`: the emulator endpoint is never part of a user's spec. */
  readonly backendOptions: BackendOptions;
  storageSpec(bucket: string, prefix?: string): StorageSpec;
  createBucket(name: string): Promise<void>;
}

export interface AzuriteServer extends Emulator {
  /** The generated storage account (Azurite serves only this one). */
  readonly accountName: string;
  readonly accountKey: string;
  /** Azurite's path-style account URL, `http://127.0.0.1:PORT/<account>`. */
  readonly accountUrl: string;
  readonly secretData: Record<string, string>;
  /** `{ endpoints: { azure: accountUrl } }`. */
  readonly backendOptions: BackendOptions;
  storageSpec(container: string, prefix?: string): StorageSpec;
  createContainer(name: string): Promise<void>;
}

/** A generated credential: random, and obviously not a real one. */
function generated(label: string, bytes = 12): string {
  return `cairn-test-${label}-${randomBytes(bytes).toString('hex')}`;
}

function keepDirs(): boolean {
  return Boolean(process.env.CAIRN_TEST_KEEP);
}

interface Runner {
  readonly name: string;
  readonly dir: string;
  readonly logFile: string;
  readonly port: number;
  startupMs: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Owns one emulator process: (re)starts it with the same arguments, waits until `ready` says so (aborting
 * when the process exits), and stops it by its own process group.
 */
function runner(opts: {
  name: string;
  dir: string;
  port: number;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  ready: () => Promise<boolean>;
}): Runner {
  const logFile = join(opts.dir, `${opts.name}.log`);
  let proc: ManagedProcess | undefined;
  const self: Runner = {
    name: opts.name,
    dir: opts.dir,
    logFile,
    port: opts.port,
    startupMs: 0,
    async start() {
      if (proc && !proc.hasExited()) return;
      const started = Date.now();
      const current = startProcess({
        name: opts.name,
        command: opts.command,
        args: opts.args,
        env: opts.env,
        cwd: opts.dir,
        logFile,
      });
      proc = current;
      try {
        await waitFor(async () => ((await opts.ready()) ? true : undefined), {
          what: `${opts.name} on 127.0.0.1:${opts.port}`,
          timeoutMs: READY_TIMEOUT_MS,
          intervalMs: 50,
          abortIf: () => (current.hasExited() ? `exited early; log:\n${tailFile(logFile, 30)}` : undefined),
        });
      } catch (err) {
        const exited = current.hasExited();
        await current.stop(2_000);
        const message = err instanceof Error ? err.message : String(err);
        throw new StartupError(opts.name, message, exited, tailFile(logFile, 30), { cause: err });
      }
      self.startupMs = Date.now() - started;
    },
    async stop() {
      const current = proc;
      proc = undefined;
      if (current && !current.hasExited()) await current.stop(5_000);
    },
    async dispose() {
      await self.stop();
      if (!keepDirs()) rmSync(opts.dir, { recursive: true, force: true });
    },
  };
  return self;
}

function handle(r: Runner): Emulator {
  return {
    name: r.name,
    port: r.port,
    dir: r.dir,
    get startupMs() {
      return r.startupMs;
    },
    logTail: (lines = 40) => tailFile(r.logFile, lines),
    stop: () => r.stop(),
    dispose: () => r.dispose(),
  };
}

function emulator<T extends Emulator>(r: Runner, extra: Omit<T, keyof Emulator>): T {
  return Object.assign(handle(r), extra) as T;
}

/**
 * Picks the ports `roles` name, builds the emulator on them (`build` makes its directory and runner) and
 * starts it; a start that loses a port to another process is disposed of and built again on fresh ports.
 */
async function launch<T extends Emulator>(
  roles: readonly string[],
  build: (ports: Record<string, number>) => { r: Runner; make: () => T },
  owner: CleanupOwner | undefined,
  o: EmulatorOptions = {},
): Promise<T> {
  const pick = o.pickPort ?? defaultPortPicker;
  return withPortRetry(
    async () => {
      const ports = await pickPorts(
        pick,
        roles.map((role) => ({ role })),
      );
      const { r, make } = build(ports);
      try {
        await r.start();
      } catch (err) {
        await r.dispose();
        throw err;
      }
      if (owner) owner.after(() => r.dispose());
      return make();
    },
    (err) => o.onPortLost?.(`${err.component} lost its port to another process; starting it on fresh ports`),
  );
}

function portOf(ports: Record<string, number>, role: string): number {
  const port = ports[role];
  if (port === undefined) throw new Error(`no port picked for ${role}`);
  return port;
}

function httpStatusIs(url: string, accept: (status: number) => boolean): () => Promise<boolean> {
  return async () => {
    const res = await probe(url, { timeoutMs: 1_000 });
    return res.status !== 0 && accept(res.status);
  };
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

/** Starts fake-gcs-server (built by setup) with a filesystem backend in a fresh directory. */
export async function startFakeGcs(owner?: CleanupOwner, o?: EmulatorOptions): Promise<FakeGcsServer> {
  const binary = requireBinary(binaryPaths().fakeGcsServer, 'fake-gcs-server');
  const projectId = 'cairn-test';
  const secretData = { GOOGLE_PROJECT_ID: projectId };
  return launch(
    ['fake-gcs-server'],
    (ports) => {
      const port = portOf(ports, 'fake-gcs-server');
      const dir = mkdtempSync(join(tmpdir(), 'cairn-fake-gcs-'));
      const data = join(dir, 'data');
      mkdirSync(data);
      const endpoint = `http://127.0.0.1:${port}`;
      const r = runner({
        name: 'fake-gcs-server',
        dir,
        port,
        command: binary,
        // -data only preloads objects; -filesystem-root is where the filesystem backend keeps them.
        args: [
          '-scheme',
          'http',
          '-host',
          '127.0.0.1',
          '-port',
          String(port),
          '-public-host',
          `127.0.0.1:${port}`,
          '-external-url',
          endpoint,
          '-backend',
          'filesystem',
          '-filesystem-root',
          data,
          '-log-level',
          'warn',
        ],
        env: process.env,
        ready: httpStatusIs(`${endpoint}/storage/v1/b`, (s) => s === 200),
      });
      const make = (): FakeGcsServer =>
        emulator<FakeGcsServer>(r, {
          endpoint,
          projectId,
          secretData,
          resticEnv: {
            STORAGE_EMULATOR_HOST: endpoint,
            GOOGLE_ACCESS_TOKEN: generated('token'),
            GOOGLE_PROJECT_ID: projectId,
          },
          backendOptions: { endpoints: { gcs: endpoint } },
          storageSpec: (bucket, prefix) => ({ provider: 'gcs', gcs: { bucket, prefix } }),
          async createBucket(name) {
            const res = await fetch(`${endpoint}/storage/v1/b?project=${projectId}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name }),
            });
            if (!res.ok) throw new Error(`creating bucket ${name} on fake-gcs-server: HTTP ${res.status}`);
          },
        });
      return { r, make };
    },
    owner,
    o,
  );
}

/** Starts Azurite's blob service (npm devDependency) serving one generated account. */
export async function startAzurite(owner?: CleanupOwner, o?: EmulatorOptions): Promise<AzuriteServer> {
  const require = createRequire(import.meta.url);
  const script = join(require.resolve('azurite/package.json'), '..', 'dist', 'src', 'blob', 'main.js');
  const accountName = `cairntest${randomBytes(4).toString('hex')}`;
  const accountKey = randomBytes(32).toString('base64');
  const secretData = { AZURE_ACCOUNT_NAME: accountName, AZURE_ACCOUNT_KEY: accountKey };
  return launch(
    ['azurite'],
    (ports) => {
      const port = portOf(ports, 'azurite');
      const dir = mkdtempSync(join(tmpdir(), 'cairn-azurite-'));
      const data = join(dir, 'data');
      mkdirSync(data);
      const accountUrl = `http://127.0.0.1:${port}/${accountName}`;
      const r = runner({
        name: 'azurite',
        dir,
        port,
        command: process.execPath,
        args: [
          script,
          '--blobHost',
          '127.0.0.1',
          '--blobPort',
          String(port),
          '--location',
          data,
          '--skipApiVersionCheck',
          '--loose',
          '--silent',
          '--disableTelemetry',
        ],
        // A custom account replaces Azurite's well-known development account.
        env: { ...process.env, AZURITE_ACCOUNTS: `${accountName}:${accountKey}` },
        // Any HTTP answer means it listens; an unauthenticated request gets 4xx.
        ready: httpStatusIs(`${accountUrl}?comp=list`, () => true),
      });
      const make = (): AzuriteServer =>
        emulator<AzuriteServer>(r, {
          accountName,
          accountKey,
          accountUrl,
          secretData,
          backendOptions: { endpoints: { azure: accountUrl } },
          storageSpec: (container, prefix) => ({
            provider: 'azure',
            azure: { storageAccount: accountName, container, prefix },
          }),
          async createContainer(name) {
            const client = new BlobServiceClient(
              accountUrl,
              new StorageSharedKeyCredential(accountName, accountKey),
            );
            await client.getContainerClient(name).create();
          },
        });
      return { r, make };
    },
    owner,
    o,
  );
}
