import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decisionMessage } from '../../../src/webhooks/decision.ts';
import { comparablePath, validateRepository } from '../../../src/webhooks/repository.ts';
import { repository } from './helpers.ts';

const ref = { name: 's3', namespace: 'store' };

void test('valid paths are compared without their outer slashes; invalid ones as written', () => {
  assert.equal(comparablePath('/a/b/'), 'a/b');
  assert.equal(comparablePath('a/b'), 'a/b');
  assert.equal(comparablePath('a//b'), 'a//b');
});

void test('a new Repository path that breaks the repository-path rule is refused naming spec.path', () => {
  const d = validateRepository({
    operation: 'CREATE',
    namespace: 'app',
    object: repository('app', 'r', ref, 'team/../other-team'),
    repositories: [],
  });
  assert.equal(d.allowed, false);
  assert.match(decisionMessage(d), /^spec\.path: "team\/\.\.\/other-team" has a "\." or "\.\." segment/);
});

void test('an update keeps a path admitted before the rule existed', () => {
  const old = repository('app', 'r', ref, 'a//b');
  const changed = repository('app', 'r', ref, 'a//b', { paused: true });
  const d = validateRepository({
    operation: 'UPDATE',
    namespace: 'app',
    object: changed,
    oldObject: old,
    repositories: [old],
  });
  assert.equal(d.allowed, true);
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
