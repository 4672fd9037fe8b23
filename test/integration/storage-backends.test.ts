// The storage backends against the real thing: a local directory, MinIO (S3), fake-gcs-server (GCS) and
// Azurite (Azure), each started by this file. No dev cluster is needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import {
  createBackend,
  listAll,
  type BackendOptions,
  type StorageBackend,
} from '../../src/storage/backend.ts';
import { StorageBackendError, StorageErrorKind } from '../../src/storage/classify.ts';
import { findComponentRepositories } from '../../src/storage/components.ts';
import { StorageConfigError } from '../../src/storage/errors.ts';
import {
  componentLockKey,
  metadataKey,
  repositoryDirKey,
  repositoryKey,
  snapshotKey,
  snapshotNameFromKey,
  snapshotsDirKey,
  storagePrefix,
} from '../../src/storage/paths.ts';
import { resolveStorage } from '../../src/storage/resolve.ts';
import type { ResolvedStorage, StorageSpec } from '../../src/storage/types.ts';
import {
  startAzurite,
  startFakeGcs,
  startMinio,
  type AzuriteServer,
  type FakeGcsServer,
  type MinioServer,
} from '../harness/objectstores.ts';

const PREFIX = 'demo';
const REPO = 'cluster-manifests';
// A neighbour whose name starts with REPO: a prefix match without the trailing "/" would catch it.
const NEIGHBOUR = 'cluster-manifests-old';
const SNAPSHOTS = [
  'cluster-manifests-frequent-backup-1752139981',
  'cluster-manifests-frequent-backup-1752143581',
];

/** What a provider's suite needs: a working backend and one whose bucket does not exist. */
interface Target {
  storage: ResolvedStorage;
  backend: StorageBackend;
  missing: StorageBackend;
}

/** A backend on `spec`, and one on `missingSpec`, whose bucket (or mount directory) does not exist. */
async function open(
  spec: StorageSpec,
  missingSpec: StorageSpec,
  secret: Record<string, string>,
  options: BackendOptions,
  missingOptions: BackendOptions = options,
): Promise<Target> {
  const storage = resolveStorage(spec);
  return {
    storage,
    backend: await createBackend(storage, secret, options),
    missing: await createBackend(resolveStorage(missingSpec), secret, missingOptions),
  };
}

async function close(t: Target | undefined): Promise<void> {
  await t?.backend.close();
  await t?.missing.close();
}

function ready(t: Target | undefined): Target {
  assert.ok(t, 'the suite did not start');
  return t;
}

function isKind(kind: StorageErrorKind, retryable = false) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof StorageBackendError, `expected a StorageBackendError, got ${inspect(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.equal(err.retryable, retryable, err.message);
    return true;
  };
}

/** Every text an error can show, causes included. */
function everyText(err: unknown): string {
  const own = err instanceof Error ? Object.getOwnPropertyNames(err) : undefined;
  return [
    String(err),
    err instanceof Error ? err.stack : '',
    inspect(err, { depth: 20 }),
    JSON.stringify(err, own),
  ].join('\n');
}

function assertNoneOf(err: unknown, planted: string[]): void {
  const text = everyText(err);
  for (const value of planted) {
    for (const form of [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)]) {
      assert.ok(!text.includes(form), `a planted credential appears in the error:\n${text}`);
    }
  }
}

/** Every operation with a wrong credential is access-denied, with none of the planted values in its text. */
async function assertAccessDenied(
  backend: StorageBackend,
  storage: ResolvedStorage,
  planted: string[],
): Promise<void> {
  const key = metadataKey(storage);
  const attempts: [string, () => Promise<unknown>][] = [
    ['get', () => backend.get(key)],
    ['stat', () => backend.stat(key)],
    ['put', () => backend.put(key, 'x')],
    ['list', () => listAll(backend, storagePrefix(storage))],
    ['delete', () => backend.delete(key)],
  ];
  for (const [what, attempt] of attempts) {
    await assert.rejects(
      attempt,
      (err: unknown) => {
        isKind(StorageErrorKind.accessDenied)(err);
        assertNoneOf(err, planted);
        return true;
      },
      what,
    );
  }
}

function yaml(kind: string, name: string): string {
  return `apiVersion: storage.kubestash.com/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;
}

/** The behaviours every provider shares, run against `target()` once its before() has set it up. */
function sharedBehaviours(target: () => Target): void {
  test('writes and reads back metadata.yaml, repository.yaml and snapshot files at the KubeStash keys', async () => {
    const { storage, backend } = target();
    const files = new Map<string, string>([
      [metadataKey(storage), 'apiVersion: config.kubestash.com/v1alpha1\nkind: BackendMeta\n'],
      [repositoryKey(storage, REPO), yaml('Repository', REPO)],
      ...SNAPSHOTS.map((s): [string, string] => [snapshotKey(storage, REPO, s), yaml('Snapshot', s)]),
    ]);
    const before = Date.now();
    for (const [key, text] of files) await backend.put(key, text);
    for (const [key, text] of files) {
      assert.equal((await backend.get(key)).toString('utf8'), text);
      const info = await backend.stat(key);
      assert.ok(info, `stat of ${key}`);
      assert.equal(info.size, Buffer.byteLength(text));
      // Object stores keep seconds; allow for that and a little clock skew.
      assert.ok(
        Math.abs(info.modified.getTime() - before) < 60_000,
        `modified ${info.modified.toISOString()}`,
      );
    }
    assert.deepEqual(await listAll(backend, storagePrefix(storage)), [...files.keys()].sort());
  });

  test("lists a repository's snapshots through its snapshots directory and nothing of a neighbour", async () => {
    const { storage, backend } = target();
    await backend.put(snapshotKey(storage, NEIGHBOUR, 'other-1'), yaml('Snapshot', 'other-1'));
    const keys = await listAll(backend, snapshotsDirKey(storage, REPO));
    assert.deepEqual(
      keys.map((key) => snapshotNameFromKey(storage, REPO, key)),
      [...SNAPSHOTS].sort(),
    );
    assert.deepEqual(await listAll(backend, repositoryDirKey(storage, NEIGHBOUR)), [
      snapshotKey(storage, NEIGHBOUR, 'other-1'),
    ]);
  });

  test('a second put replaces the object and bytes round-trip unchanged', async () => {
    const { storage, backend } = target();
    const key = repositoryKey(storage, REPO);
    const bytes = randomBytes(3000);
    await backend.put(key, bytes, { contentType: 'application/octet-stream' });
    assert.deepEqual(await backend.get(key), bytes);
    assert.equal((await backend.stat(key))?.size, 3000);
    await backend.put(key, yaml('Repository', REPO));
    assert.equal((await backend.get(key)).toString('utf8'), yaml('Repository', REPO));
  });

  test('a missing object is not-found on get and undefined on stat', async () => {
    const { storage, backend } = target();
    const key = snapshotKey(storage, REPO, 'never-written');
    await assert.rejects(backend.get(key), isKind(StorageErrorKind.notFound));
    assert.equal(await backend.stat(key), undefined);
    assert.deepEqual(await listAll(backend, snapshotsDirKey(storage, 'no-such-repo')), []);
  });

  test('a missing bucket is bucket-missing on get, stat, list, put and delete', async () => {
    const { storage, missing } = target();
    const key = metadataKey(storage);
    await assert.rejects(missing.delete(key), isKind(StorageErrorKind.bucketMissing));
    await assert.rejects(
      missing.subdirectories(storagePrefix(storage)),
      isKind(StorageErrorKind.bucketMissing),
    );
    await assert.rejects(missing.get(key), isKind(StorageErrorKind.bucketMissing));
    await assert.rejects(missing.stat(key), isKind(StorageErrorKind.bucketMissing));
    await assert.rejects(listAll(missing, storagePrefix(storage)), isKind(StorageErrorKind.bucketMissing));
    await assert.rejects(missing.put(key, 'x'), isKind(StorageErrorKind.bucketMissing));
  });

  test('a key outside the layout is refused before any request', async () => {
    const { backend } = target();
    await assert.rejects(backend.get('/demo/metadata.yaml'), StorageConfigError);
    await assert.rejects(backend.put('demo/../../etc/passwd', 'x'), StorageConfigError);
    await assert.rejects(backend.deleteUnder(''), StorageConfigError);
  });

  test('delete removes one lock file and nothing beside it; deleting it again succeeds', async () => {
    const { storage, backend } = target();
    const before = await listAll(backend, storagePrefix(storage));
    const component = 'repository/v1/frequent-backup/manifest';
    const [dead, live] = ['a', 'b'].map((c) => componentLockKey(storage, REPO, component, c.repeat(64)));
    assert.ok(dead && live);
    await backend.put(dead, 'lock');
    await backend.put(live, 'lock');
    await backend.delete(dead);
    assert.equal(await backend.stat(dead), undefined);
    assert.equal((await backend.get(live)).toString('utf8'), 'lock');
    await backend.delete(dead);
    await backend.delete(live);
    assert.deepEqual(await listAll(backend, storagePrefix(storage)), before);
    await assert.rejects(backend.delete(`${dead}/`), StorageConfigError);
  });

  test('finds the component repositories that hold a restic config, through directory listings', async () => {
    const { storage, backend } = target();
    const dir = repositoryDirKey(storage, 'discover');
    const files = [
      'repository/v1/frequent-backup/manifest/config',
      'repository/v1/frequent-backup/manifest/data/ab/ab12',
      'repository/v1/frequent-backup/not-restic/data/cd/cd34',
      'repository/v1/weekly-backup/extra/config',
      'repository/v2/s/c/config',
      'snapshots/discover-frequent-backup-1.yaml',
    ];
    for (const file of files) await backend.put(`${dir}/${file}`, 'x');
    try {
      assert.deepEqual(await backend.subdirectories(dir), ['repository', 'snapshots']);
      assert.deepEqual(await backend.subdirectories(`${dir}/repository/v1`), [
        'frequent-backup',
        'weekly-backup',
      ]);
      assert.deepEqual(await backend.subdirectories(`${dir}/snapshots`), []);
      assert.deepEqual(await backend.subdirectories(`${dir}/nothing-here`), []);
      assert.deepEqual(await findComponentRepositories(backend, storage, 'discover'), [
        'repository/v1/frequent-backup/manifest',
        'repository/v1/weekly-backup/extra',
        'repository/v2/s/c',
      ]);
      assert.deepEqual(await findComponentRepositories(backend, storage, 'no-such-repository'), []);
    } finally {
      await backend.deleteUnder(dir);
    }
  });

  test('deleteUnder removes a repository directory and nothing beside it', async () => {
    const { storage, backend } = target();
    const deleted = await backend.deleteUnder(repositoryDirKey(storage, REPO));
    assert.equal(deleted, 1 + SNAPSHOTS.length);
    assert.deepEqual(
      await listAll(backend, storagePrefix(storage)),
      [metadataKey(storage), snapshotKey(storage, NEIGHBOUR, 'other-1')].sort(),
    );
    assert.equal(await backend.deleteUnder(repositoryDirKey(storage, REPO)), 0);
  });
}

describe('local backend', () => {
  let dir = '';
  let t: Target | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-local-backend-'));
    mkdirSync(join(dir, 'mounted'));
    const spec: StorageSpec = {
      provider: 'local',
      local: { mountPath: '/safe/data', hostPath: { path: '/x' } },
    };
    t = await open(
      spec,
      spec,
      {},
      { localRoot: join(dir, 'mounted') },
      { localRoot: join(dir, 'not-mounted') },
    );
  });
  after(async () => {
    await close(t);
    rmSync(dir, { recursive: true, force: true });
  });

  sharedBehaviours(() => ready(t));

  test('writes leave no temp file behind and never create the mount directory', async () => {
    const { backend, missing } = ready(t);
    await backend.put('a/b/c.yaml', 'x');
    assert.deepEqual(readdirSync(join(dir, 'mounted', 'a', 'b')), ['c.yaml']);
    await assert.rejects(missing.put('a.yaml', 'x'), isKind(StorageErrorKind.bucketMissing));
    assert.deepEqual(readdirSync(dir), ['mounted']);
  });
});

describe('S3 backend (MinIO)', () => {
  let minio: MinioServer | undefined;
  let t: Target | undefined;
  before(async () => {
    minio = await startMinio();
    process.stdout.write(`# minio ready in ${minio.startupMs} ms\n`);
    await minio.createBucket('cairn-test');
    t = await open(
      minio.storageSpec('cairn-test', PREFIX),
      minio.storageSpec('never-created', PREFIX),
      minio.secretData,
      minio.backendOptions,
    );
  });
  after(async () => {
    await close(t);
    await minio?.dispose();
  });
  const server = (): MinioServer => {
    assert.ok(minio, 'MinIO did not start');
    return minio;
  };

  sharedBehaviours(() => ready(t));

  test('lists and deletes more than 1000 keys, across pages', async () => {
    const { storage, backend } = ready(t);
    const dirKey = repositoryDirKey(storage, 'many');
    const keys = Array.from(
      { length: 1005 },
      (_, i) => `${dirKey}/snapshots/s-${String(i).padStart(4, '0')}.yaml`,
    );
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) await backend.put(key, 'x');
      }),
    );
    assert.deepEqual(await listAll(backend, dirKey), keys);
    assert.equal(await backend.deleteUnder(dirKey), 1005);
    assert.deepEqual(await listAll(backend, dirKey), []);
  });

  test('a wrong credential is access-denied, and its value appears nowhere in the error', async () => {
    const { storage } = ready(t);
    const planted = {
      AWS_ACCESS_KEY_ID: `CAIRNPLANTED${randomBytes(4).toString('hex').toUpperCase()}`,
      AWS_SECRET_ACCESS_KEY: `cairn-planted-wrong-secret-${randomBytes(8).toString('hex')}`,
    };
    const wrongSecretOnly = {
      AWS_ACCESS_KEY_ID: server().accessKeyId,
      AWS_SECRET_ACCESS_KEY: planted.AWS_SECRET_ACCESS_KEY,
    };
    for (const secret of [planted, wrongSecretOnly]) {
      const backend = await createBackend(storage, secret, server().backendOptions);
      try {
        await assertAccessDenied(backend, storage, Object.values(planted));
      } finally {
        await backend.close();
      }
    }
  });

  test('a stopped MinIO is a retryable unreachable error, and the same backend works once it is back', async () => {
    const { storage, backend } = ready(t);
    const key = metadataKey(storage);
    await backend.put(key, 'before the outage');
    await server().stop();
    await assert.rejects(backend.get(key), isKind(StorageErrorKind.unreachable, true));
    await assert.rejects(backend.put(key, 'during'), isKind(StorageErrorKind.unreachable, true));
    await server().restart();
    process.stdout.write(`# minio restarted in ${server().startupMs} ms\n`);
    assert.equal((await backend.get(key)).toString('utf8'), 'before the outage');
    await backend.put(key, 'after the outage');
    assert.equal((await backend.get(key)).toString('utf8'), 'after the outage');
  });
});

describe('GCS backend (fake-gcs-server)', () => {
  let gcs: FakeGcsServer | undefined;
  let t: Target | undefined;
  before(async () => {
    gcs = await startFakeGcs();
    process.stdout.write(`# fake-gcs-server ready in ${gcs.startupMs} ms\n`);
    await gcs.createBucket('cairn-test');
    t = await open(
      gcs.storageSpec('cairn-test', PREFIX),
      gcs.storageSpec('never-created', PREFIX),
      gcs.secretData,
      gcs.backendOptions,
    );
  });
  after(async () => {
    await close(t);
    await gcs?.dispose();
  });

  sharedBehaviours(() => ready(t));
});

describe('Azure backend (Azurite)', () => {
  let azurite: AzuriteServer | undefined;
  let t: Target | undefined;
  before(async () => {
    azurite = await startAzurite();
    process.stdout.write(`# azurite ready in ${azurite.startupMs} ms\n`);
    await azurite.createContainer('cairn-test');
    t = await open(
      azurite.storageSpec('cairn-test', PREFIX),
      azurite.storageSpec('never-created', PREFIX),
      azurite.secretData,
      azurite.backendOptions,
    );
  });
  after(async () => {
    await close(t);
    await azurite?.dispose();
  });

  sharedBehaviours(() => ready(t));

  test('a wrong account key is access-denied, and its value appears nowhere in the error', async () => {
    const { storage } = ready(t);
    assert.ok(azurite);
    const plantedKey = Buffer.from(`cairn-planted-azure-key-${randomBytes(12).toString('hex')}`).toString(
      'base64',
    );
    const backend = await createBackend(
      storage,
      { AZURE_ACCOUNT_NAME: azurite.accountName, AZURE_ACCOUNT_KEY: plantedKey },
      azurite.backendOptions,
    );
    try {
      await assertAccessDenied(backend, storage, [plantedKey]);
    } finally {
      await backend.close();
    }
  });
});
