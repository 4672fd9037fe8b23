// The restic adapter's failures that matter, against the real restic, MinIO and fake-gcs-server: a wrong
// password, rejected S3 credentials, a backend that goes away, a killed backup, a lock from a pod that is
// gone. Needs no dev cluster. Every secret is planted in distinctive values that no collected text may hold.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { waitFor } from '../../../src/devcluster/probe.ts';
import type { RepositoryOptions } from '../../../src/restic/repository.ts';
import { componentLockDeleter } from '../../../src/storage/lock-files.ts';
import { createBackend } from '../../../src/storage/backend.ts';
import { resolveStorage } from '../../../src/storage/resolve.ts';
import {
  COMPONENT,
  GCS_TOKEN,
  PASSWORD,
  PREFIX,
  REPOSITORY_PATH,
  WRONG_PASSWORD,
  WRONG_S3_SECRET,
  assertNoPlantedSecret,
  failure,
  gcs,
  gcsKeys,
  localBackend,
  minio,
  open,
  record,
  restic,
  setUp,
  tearDown,
  texts,
  tree,
  walk,
  work,
  type Backend,
} from './fixture.ts';

/** The bucket the rejected-credentials test points at: it exists, as a backup's bucket would. */
const REJECTED_BUCKET = 'rejected-credentials';

before(async () => {
  await setUp();
  await minio.createBucket(REJECTED_BUCKET);
});
after(tearDown);

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
          storage: minio.storageSpec(REJECTED_BUCKET, PREFIX),
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

test('no planted password or credential appears in any error, log or event text', () =>
  assertNoPlantedSecret(100));
