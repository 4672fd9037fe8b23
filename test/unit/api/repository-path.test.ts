// One corpus of repository paths through every place that checks one: the rule in src/api, the storage
// layout (src/storage/paths.ts), the admission webhooks (Repository and BackupConfiguration) and the CRDs'
// CEL rules. What admission accepts, storage accepts, and the other way round.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALL_KINDS } from '../../../src/api/kinds/index.ts';
import {
  normalizeRepositoryPath,
  RepositoryPathError,
  repositoryPathProblem,
  repositoryPathRules,
} from '../../../src/api/repository-path.ts';
import { buildCrd } from '../../../src/api/schema/crd.ts';
import { walkSchema, type JsonSchemaProps } from '../../../src/api/schema/structural.ts';
import { StorageConfigError } from '../../../src/storage/errors.ts';
import { normalizeRepositoryPath as storagePath } from '../../../src/storage/paths.ts';
import { validateBackupConfiguration } from '../../../src/webhooks/backupconfiguration-reference-rules.ts';
import { decisionMessage } from '../../../src/webhooks/decision.ts';
import { validateRepository } from '../../../src/webhooks/repository.ts';
import { backupConfiguration, namespace, policy, repository, storage } from '../webhooks/helpers.ts';

/** Valid paths and their canonical form. */
const GOOD: readonly [string, string][] = [
  ['cluster-manifests', 'cluster-manifests'],
  ['/cluster-manifests', 'cluster-manifests'],
  ['cluster-manifests/', 'cluster-manifests'],
  ['/team-a/cluster/', 'team-a/cluster'],
  ['dep/mysql', 'dep/mysql'],
  ['...', '...'],
  ['.hidden/a..b', '.hidden/a..b'],
  ['with space/inside', 'with space/inside'],
  ['ünïcode/路径', 'ünïcode/路径'],
];

/** Invalid paths and the words of the problem. */
const BAD: readonly [string, RegExp][] = [
  ['', /must not be empty/],
  ['/', /must not be empty/],
  ['//', /must not be empty/],
  ['a//b', /empty segment/],
  ['//a', /empty segment/],
  ['a//', /empty segment/],
  ['.', /"\." or "\.\." segment/],
  ['..', /"\." or "\.\." segment/],
  ['../other-tenant', /"\." or "\.\." segment/],
  ['team/../../other-tenant', /"\." or "\.\." segment/],
  ['a/./b', /"\." or "\.\." segment/],
  ['/a/..', /"\." or "\.\." segment/],
  [' cluster', /starts or ends with a space/],
  ['cluster ', /starts or ends with a space/],
  ['a /b', /starts or ends with a space/],
  ['a\\b', /backslash/],
  ['..\\other', /backslash/],
  ['a\tb', /control characters/],
  ['a\nb', /control characters/],
  ['repo\u0000', /control characters/],
  ['repo\u007f', /control characters/],
];

const ref = { name: 's3', namespace: 'app' };

function admitsRepository(path: string): boolean {
  return validateRepository({
    operation: 'CREATE',
    namespace: 'app',
    object: repository('app', 'r', ref, path),
    repositories: [],
  }).allowed;
}

function bcWithDirectory(directory: string) {
  const bc = backupConfiguration('app', 'bc');
  const sessions = (bc.spec as { sessions: { repositories: { directory: string }[] }[] }).sessions;
  const entry = sessions[0]?.repositories[0];
  assert.ok(entry);
  entry.directory = directory;
  return validateBackupConfiguration({
    operation: 'CREATE',
    namespace: namespace('app'),
    object: bc,
    storages: [storage('app', 's3')],
    policies: [policy('app', 'keep')],
    hookTemplates: [],
    repositories: [],
  });
}

function storageAccepts(path: string): boolean {
  try {
    storagePath(path);
    return true;
  } catch (err) {
    assert.ok(err instanceof StorageConfigError, String(err));
    return false;
  }
}

void describe('one repository-path rule', () => {
  for (const [path, canonical] of GOOD) {
    void test(`${JSON.stringify(path)} is accepted by admission and by storage, as ${canonical}`, () => {
      assert.equal(repositoryPathProblem(path), undefined);
      assert.equal(normalizeRepositoryPath(path), canonical);
      assert.equal(storagePath(path), canonical);
      assert.equal(admitsRepository(path), true);
      assert.equal(bcWithDirectory(path).allowed, true, decisionMessage(bcWithDirectory(path)));
    });
  }
  for (const [path, problem] of BAD) {
    void test(`${JSON.stringify(path)} is refused by admission and by storage`, () => {
      assert.match(repositoryPathProblem(path)?.problem ?? 'accepted', problem);
      assert.throws(() => normalizeRepositoryPath(path), RepositoryPathError);
      assert.equal(storageAccepts(path), false);
      assert.equal(admitsRepository(path), false);
      assert.equal(bcWithDirectory(path).allowed, false);
    });
  }

  void test('a refused directory names its field, the problem and the fix', () => {
    const message = decisionMessage(bcWithDirectory('team/../other-team'));
    assert.match(
      message,
      /^spec\.sessions\[0\]\.repositories\[0\]\.directory: "team\/\.\.\/other-team" has a "\." or "\.\." segment .*; write the path without "\." and "\.\." segments, e\.g\. team-a\/cluster-manifests$/,
    );
  });

  void test('storage names the problem and the path it refuses', () => {
    assert.throws(
      () => storagePath('a//b'),
      /^StorageConfigError: repository path has an empty segment \("\/\/"\): "a\/\/b"$/,
    );
  });
});

void describe('the CRDs', () => {
  const rulesAt = (kind: string, path: string): string[] => {
    const def = ALL_KINDS.find((k) => k.kind === kind);
    assert.ok(def);
    const crd = buildCrd(def) as { spec: { versions: { schema: { openAPIV3Schema: JsonSchemaProps } }[] } };
    const root = crd.spec.versions[0]?.schema.openAPIV3Schema;
    assert.ok(root);
    let rules: string[] | undefined;
    walkSchema(root, (node, p) => {
      if (p !== path) return;
      const v = (node['x-kubernetes-validations'] as { rule: string }[] | undefined) ?? [];
      rules = v.map((r) => r.rule);
    });
    assert.ok(rules, `${kind}: no schema at ${path}`);
    return rules;
  };
  const pathRules = repositoryPathRules('x').map((r) => r.rule);

  void test('state the rule as CEL on Repository spec.path and on every repository directory', () => {
    for (const [kind, path] of [
      ['Repository', '.spec.path'],
      ['BackupConfiguration', '.spec.sessions[].repositories[].directory'],
      ['BackupBlueprint', '.spec.backupConfigurationTemplate.sessions[].repositories[].directory'],
    ] as const) {
      const rules = rulesAt(kind, path);
      for (const r of pathRules) assert.ok(rules.includes(r), `${kind}${path} lacks ${r}`);
    }
  });

  void test('use in CEL the very patterns the TypeScript rule uses', () => {
    // Each rule is `!self.matches('<pattern>')`; the pattern, read back from its CEL literal, must make the
    // same decision as repositoryPathProblem on the whole corpus.
    const patterns = pathRules.map((r) => {
      const literal = /^!self\.matches\('(.*)'\)$/.exec(r)?.[1];
      assert.ok(literal !== undefined, r);
      return new RegExp(literal.replace(/\\(.)/g, '$1'));
    });
    for (const path of [...GOOD.map(([p]) => p), ...BAD.map(([p]) => p)]) {
      const celRefuses = patterns.some((p) => p.test(path));
      assert.equal(celRefuses, repositoryPathProblem(path) !== undefined, JSON.stringify(path));
    }
  });
});
