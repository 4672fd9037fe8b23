import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  checkSegment,
  componentLockKey,
  componentPath,
  componentRepositoryKey,
  localPath,
  metadataKey,
  normalizePrefix,
  normalizeRepositoryPath,
  parseComponentPath,
  repositoryDirKey,
  repositoryKey,
  snapshotKey,
  snapshotNameFromKey,
  snapshotsDirKey,
  storagePrefix,
} from '../../../src/storage/paths.ts';
import { StorageConfigError } from '../../../src/storage/errors.ts';
import type { LocalStorage, ResolvedStorage } from '../../../src/storage/types.ts';

const s3 = (prefix: string): ResolvedStorage => ({
  provider: 's3',
  endpoint: 's3.amazonaws.com',
  bucket: 'kubestash-qa',
  prefix,
  insecureTLS: false,
});
const local: LocalStorage = { provider: 'local', mountPath: '/safe/data' };

describe('backend layout', () => {
  test('metadata.yaml sits directly under the storage prefix', () => {
    assert.equal(metadataKey(s3('demo')), 'demo/metadata.yaml');
  });

  test('metadata.yaml sits at the bucket root when the prefix is empty', () => {
    assert.equal(metadataKey(s3('')), 'metadata.yaml');
  });

  test('repository.yaml sits at the repository path under the prefix', () => {
    assert.equal(repositoryKey(s3('demo'), '/cluster-manifests'), 'demo/cluster-manifests/repository.yaml');
  });

  test('snapshot files live in <repo path>/snapshots/<name>.yaml, as in the upstream screenshots', () => {
    assert.equal(
      snapshotKey(
        s3('nipun'),
        '/cluster-manifests',
        's3-repo-cluster-resources-backup-frequent-backup-1752139981',
      ),
      'nipun/cluster-manifests/snapshots/s3-repo-cluster-resources-backup-frequent-backup-1752139981.yaml',
    );
  });

  test('the snapshots directory key is the parent of every snapshot key', () => {
    assert.equal(snapshotsDirKey(s3('demo'), 'repo'), 'demo/repo/snapshots');
  });

  test('the repository directory holds everything of one repository', () => {
    assert.equal(repositoryDirKey(s3('demo'), 'dep/mysql/'), 'demo/dep/mysql');
  });

  test('a component repository is <repo path>/repository/v1/<session>/<component>', () => {
    assert.equal(
      componentRepositoryKey(s3('demo'), '/cluster-manifests', 'repository/v1/frequent-backup/manifest'),
      'demo/cluster-manifests/repository/v1/frequent-backup/manifest',
    );
  });

  test("a restic lock is locks/<id> inside its component's repository, and only a full ID names one", () => {
    const id = 'ab'.repeat(32);
    assert.equal(
      componentLockKey(s3('demo'), 'cluster-manifests', 'repository/v1/frequent-backup/manifest', id),
      `demo/cluster-manifests/repository/v1/frequent-backup/manifest/locks/${id}`,
    );
    for (const bad of ['ab12', '../config', `${id}/x`, 'AB'.repeat(32)]) {
      assert.throws(
        () => componentLockKey(s3('demo'), 'r', 'repository/v1/s/c', bad),
        StorageConfigError,
        bad,
      );
    }
  });

  test('nested prefixes and repository paths are kept segment by segment', () => {
    assert.equal(metadataKey(s3('a/b/c')), 'a/b/c/metadata.yaml');
    assert.equal(repositoryKey(s3('a/b'), 'x/y'), 'a/b/x/y/repository.yaml');
  });

  test('local storages have no prefix: keys start at the mount path', () => {
    assert.equal(storagePrefix(local), '');
    assert.equal(metadataKey(local), 'metadata.yaml');
    assert.equal(localPath(local, metadataKey(local)), '/safe/data/metadata.yaml');
  });

  test('a local key resolves under a root mount path without a double slash', () => {
    assert.equal(localPath({ provider: 'local', mountPath: '/' }, 'r/repository.yaml'), '/r/repository.yaml');
    assert.equal(localPath(local, ''), '/safe/data');
  });
});

describe('component paths', () => {
  test('componentPath builds the KubeStash layout with version v1 by default', () => {
    assert.equal(componentPath('frequent-backup', 'manifest'), 'repository/v1/frequent-backup/manifest');
  });

  test('componentPath accepts another layout version', () => {
    assert.equal(componentPath('s', 'dump', 'v2'), 'repository/v2/s/dump');
  });

  test('parseComponentPath reads back what componentPath builds', () => {
    assert.deepEqual(parseComponentPath('repository/v1/frequent-backup/manifest'), {
      version: 'v1',
      session: 'frequent-backup',
      component: 'manifest',
    });
  });

  test('parseComponentPath tolerates outer slashes', () => {
    assert.equal(parseComponentPath('/repository/v1/s/c/').component, 'c');
  });

  test('parseComponentPath refuses paths that are not exactly repository/<v>/<session>/<component>', () => {
    for (const bad of [
      'snapshots/v1/s/c',
      'repository/v1/s',
      'repository/v1/s/c/extra',
      'repository/v1/../c',
    ]) {
      assert.throws(() => parseComponentPath(bad), StorageConfigError, bad);
    }
  });

  test('componentPath refuses a session or component name that is not one segment', () => {
    assert.throws(() => componentPath('a/b', 'manifest'), /session name "a\/b" must not contain "\/"/);
    assert.throws(() => componentPath('s', '..'), /component name "\.\." is not allowed/);
    assert.throws(() => componentPath('', 'manifest'), /session name must not be empty/);
  });
});

describe('path safety', () => {
  test('outer slashes are dropped from prefixes and repository paths', () => {
    assert.equal(normalizePrefix('/demo/'), 'demo');
    assert.equal(normalizePrefix('///'), '');
    assert.equal(normalizePrefix(undefined), '');
    assert.equal(normalizeRepositoryPath('/cluster-manifests'), 'cluster-manifests');
  });

  test('parent-directory segments are rejected everywhere', () => {
    assert.throws(() => normalizePrefix('demo/../other'), /segment "\.\." is not allowed/);
    assert.throws(() => normalizeRepositoryPath('../escape'), StorageConfigError);
    assert.throws(() => repositoryKey(s3('demo'), 'a/./b'), StorageConfigError);
    assert.throws(() => snapshotKey(s3('demo'), 'repo', '..'), StorageConfigError);
  });

  test('empty inner segments are rejected rather than collapsed', () => {
    assert.throws(() => normalizeRepositoryPath('a//b'), /has an empty segment/);
    assert.throws(() => normalizePrefix('x//y'), /has an empty segment/);
  });

  test('an empty repository path is rejected with a clear message', () => {
    assert.throws(() => normalizeRepositoryPath(''), /repository path must not be empty/);
    assert.throws(() => normalizeRepositoryPath('/'), /repository path must not be empty/);
  });

  test('backslashes and control characters are rejected', () => {
    assert.throws(() => checkSegment('name', 'a\\b'), /must not contain "\\"/);
    assert.throws(() => checkSegment('name', 'a\nb'), /control characters/);
    assert.throws(() => normalizeRepositoryPath('repo\u0000'), /control characters/);
  });

  test('a snapshot name with a slash cannot escape the snapshots directory', () => {
    assert.throws(() => snapshotKey(s3('demo'), 'repo', '../../metadata'), StorageConfigError);
  });

  test('a local key with traversal is rejected', () => {
    assert.throws(() => localPath(local, '../etc/passwd'), StorageConfigError);
  });

  test('path errors are terminal', () => {
    try {
      normalizeRepositoryPath('..');
      assert.fail('expected a throw');
    } catch (err) {
      assert.ok(err instanceof StorageConfigError);
      assert.equal(err.retryable, false);
    }
  });
});

describe('snapshot listing', () => {
  const storage = s3('demo');

  test('a snapshot file key maps back to its Snapshot name', () => {
    assert.equal(snapshotNameFromKey(storage, 'repo', 'demo/repo/snapshots/s-1.yaml'), 's-1');
  });

  test('keys outside the snapshots directory, nested keys and non-YAML files are ignored', () => {
    for (const key of [
      'demo/repo/repository.yaml',
      'demo/repo/snapshots/nested/s.yaml',
      'demo/repo/snapshots/s.json',
      'demo/repo/snapshots/.yaml',
      'demo/other/snapshots/s.yaml',
    ]) {
      assert.equal(snapshotNameFromKey(storage, 'repo', key), undefined, key);
    }
  });
});
