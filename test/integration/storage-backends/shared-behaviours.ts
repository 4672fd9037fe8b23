// The behaviours every storage backend shares (KubeStash's keys, listing, replacing, missing objects and
// buckets, keys outside the layout, lock files, component repositories, deleteUnder), registered as tests
// inside a provider's describe().
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { listAll } from '../../../src/storage/backend.ts';
import { StorageErrorKind } from '../../../src/storage/classify.ts';
import { findComponentRepositories } from '../../../src/storage/components.ts';
import { StorageConfigError } from '../../../src/storage/errors.ts';
import {
  componentLockKey,
  metadataKey,
  repositoryDirKey,
  repositoryKey,
  snapshotKey,
  snapshotNameFromKey,
  snapshotsDirKey,
  storagePrefix,
} from '../../../src/storage/paths.ts';
import { isKind, type Target } from './fixture.ts';

const REPO = 'cluster-manifests';
// A neighbour whose name starts with REPO: a prefix match without the trailing "/" would catch it.
const NEIGHBOUR = 'cluster-manifests-old';
const SNAPSHOTS = [
  'cluster-manifests-frequent-backup-1752139981',
  'cluster-manifests-frequent-backup-1752143581',
];

function yaml(kind: string, name: string): string {
  return `apiVersion: storage.kubestash.com/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\n`;
}

/** The behaviours every provider shares, run against `target()` once its before() has set it up. */
export function sharedBehaviours(target: () => Target): void {
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
