// The restic adapter against the real restic (v0.19.1 from the cache), MinIO and fake-gcs-server: the
// whole life of a component repository on local, S3 and GCS storage, then the failures that matter
// (wrong password, a backend that goes away, a killed backup, a lock from a pod that is gone), with every
// secret planted in distinctive values that must never show up in any text Cairn produces.
//
// Needs no dev cluster. The emulators come from test/harness/objectstores.ts.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
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
import { Writable } from 'node:stream';

import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { ResticRepository, type RepositoryOptions } from '../../src/restic/repository.ts';
import { ResticError } from '../../src/restic/errors.ts';
import { componentLockDeleter } from '../../src/storage/lock-files.ts';
import type { RunnerEvent } from '../../src/restic/run-result.ts';
import { createBackend } from '../../src/storage/backend.ts';
import { resolveStorage } from '../../src/storage/resolve.ts';
import type { StorageSpec } from '../../src/storage/types.ts';
import { startFakeGcs, startMinio, type FakeGcsServer, type MinioServer } from '../harness/objectstores.ts';

const REPOSITORY_PATH = 'cluster-manifests';
const COMPONENT = 'repository/v1/frequent-backup/manifest';
const PREFIX = 'cairn-it';
/** restic's own files in a repository (locks/ only while a command runs). */
const RESTIC_ENTRIES = ['config', 'data', 'index', 'keys', 'snapshots'];

// Distinctive planted secrets: any appearance in collected text is a leak.
const PASSWORD = `pw-planted-${randomBytes(8).toString('hex')}`;
const WRONG_PASSWORD = `pw-wrong-planted-${randomBytes(8).toString('hex')}`;
const WRONG_S3_SECRET = `s3-wrong-planted-${randomBytes(8).toString('hex')}`;
const NEW_PASSWORD = `pw-new-planted-${randomBytes(8).toString('hex')}`;
const COPY_PASSWORD = `pw-copy-planted-${randomBytes(8).toString('hex')}`;
const GCS_TOKEN = `gcs-token-planted-${randomBytes(8).toString('hex')}`;

let restic = '';
let work = '';
let tree = '';
let minio: MinioServer;
let gcs: FakeGcsServer;
/** Every text the adapter produced: events, logs, error messages, stacks and stderr tails. */
const texts: string[] = [];

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

function record(err: unknown): ResticError {
  assert.ok(err instanceof ResticError, `expected a ResticError, got ${String(err)}`);
  texts.push(err.message, err.stack ?? '', err.stderrTail, err.command);
  return err;
}

async function failure(promise: Promise<unknown>): Promise<ResticError> {
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

function walk(dir: string): string[] {
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

function assertSameTree(actual: string, expected: string): void {
  const files = walk(expected);
  assert.deepEqual(walk(actual), files);
  for (const file of files) {
    assert.ok(readFileSync(join(actual, file)).equals(readFileSync(join(expected, file))), `${file} differs`);
  }
}

interface Backend {
  name: string;
  storage: StorageSpec;
  storageSecret: Record<string, string>;
  env: Record<string, string>;
  /** Every object key (or file path under the mount), relative to the bucket or mount root. */
  keys(): Promise<string[]>;
  /** Where restic's files must be, relative to the same root. */
  repoKey: string;
}

async function gcsKeys(bucket: string): Promise<string[]> {
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

function localBackend(name: string): Backend & { root: string } {
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

function open(
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

before(async () => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  work = mkdtempSync(join(tmpdir(), 'cairn-restic-it-'));
  tree = join(work, 'source');
  writeTree(tree, 300);
  [minio, gcs] = await Promise.all([startMinio(), startFakeGcs()]);
});

after(async () => {
  await Promise.all([minio?.dispose(), gcs?.dispose()]);
  if (!process.env.CAIRN_TEST_KEEP) rmSync(work, { recursive: true, force: true });
});

describe('a component repository through its whole life', { concurrency: true }, () => {
  const backends: (() => Promise<Backend>)[] = [
    () => Promise.resolve(localBackend('local-life')),
    // The bucket does not exist yet: restic's init creates it.
    () =>
      Promise.resolve({
        name: 's3',
        storage: minio.storageSpec('life', PREFIX),
        storageSecret: { ...minio.secretData },
        env: {},
        keys: () => minio.keys('life'),
        repoKey: `${PREFIX}/${REPOSITORY_PATH}/${COMPONENT}`,
      }),
    async () => {
      await gcs.createBucket('life');
      return {
        name: 'gcs',
        storage: gcs.storageSpec('life', PREFIX),
        storageSecret: { ...gcs.secretData, GOOGLE_ACCESS_TOKEN: GCS_TOKEN },
        env: { STORAGE_EMULATOR_HOST: gcs.endpoint },
        keys: () => gcsKeys('life'),
        repoKey: `${PREFIX}/${REPOSITORY_PATH}/${COMPONENT}`,
      };
    },
  ];

  for (const [index, make] of backends.entries()) {
    const name = ['local', 's3', 'gcs'][index] ?? '';
    test(`${name}: init, backup, restore, check, forget and prune behave as restic promises`, async (t) => {
      const backend = await make();
      const repo = await open(backend);
      // Each backend gets its own copy: the tests below change the tree, and the backends run in parallel.
      const source = join(work, `source-${name}`);
      cpSync(tree, source, { recursive: true });
      t.after(() => repo.close());

      await t.test('init creates the repository once; a second init finds it', async () => {
        const first = await repo.init();
        assert.equal(first.created, true);
        assert.match(first.id, /^[0-9a-f]{64}$/);
        assert.deepEqual(await repo.init(), { created: false, id: first.id });
      });

      let firstId = '';
      let firstPacked = 0;
      await t.test('a backup of 300 files lands in exactly the component layout', async () => {
        const progress: RunnerEvent[] = [];
        const result = await repo.backup(
          { paths: [source], host: 'cairn-test', tags: ['session=frequent-backup'] },
          { onEvent: (e) => progress.push(e) },
        );
        assert.equal(result.incomplete, false);
        assert.equal(result.summary.filesNew, 300);
        assert.ok(result.snapshotId?.match(/^[0-9a-f]{64}$/));
        firstId = result.snapshotId ?? '';
        firstPacked = result.summary.dataAddedPacked;

        const keys = await backend.keys();
        const outside = keys.filter((key) => !key.startsWith(`${backend.repoKey}/`));
        assert.deepEqual(outside, []);
        const entries = new Set(keys.map((key) => key.slice(backend.repoKey.length + 1).split('/')[0]));
        assert.deepEqual([...entries].sort(), RESTIC_ENTRIES);
      });

      await t.test('snapshots lists the backup with its host and tags', async () => {
        const snapshots = await repo.snapshots();
        assert.equal(snapshots.length, 1);
        assert.equal(snapshots[0]?.id, firstId);
        assert.equal(snapshots[0]?.hostname, 'cairn-test');
        assert.deepEqual(snapshots[0]?.tags, ['session=frequent-backup']);
        assert.equal(snapshots[0]?.summary?.filesNew, 300);
      });

      await t.test('a restore into a new directory equals the source byte for byte', async () => {
        const target = join(work, `restore-${name}`);
        const summary = await repo.restore({ snapshot: firstId, subfolder: source, target });
        // restic counts directories as restored files too.
        assert.equal(summary.filesSkipped, 0);
        assert.equal(summary.filesRestored, summary.totalFiles);
        assertSameTree(target, source);
      });

      await t.test('check passes, reading a subset of the data', async () => {
        const check = await repo.check({ readDataSubset: '50%' });
        assert.deepEqual(check, {
          ok: true,
          numErrors: 0,
          brokenPacks: [],
          suggestRepairIndex: false,
          suggestPrune: false,
          errors: [],
        });
      });

      let secondId = '';
      await t.test('a second backup of the unchanged tree adds almost nothing', async () => {
        const result = await repo.backup({ paths: [source], host: 'cairn-test' });
        secondId = result.snapshotId ?? '';
        assert.equal(result.summary.filesUnmodified, 300);
        assert.equal(result.summary.filesNew + result.summary.filesChanged, 0);
        assert.ok(result.summary.dataAddedPacked < 2048, `added ${result.summary.dataAddedPacked} bytes`);
        assert.ok(result.summary.dataAddedPacked < firstPacked / 100);
      });

      await t.test('forget by ID plus prune removes the data only that snapshot held', async () => {
        const extra = join(source, 'extra');
        mkdirSync(extra);
        for (let i = 0; i < 8; i++) writeFileSync(join(extra, `blob-${i}.bin`), randomBytes(64 * 1024));
        try {
          const third = await repo.backup({ paths: [source], host: 'cairn-test' });
          const grown = await repo.stats({ mode: 'raw-data' });
          await repo.forget([third.snapshotId ?? ''], { prune: false });
          await repo.prune({ maxUnused: '0%' });
          const shrunk = await repo.stats({ mode: 'raw-data' });
          assert.ok(
            grown.totalSize - shrunk.totalSize >= 8 * 64 * 1024 * 0.9,
            `prune freed ${grown.totalSize - shrunk.totalSize} bytes`,
          );
          assert.equal(shrunk.snapshotsCount, 2);
        } finally {
          rmSync(extra, { recursive: true, force: true });
        }
      });

      await t.test('forget by keep rules keeps the newest snapshot and the check still passes', async () => {
        const groups = await repo.forgetByPolicy({ last: 1 }, { prune: true });
        assert.equal(groups.length, 1);
        assert.deepEqual(groups[0]?.keep, [secondId]);
        assert.deepEqual(groups[0]?.remove, [firstId]);
        assert.deepEqual(
          (await repo.snapshots()).map((s) => s.id),
          [secondId],
        );
        assert.equal((await repo.check()).ok, true);
      });
    });
  }

  test('local: password rotation, copy to a second repository and dump of one file', async (t) => {
    const backend = localBackend('local-keys');
    const repo = await open(backend);
    const copyBackend = localBackend('local-copy');
    const copy = await open(copyBackend, COPY_PASSWORD);
    t.after(() => Promise.all([repo.close(), copy.close()]));
    await repo.init();
    const { snapshotId = '' } = await repo.backup({ paths: [tree], host: 'cairn-test' });

    await t.test('rotation adds a key for the new password and removes the old one', async () => {
      const rotation = await repo.rotatePassword(NEW_PASSWORD);
      const keys = await rotation.repository.keys();
      assert.deepEqual(
        keys.map((k) => [k.id, k.current]),
        [[rotation.addedKeyId, true]],
      );
      const old = await failure(repo.snapshots());
      assert.equal(old.kind, 'wrong-password');
      assert.equal((await rotation.repository.snapshots())[0]?.id, snapshotId);
    });

    await t.test('copy brings the snapshot into another repository with its own password', async () => {
      await copy.init();
      await copy.copyFrom(repo.withPassword(NEW_PASSWORD));
      const copied = await copy.snapshots();
      assert.equal(copied.length, 1);
      assert.equal(copied[0]?.tree, (await repo.withPassword(NEW_PASSWORD).snapshots())[0]?.tree);
    });

    await t.test('dump streams one file of a snapshot byte for byte', async () => {
      const file = walk(tree)[0] ?? '';
      const chunks: Buffer[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(chunk);
          done();
        },
      });
      await copy.dump({ snapshot: 'latest', file: join(tree, file) }, sink);
      assert.ok(Buffer.concat(chunks).equals(readFileSync(join(tree, file))));
    });
  });
});

/** 12 MiB of incompressible data, for backups that must still be uploading when something happens. */
function writeBig(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (let i = 0; i < 12; i++) writeFileSync(join(dir, `part-${i}.bin`), randomBytes(1024 * 1024));
  return dir;
}

/** Small packs and a rate limit make an upload last about 4 s, so it can be interrupted midway. */
const SLOW: RepositoryOptions = { common: { packSize: 4, limitUpload: 3072 } };

describe('failures', { concurrency: true }, () => {
  test('a wrong password is classified wrong-password and never retried', async (t) => {
    const backend = localBackend('local-password');
    const good = await open(backend);
    t.after(() => good.close());
    await good.init();

    let starts = 0;
    const wrong = await open(backend, WRONG_PASSWORD, {
      process: {
        log: (message, fields) => {
          texts.push(`${message} ${JSON.stringify(fields)}`);
          if (message === 'restic started') starts++;
        },
      },
    });
    t.after(() => wrong.close());
    for (const attempt of [() => wrong.init(), () => wrong.backup({ paths: [tree] }), () => wrong.check()]) {
      starts = 0;
      const err = await failure(attempt());
      assert.equal(err.kind, 'wrong-password');
      assert.equal(err.retryable, false);
      // init reads the config once; backup runs once; check runs its stale-lock cleanup, which fails first.
      assert.equal(starts, 1);
    }
  });

  test('S3 failures', async (t) => {
    await t.test(
      'rejected credentials fail at once as backend-auth, not after 15 minutes of retries',
      async () => {
        const repo = await open({
          name: 's3',
          storage: minio.storageSpec('life', PREFIX),
          storageSecret: { ...minio.secretData, AWS_SECRET_ACCESS_KEY: WRONG_S3_SECRET },
          env: {},
          keys: () => Promise.resolve([]),
          repoKey: '',
        });
        try {
          const started = Date.now();
          const err = await failure(repo.snapshots());
          assert.equal(err.kind, 'backend-auth');
          assert.equal(err.retryable, false);
          assert.ok(Date.now() - started < 10_000);
        } finally {
          await repo.close();
        }
      },
    );

    await t.test(
      'MinIO stopped mid-backup is retryable; after a restart the next backup and check pass',
      async () => {
        const bucket = 'outage';
        const backend: Backend = {
          name: 's3',
          storage: minio.storageSpec(bucket, PREFIX),
          storageSecret: { ...minio.secretData },
          env: {},
          keys: () => minio.keys(bucket),
          repoKey: `${PREFIX}/${REPOSITORY_PATH}/${COMPONENT}`,
        };
        const slow = await open(backend, PASSWORD, SLOW);
        const repo = await open(backend);
        try {
          await repo.init();
          const big = writeBig('big-outage');
          const backup = slow.backup({ paths: [big] }).then(
            () => undefined,
            (err: unknown) => err,
          );
          // The upload has begun once the first pack is in the bucket.
          await waitFor(
            async () =>
              (await minio.keys(bucket)).some((k) => k.startsWith(`${backend.repoKey}/data/`))
                ? true
                : undefined,
            { what: 'the first data pack in the bucket', timeoutMs: 30_000, intervalMs: 50 },
          );
          await minio.stop();
          const err = record(await backup);
          assert.equal(err.kind, 'backend-unavailable');
          assert.equal(err.retryable, true);
          assert.match(err.message, /connection refused/);

          await minio.restart();
          assert.ok((await repo.backup({ paths: [big] })).snapshotId);
          assert.equal((await repo.check()).ok, true);
          assert.deepEqual(await repo.listLocks(), []);
        } finally {
          await Promise.all([slow.close(), repo.close()]);
        }
      },
    );
  });

  test('a backup killed with SIGKILL mid-upload leaves a lock that neither the next backup nor check trips on', async (t) => {
    const backend = localBackend('local-killed');
    const slow = await open(backend, PASSWORD, SLOW);
    const repo = await open(backend);
    t.after(() => Promise.all([slow.close(), repo.close()]));
    await repo.init();
    const big = writeBig('big-killed');

    let pid = 0;
    const backup = slow.backup({ paths: [big] }, { onSpawn: (p) => (pid = p) }).then(
      () => undefined,
      (err: unknown) => err,
    );
    const dataDir = join(backend.root, backend.repoKey, 'data');
    await waitFor(() => (walk(dataDir).length > 0 ? true : undefined), {
      what: 'the first data pack on disk',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    process.kill(pid, 'SIGKILL');
    const err = record(await backup);
    assert.equal(err.kind, 'killed');
    assert.equal(err.retryable, true);
    assert.deepEqual(
      (await repo.listLocks()).map((l) => l.pid),
      [pid],
    );

    assert.ok((await repo.backup({ paths: [big] })).snapshotId);
    assert.equal((await repo.check()).ok, true);
    assert.deepEqual(await repo.listLocks(), []);
  });

  // On GCS: the tests beside it stop MinIO, and a GCS 404 does not say whether the object or the bucket is
  // missing, the subtle case of StorageBackend.delete.
  test('a lock from a pod that is gone blocks check until Cairn removes it through the GCS backend; restic unlock cannot', async (t) => {
    // restic under another hostname, as in a pod: os.Hostname() is what restic writes into its lock. A
    // new UTS namespace needs root, or a user namespace where the machine allows unprivileged ones.
    const unshare = [['--uts'], ['--user', '--map-root-user', '--uts']].find(
      (flags) => spawnSync('unshare', [...flags, 'true']).status === 0,
    );
    assert.ok(unshare, 'unshare cannot create a UTS namespace here (needs root or user namespaces)');
    const podRestic = join(work, 'restic-in-pod');
    writeFileSync(
      podRestic,
      `#!/bin/sh\nexec unshare ${unshare.join(' ')} sh -c 'hostname backup-pod-x1; exec "$0" "$@"' ${JSON.stringify(restic)} "$@"\n`,
    );
    chmodSync(podRestic, 0o755);

    const bucket = 'gone-pod';
    await gcs.createBucket(bucket);
    const backend: Backend = {
      name: 'gcs',
      storage: gcs.storageSpec(bucket, PREFIX),
      storageSecret: { ...gcs.secretData, GOOGLE_ACCESS_TOKEN: GCS_TOKEN },
      env: { STORAGE_EMULATOR_HOST: gcs.endpoint },
      keys: () => gcsKeys(bucket),
      repoKey: `${PREFIX}/${REPOSITORY_PATH}/${COMPONENT}`,
    };
    const repo = await open(backend, PASSWORD, { lockWait: '2s' });
    const inPod = await open(backend, PASSWORD, { ...SLOW, process: { binary: podRestic } });
    const storage = resolveStorage(backend.storage);
    const objects = await createBackend(storage, gcs.secretData, gcs.backendOptions);
    t.after(() => Promise.all([repo.close(), inPod.close(), objects.close()]));
    await repo.init();
    const big = writeBig('big-pod');
    let pid = 0;
    const backup = inPod.backup({ paths: [big] }, { onSpawn: (p) => (pid = p) }).catch(record);
    const lockKeys = async (): Promise<string[]> =>
      (await backend.keys()).filter((k) => k.startsWith(`${backend.repoKey}/locks/`));
    await waitFor(async () => ((await lockKeys()).length > 0 ? true : undefined), {
      what: 'the pod backup lock',
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    process.kill(pid, 'SIGKILL');
    await backup;

    assert.equal(await repo.unlock(), 0, 'restic unlock keeps a lock from another host younger than 30 min');
    const blocked = await failure(repo.check());
    assert.equal(blocked.kind, 'lock-failed');
    assert.equal(blocked.retryable, true);
    assert.match(blocked.message, /locked by PID \d+ on backup-pod-x1/);

    const [podLock] = await lockKeys();
    const cleanup = await repo.cleanupLocks(
      { isHostGone: (host) => host === 'backup-pod-x1' },
      componentLockDeleter(objects, storage, REPOSITORY_PATH, COMPONENT),
    );
    assert.deepEqual(
      cleanup.judgements.map((j) => [j.lock.hostname, j.verdict]),
      [['backup-pod-x1', 'host-gone']],
    );
    assert.deepEqual(
      cleanup.removed.map((id) => `${backend.repoKey}/locks/${id}`),
      [podLock],
    );
    assert.deepEqual(await lockKeys(), []);
    assert.equal((await repo.check()).ok, true);
  });
});

test('no planted password or credential appears in any error, log or event text', () => {
  assert.ok(texts.length > 100, `only ${texts.length} texts collected`);
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
});
