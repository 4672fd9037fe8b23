// The restic adapter against the real restic, MinIO and fake-gcs-server: the whole life of a component
// repository on local, S3 and GCS storage, then password rotation, copy and dump on local storage.
// Needs no dev cluster. Every secret is planted in distinctive values that no collected text may hold.

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';

import type { RunnerEvent } from '../../../src/restic/run-result.ts';
import {
  COMPONENT,
  COPY_PASSWORD,
  GCS_TOKEN,
  NEW_PASSWORD,
  PREFIX,
  REPOSITORY_PATH,
  RESTIC_ENTRIES,
  assertNoPlantedSecret,
  assertSameTree,
  failure,
  gcs,
  gcsKeys,
  localBackend,
  minio,
  open,
  setUp,
  tearDown,
  tree,
  walk,
  work,
  type Backend,
} from './fixture.ts';

before(setUp);
after(tearDown);

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

test('no planted password or credential appears in any error, log or event text', () =>
  assertNoPlantedSecret(100));
