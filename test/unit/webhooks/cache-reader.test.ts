import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { keyOf } from '../../../src/api/object-meta.ts';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { admit, type ParsedReview } from '../../../src/webhooks/admission.ts';
import {
  ADMISSION_RESOURCES,
  admissionCaches,
  cacheReader,
  CacheNotSyncedError,
  type AdmissionCache,
} from '../../../src/webhooks/cache-reader.ts';
import { ROUTES } from '../../../src/webhooks/routes.ts';
import { backupConfiguration, object, policy, repository, storage, type Obj } from './helpers.ts';

/** An informer stand-in over fixed objects that counts every read. */
class FakeCache implements AdmissionCache {
  synced = true;
  reads = 0;
  readonly objects: Obj[];
  constructor(objects: Obj[] = []) {
    this.objects = objects;
  }
  get(name: string, namespace?: string): unknown {
    this.reads++;
    return this.objects.find((o) => keyOf(o).name === name && keyOf(o).namespace === (namespace ?? ''));
  }
  list(namespace?: string): readonly unknown[] {
    this.reads++;
    return this.objects.filter((o) => namespace === undefined || keyOf(o).namespace === namespace);
  }
}

function fakeCaches() {
  const ns = (name: string, labels: Record<string, string>): Obj => ({ metadata: { name, labels } });
  const caches = {
    backupStorages: new FakeCache([storage('app', 's3')]),
    retentionPolicies: new FakeCache([policy('app', 'keep')]),
    repositories: new FakeCache([repository('other', 'taken', { name: 's3', namespace: 'app' }, 'used')]),
    hookTemplates: new FakeCache(),
    namespaces: new FakeCache([ns('app', { team: 'a' })]),
  };
  return { caches, reader: cacheReader(caches) };
}

void describe('cacheReader', () => {
  void test('lists, gets and reads Namespace labels from the caches', async () => {
    const { reader } = fakeCaches();
    assert.equal((await reader.list(KUBESTASH.backupStorages)).length, 1);
    assert.equal((await reader.list(KUBESTASH.backupStorages, 'elsewhere')).length, 0);
    assert.ok(await reader.get(KUBESTASH.retentionPolicies, { namespace: 'app', name: 'keep' }));
    assert.equal(
      await reader.get(KUBESTASH.retentionPolicies, { namespace: 'app', name: 'gone' }),
      undefined,
    );
    assert.deepEqual(await reader.namespace('app'), {
      name: 'app',
      labels: { 'kubernetes.io/metadata.name': 'app', team: 'a' },
    });
  });

  void test('a Namespace missing from the cache has just its name label', async () => {
    const { reader } = fakeCaches();
    assert.deepEqual(await reader.namespace('new'), {
      name: 'new',
      labels: { 'kubernetes.io/metadata.name': 'new' },
    });
  });

  void test('a cache still loading fails the read as retryable instead of answering from a partial view', async () => {
    const { caches, reader } = fakeCaches();
    caches.repositories.synced = false;
    await assert.rejects(reader.list(KUBESTASH.repositories), (err) => {
      assert.ok(err instanceof CacheNotSyncedError);
      assert.equal(err.retryable, true);
      assert.match(err.message, /repositories\.storage\.kubestash\.com is still loading/);
      return true;
    });
  });

  void test('a resource without a cache is a programming error, never an empty answer', async () => {
    const { reader } = fakeCaches();
    await assert.rejects(reader.list(K8S.secrets), /hold no secrets; add it to ADMISSION_RESOURCES/);
  });

  void test('admissionCaches makes one cache per admission resource', () => {
    const made: string[] = [];
    const caches = admissionCaches((r) => {
      made.push(r.plural);
      return new FakeCache();
    });
    assert.deepEqual(Object.keys(caches).sort(), Object.keys(ADMISSION_RESOURCES).sort());
    assert.deepEqual(made.sort(), [
      'backupstorages',
      'hooktemplates',
      'namespaces',
      'repositories',
      'retentionpolicies',
    ]);
  });
});

/** The webhooks that decide on the admitted object alone. */
const READ_NOTHING = new Set([
  'mutate.backupstorages.storage.kubestash.com',
  'mutate.retentionpolicies.storage.kubestash.com',
  'validate.backupverifier.core.kubestash.com',
]);

void test('every webhook decides from the caches alone: each read is a cache read, none reaches the API server', async () => {
  const { caches, reader } = fakeCaches();
  const objects: Record<string, Obj> = {
    BackupStorage: storage('app', 'new', { default: true }),
    RetentionPolicy: policy('app', 'new', { default: true }),
    Repository: repository('app', 'r', { name: 's3' }, 'used'),
    BackupConfiguration: backupConfiguration('app', 'bc', {
      sessions: [
        {
          name: 'frequent',
          scheduler: { schedule: '*/5 * * * *', jobTemplate: {} },
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
          repositories: [{ name: 'repo', backend: 'main', directory: 'cluster' }],
          hooks: { preBackup: [{ hookTemplate: { name: 'ht' } }] },
        },
      ],
    }),
    RestoreSession: object('RestoreSession', 'app', 'rs', {
      hooks: { preRestore: [{ hookTemplate: { name: 'ht' } }] },
    }),
    BackupVerifier: object('BackupVerifier', 'app', 'bv', {}),
  };
  const total = () => Object.values(caches).reduce((n, c) => n + c.reads, 0);
  for (const route of ROUTES) {
    const before = total();
    const obj = objects[route.resource.kind];
    assert.ok(obj, `no sample ${route.resource.kind}`);
    const review: ParsedReview = {
      uid: 'u',
      kind: { group: route.resource.group, version: route.resource.version, kind: route.resource.kind },
      resource: route.resource.plural,
      subResource: '',
      input: {
        operation: 'CREATE',
        namespace: 'app',
        name: keyOf(obj).name,
        object: obj,
        oldObject: undefined,
      },
    };
    await admit(route, review, reader);
    const reads = total() - before;
    // Routes that read the cluster read only caches; the reader has no client to fall back to.
    assert.equal(reads > 0, !READ_NOTHING.has(route.name), `${route.name}: ${reads} cache reads`);
  }
  // The Repository sample sits where another Repository already is: the decision came from the cache.
  const repoRoute = ROUTES.find((r) => r.name === 'validate.repositories.storage.kubestash.com');
  assert.ok(repoRoute);
  const d = await repoRoute.handle(
    { operation: 'CREATE', namespace: 'app', name: 'r', object: objects.Repository, oldObject: undefined },
    reader,
  );
  assert.equal(d.allowed, false);
});
