import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, test } from 'node:test';
import { dependantChains, ownedEntry, type OwnedEntry } from '../../../src/dump/application.ts';
import { dump } from '../../../src/dump/dump.ts';
import type { DiscoveredType } from '../../../src/dump/select.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { apiError, FakeListClient } from './fake-list-client.ts';

const e = (uid: string, typeId: string, kind: string, name: string, owners: string[] = []): OwnedEntry => ({
  uid,
  typeId,
  kind,
  name,
  owners,
});

test('an index entry keeps the uid, name and owner uids of an object', () => {
  const o = {
    metadata: { uid: 'u1', name: 'rs', ownerReferences: [{ uid: 'd1', kind: 'Deployment' }, { kind: 'x' }] },
  };
  assert.deepEqual(
    ownedEntry('replicasets.apps', 'ReplicaSet', o),
    e('u1', 'replicasets.apps', 'ReplicaSet', 'rs', ['d1']),
  );
  assert.equal(ownedEntry('pods', 'Pod', { metadata: { name: 'no-uid' } }), undefined);
});

test('dependants are found through every level of ownership, each with its chain below the root', () => {
  const entries = [
    e('rs', 'replicasets.apps', 'ReplicaSet', 'web-1', ['root']),
    e('pod', 'pods', 'Pod', 'web-1-a', ['rs']),
    e('other', 'pods', 'Pod', 'unrelated', ['elsewhere']),
    e('cm', 'configmaps', 'ConfigMap', 'cfg', ['pod']),
  ];
  const chains = dependantChains('root', entries);
  assert.deepEqual([...chains.keys()].sort(), ['cm', 'pod', 'rs']);
  assert.deepEqual(
    chains.get('cm')?.map((c) => c.name),
    ['web-1', 'web-1-a', 'cfg'],
  );
});

test('an object owned along two chains gets the shortest, and ownership cycles end', () => {
  const entries = [
    e('a', 'configmaps', 'ConfigMap', 'a', ['root', 'b']),
    e('b', 'configmaps', 'ConfigMap', 'b', ['a']),
    e('c', 'secrets', 'Secret', 'c', ['b', 'root']),
  ];
  const chains = dependantChains('root', entries);
  assert.deepEqual(
    chains.get('c')?.map((x) => x.name),
    ['c'],
  );
  assert.deepEqual(
    chains.get('b')?.map((x) => x.name),
    ['a', 'b'],
  );
  assert.equal(chains.size, 3);
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dump-app-'));
  dirs.push(d);
  return d;
};
const files = (root: string): string[] =>
  readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((f) => f.isFile())
    .map((f) => relative(root, join(f.parentPath, f.name)))
    .sort();

const verbs = ['get', 'list', 'create'];
const discovered: DiscoveredType[] = [
  {
    group: '',
    version: 'v1',
    plural: 'configmaps',
    kind: 'ConfigMap',
    namespaced: true,
    verbs,
    preferred: true,
  },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, verbs, preferred: true },
  {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    verbs,
    preferred: true,
  },
  {
    group: 'apps',
    version: 'v1',
    plural: 'replicasets',
    kind: 'ReplicaSet',
    namespaced: true,
    verbs,
    preferred: true,
  },
];
const obj = (name: string, uid: string, owners: string[] = [], namespace = 'demo'): KubeObject => ({
  metadata: {
    name,
    namespace,
    uid,
    ownerReferences: owners.map((o) => ({ uid: o, apiVersion: 'v1', kind: 'Owner', name: o })),
  },
});

function app(): FakeListClient {
  return new FakeListClient()
    .set('deployments.apps', [obj('web', 'd1'), obj('api', 'd2')])
    .set('replicasets.apps', [obj('web-1', 'r1', ['d1']), obj('api-1', 'r2', ['d2'])])
    .set('pods', [
      obj('web-1-a', 'p1', ['r1']),
      obj('web-1-b', 'p2', ['r1']),
      obj('web-x', 'p9', ['r1'], 'other'),
    ])
    .set('configmaps', [obj('cfg', 'c1')]);
}

test('the application scope writes the root and its dependants at the nested v1 paths', async () => {
  const dir = tmp();
  const target = {
    generation: 'v1' as const,
    target: 'application' as const,
    namespace: 'demo',
    group: 'apps',
    kind: 'Deployment',
    name: 'web',
  };
  const result = await dump({
    client: app().client,
    dir,
    scope: { ...target, includeDependants: true },
    discovered,
  });
  assert.deepEqual(files(dir), [
    'ReplicaSet/web-1/Pod/web-1-a/web-1-a.yaml',
    'ReplicaSet/web-1/Pod/web-1-b/web-1-b.yaml',
    'ReplicaSet/web-1/web-1.yaml',
    'web.yaml',
  ]);
  assert.equal(result.objects, 4);
  assert.deepEqual(result.types, 3);
  const alone = tmp();
  await dump({ client: app().client, dir: alone, scope: target, discovered });
  assert.deepEqual(files(alone), ['web.yaml']);
});

test('a missing root fails the dump naming it; a forbidden type of the namespace fails naming the type', async () => {
  const scope = {
    generation: 'v1' as const,
    target: 'application' as const,
    namespace: 'demo',
    group: 'apps',
    kind: 'Deployment',
    includeDependants: true,
  };
  await assert.rejects(
    dump({ client: app().client, dir: tmp(), scope: { ...scope, name: 'nope' }, discovered }),
    /apps\/Deployment demo\/nope does not exist/,
  );
  const fake = app();
  fake.failure = (id) => {
    if (id === 'configmaps') throw apiError(403, 'configmaps is forbidden');
  };
  await assert.rejects(
    dump({ client: fake.client, dir: tmp(), scope: { ...scope, name: 'web' }, discovered }),
    /configmaps \(forbidden/,
  );
});
