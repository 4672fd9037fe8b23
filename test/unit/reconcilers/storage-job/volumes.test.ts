import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatLocalStorageRoots,
  LOCAL_STORAGE_ROOTS_ENV,
  LocalStorageRootsError,
  parseLocalStorageRoots,
} from '../../../../src/api/local-storage-roots.ts';
import { translatePaths } from '../../../../src/devcluster/podrunner/paths.ts';
import {
  localStorageMounts,
  localStorageVolumeName,
} from '../../../../src/reconcilers/storage-job/volumes.ts';

const hostPathStorage = (name: string, mountPath = '/safe/data', extra: Record<string, unknown> = {}) => ({
  namespace: 'demo',
  name,
  spec: {
    storage: {
      provider: 'local',
      local: { mountPath, hostPath: { path: `/data/${name}`, type: 'DirectoryOrCreate' }, ...extra },
    },
  },
});

void describe('localStorageMounts', () => {
  void test('mounts a local storage volume source at its mountPath and names it in one env var', () => {
    const out = localStorageMounts([hostPathStorage('local-storage')]);
    const name = localStorageVolumeName('demo', 'local-storage');
    assert.deepEqual(out.volumes, [
      { name, hostPath: { path: '/data/local-storage', type: 'DirectoryOrCreate' } },
    ]);
    assert.deepEqual(out.mounts, [{ name, mountPath: '/safe/data' }]);
    assert.deepEqual(out.env, [{ name: LOCAL_STORAGE_ROOTS_ENV, value: 'demo/local-storage=/safe/data' }]);
  });

  void test("keeps the storage's subPath on the mount and drops Cairn's own fields from the volume", () => {
    const out = localStorageMounts([
      hostPathStorage('s', '/safe/data/', { subPath: 'team-a', maxConnections: 4 }),
    ]);
    assert.deepEqual(out.mounts[0], {
      name: localStorageVolumeName('demo', 's'),
      mountPath: '/safe/data',
      subPath: 'team-a',
    });
    assert.equal('maxConnections' in (out.volumes[0] ?? {}), false);
    assert.equal('mountPath' in (out.volumes[0] ?? {}), false);
  });

  void test('skips other providers and storages without a volume source, and mounts a storage listed twice once', () => {
    const s3 = { namespace: 'demo', name: 'b', spec: { storage: { provider: 's3', s3: { bucket: 'x' } } } };
    const bare = {
      namespace: 'demo',
      name: 'c',
      spec: { storage: { provider: 'local', local: { mountPath: '/x' } } },
    };
    const out = localStorageMounts([s3, bare, hostPathStorage('a'), hostPathStorage('a')]);
    assert.equal(out.volumes.length, 1);
    assert.equal(out.env[0]?.value, 'demo/a=/safe/data');
  });

  void test('gives no env var when there is no local storage', () => {
    assert.deepEqual(localStorageMounts([]), { volumes: [], mounts: [], env: [], roots: [] });
  });

  void test('moves a storage whose mountPath is already used to a path of its own', () => {
    const out = localStorageMounts([hostPathStorage('a'), hostPathStorage('b')], ['/kubestash-tmp']);
    assert.deepEqual(
      out.mounts.map((m) => m.mountPath),
      ['/safe/data', '/cairn/local/demo/b'],
    );
    const taken = localStorageMounts([hostPathStorage('a', '/kubestash-tmp')], ['/kubestash-tmp/']);
    assert.equal(taken.mounts[0]?.mountPath, '/cairn/local/demo/a');
    assert.deepEqual(
      parseLocalStorageRoots(out.env[0]?.value),
      new Map([
        ['demo/a', '/safe/data'],
        ['demo/b', '/cairn/local/demo/b'],
      ]),
    );
  });

  void test('names volumes as DNS labels that differ per storage', () => {
    const a = localStorageVolumeName('demo', 'a');
    assert.match(a, /^[a-z0-9-]{1,63}$/);
    assert.notEqual(a, localStorageVolumeName('demo', 'b'));
    assert.notEqual(localStorageVolumeName('a', 'b-c'), localStorageVolumeName('a-b', 'c'));
  });
});

void describe('local storage roots env var', () => {
  void test('reads back what was written, paths with commas and percent signs included', () => {
    const roots = [
      { namespace: 'demo', name: 'a', path: '/safe/data' },
      { namespace: 'x', name: 'b', path: '/odd,path%2C' },
    ];
    assert.deepEqual(
      parseLocalStorageRoots(formatLocalStorageRoots(roots)),
      new Map([
        ['demo/a', '/safe/data'],
        ['x/b', '/odd,path%2C'],
      ]),
    );
  });

  void test('an absent or empty value names no storage', () => {
    assert.equal(parseLocalStorageRoots(undefined).size, 0);
    assert.equal(parseLocalStorageRoots('').size, 0);
  });

  void test('refuses an entry without a namespace, without a path, or with a relative path', () => {
    for (const bad of ['a=/x', 'demo/a', 'demo/a=x/y', '/a=/x', 'demo/=/x', 'a/b/c=/x']) {
      assert.throws(() => parseLocalStorageRoots(bad), LocalStorageRootsError, bad);
    }
  });

  void test("survives the dev pod runner's path rewrite: each storage's path becomes its host directory", () => {
    const value = formatLocalStorageRoots([
      { namespace: 'demo', name: 'a', path: '/safe/data' },
      { namespace: 'demo', name: 'b', path: '/cairn/local/demo/b' },
    ]);
    const rewritten = translatePaths(value, [
      { mountPath: '/safe/data', hostPath: '/tmp/pod/vol-a' },
      { mountPath: '/cairn/local/demo/b', hostPath: '/tmp/pod/vol-b' },
    ]);
    assert.deepEqual(
      parseLocalStorageRoots(rewritten),
      new Map([
        ['demo/a', '/tmp/pod/vol-a'],
        ['demo/b', '/tmp/pod/vol-b'],
      ]),
    );
  });
});
