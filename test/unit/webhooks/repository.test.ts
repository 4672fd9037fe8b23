import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decisionMessage } from '../../../src/webhooks/decision.ts';
import { normalizeRepositoryPath, validateRepository } from '../../../src/webhooks/repository.ts';
import { repository } from './helpers.ts';

const ref = { name: 's3', namespace: 'store' };

void test('paths are compared without leading, trailing or doubled slashes', () => {
  assert.equal(normalizeRepositoryPath('/a//b/'), 'a/b');
});

void test('rejects a second Repository on the same storage and path in any namespace', () => {
  const d = validateRepository({
    operation: 'CREATE',
    namespace: 'app',
    object: repository('app', 'new', ref, 'cluster/'),
    repositories: [repository('other', 'first', ref, '/cluster')],
  });
  assert.equal(d.allowed, false);
  assert.match(
    decisionMessage(d),
    /^spec\.path: Repository "other\/first" already uses directory "cluster\/" of BackupStorage "store\/s3"/,
  );
});

void test('an empty storageRef namespace means the Repository namespace', () => {
  const d = validateRepository({
    operation: 'CREATE',
    namespace: 'store',
    object: repository('store', 'new', { name: 's3' }, 'x'),
    repositories: [repository('other', 'first', ref, 'x')],
  });
  assert.equal(d.allowed, false);
});

void test('allows another path, another storage, and an update of the same Repository', () => {
  const existing = repository('app', 'repo', ref, 'x');
  const others = [existing];
  assert.equal(
    validateRepository({
      operation: 'CREATE',
      namespace: 'app',
      object: repository('app', 'b', ref, 'y'),
      repositories: others,
    }).allowed,
    true,
  );
  assert.equal(
    validateRepository({
      operation: 'CREATE',
      namespace: 'app',
      object: repository('app', 'b', { name: 's3', namespace: 'other' }, 'x'),
      repositories: others,
    }).allowed,
    true,
  );
  assert.equal(
    validateRepository({
      operation: 'UPDATE',
      namespace: 'app',
      object: existing,
      oldObject: existing,
      repositories: others,
    }).allowed,
    true,
  );
});
