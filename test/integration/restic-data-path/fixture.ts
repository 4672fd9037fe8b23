// What the restic data-path tests share: the real restic (v0.19.1 from the cache), MinIO and
// fake-gcs-server started per test file, a 300-file source tree, backends on local, S3 and GCS storage, and
// the planted secrets with the texts collected from the adapter, which the file's last test searches.
//
// The state below is set by setUp (a test file's `before`) and read through live bindings.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { binaryPaths, requireBinary } from '../../../src/devcluster/toolchain.ts';
import { ResticRepository, type RepositoryOptions } from '../../../src/restic/repository.ts';
import { ResticError } from '../../../src/restic/errors.ts';
import type { RunnerEvent } from '../../../src/restic/run-result.ts';
import type { StorageSpec } from '../../../src/storage/types.ts';
import {
  startFakeGcs,
  startMinio,
  type FakeGcsServer,
  type MinioServer,
} from '../../harness/objectstores.ts';

export const REPOSITORY_PATH = 'cluster-manifests';
export const COMPONENT = 'repository/v1/frequent-backup/manifest';
export const PREFIX = 'cairn-it';
/** restic's own files in a repository (locks/ only while a command runs). */
export const RESTIC_ENTRIES = ['config', 'data', 'index', 'keys', 'snapshots'];

// Distinctive planted secrets: any appearance in collected text is a leak.
export const PASSWORD = `pw-planted-${randomBytes(8).toString('hex')}`;
export const WRONG_PASSWORD = `pw-wrong-planted-${randomBytes(8).toString('hex')}`;
export const WRONG_S3_SECRET = `s3-wrong-planted-${randomBytes(8).toString('hex')}`;
export const NEW_PASSWORD = `pw-new-planted-${randomBytes(8).toString('hex')}`;
export const COPY_PASSWORD = `pw-copy-planted-${randomBytes(8).toString('hex')}`;
export const GCS_TOKEN = `gcs-token-planted-${randomBytes(8).toString('hex')}`;

export let restic = '';
export let work = '';
export let tree = '';
export let minio: MinioServer;
export let gcs: FakeGcsServer;
/** Every text the adapter produced: events, logs, error messages, stacks and stderr tails. */
export const texts: string[] = [];

function collect(): Pick<RepositoryOptions, 'onEvent'> & { process: RepositoryOptions['process'] } {
  return {
    onEvent: (event: RunnerEvent) => texts.push(JSON.stringify(event)),
    process: {
      binary: restic,
      cacheDir: join(work, 'cache'),
      tmpDir: work,
      log: (message, fields) => texts.push(`${message} ${JSON.stringify(fields)}`),
    },
  };
}

export function record(err: unknown): ResticError {
  assert.ok(err instanceof ResticError, `expected a ResticError, got ${String(err)}`);
  texts.push(err.message, err.stack ?? '', err.stderrTail, err.command);
  return err;
}

export async function failure(promise: Promise<unknown>): Promise<ResticError> {
  try {
    await promise;
  } catch (err) {
    return record(err);
  }
  assert.fail('expected a failure');
}

/** A kubedump-like tree: `<resource>/namespaces/<ns>/<name>.yaml`, a few hundred small files. */
function writeTree(dir: string, files: number): void {
  for (let i = 0; i < files; i++) {
    const resource = ['configmaps', 'deployments.apps', 'services', 'secrets'][i % 4] ?? 'configmaps';
    const folder = join(dir, resource, 'namespaces', `ns-${i % 7}`);
    mkdirSync(folder, { recursive: true });
    const body = randomBytes(150 + (i % 20) * 40).toString('base64');
    writeFileSync(
      join(folder, `object-${i}.yaml`),
      `apiVersion: v1\nkind: Thing\nmetadata:\n  name: object-${i}\ndata: ${body}\n`,
    );
  }
}

export function walk(dir: string): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) visit(full);
      else out.push(relative(dir, full));
    }
  };
  if (existsSync(dir)) visit(dir);
  return out.sort();
}

export function assertSameTree(actual: string, expected: string): void {
  const files = walk(expected);
  assert.deepEqual(walk(actual), files);
  for (const file of files) {
    assert.ok(readFileSync(join(actual, file)).equals(readFileSync(join(expected, file))), `${file} differs`);
  }
}

export interface Backend {
  name: string;
  storage: StorageSpec;
  storageSecret: Record<string, string>;
  env: Record<string, string>;
  /** Every object key (or file path under the mount), relative to the bucket or mount root. */
  keys(): Promise<string[]>;
  /** Where restic's files must be, relative to the same root. */
  repoKey: string;
}

export async function gcsKeys(bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token = '';
  do {
    const url = `${gcs.endpoint}/storage/v1/b/${bucket}/o?maxResults=1000${token ? `&pageToken=${token}` : ''}`;
    const page = (await (await fetch(url)).json()) as { items?: { name: string }[]; nextPageToken?: string };
    for (const item of page.items ?? []) keys.push(item.name);
    token = page.nextPageToken ?? '';
  } while (token);
  return keys.sort();
}

export function localBackend(name: string): Backend & { root: string } {
  const root = join(work, name);
  mkdirSync(root);
  return {
    name: 'local',
    root,
    storage: { provider: 'local', local: { mountPath: root, hostPath: { path: root } } },
    storageSecret: {},
    env: {},
    keys: () => Promise.resolve(walk(root)),
    repoKey: `${REPOSITORY_PATH}/${COMPONENT}`,
  };
}

export function open(
  backend: Backend,
  password = PASSWORD,
  extra: RepositoryOptions = {},
): Promise<ResticRepository> {
  const base = collect();
  return ResticRepository.open(
    {
      storage: backend.storage,
      storageSecret: backend.storageSecret,
      encryptionSecret: { RESTIC_PASSWORD: password },
      repositoryPath: REPOSITORY_PATH,
      componentPath: COMPONENT,
    },
    {
      ...base,
      lockWait: '20s',
      ...extra,
      process: {
        ...base.process,
        env: backend.env,
        backendOutageMs: 3_000,
        graceMs: 3_000,
        ...extra.process,
      },
    },
  );
}

/** Starts the emulators and writes the source tree: a test file's `before`. */
export async function setUp(): Promise<void> {
  restic = requireBinary(binaryPaths().restic, 'restic');
  work = mkdtempSync(join(tmpdir(), 'cairn-restic-it-'));
  tree = join(work, 'source');
  writeTree(tree, 300);
  [minio, gcs] = await Promise.all([startMinio(), startFakeGcs()]);
}

/** Stops the emulators and removes the work directory (kept with CAIRN_TEST_KEEP): a test file's `after`. */
export async function tearDown(): Promise<void> {
  await Promise.all([minio?.dispose(), gcs?.dispose()]);
  if (!process.env.CAIRN_TEST_KEEP) rmSync(work, { recursive: true, force: true });
}

/**
 * The leak check over every text this file's tests collected: none holds a planted secret. `minimum` guards
 * against a check that passes because nothing was collected.
 */
export function assertNoPlantedSecret(minimum: number): void {
  assert.ok(texts.length > minimum, `only ${texts.length} texts collected`);
  const all = texts.join('\n');
  for (const secret of [
    PASSWORD,
    NEW_PASSWORD,
    COPY_PASSWORD,
    WRONG_PASSWORD,
    WRONG_S3_SECRET,
    GCS_TOKEN,
    minio.secretAccessKey,
  ]) {
    assert.equal(all.includes(secret), false, 'a planted secret leaked');
  }
}
