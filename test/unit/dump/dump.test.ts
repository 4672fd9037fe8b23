import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, test } from 'node:test';
import { parse } from 'yaml';
import { kubedumpFilter } from '../../../src/api/kubedump-filter.ts';
import { dump, DumpError, type DumpProgress } from '../../../src/dump/dump.ts';
import type { DiscoveredType } from '../../../src/dump/select.ts';
import { apiError, FakeListClient } from './fake-list-client.ts';

/** A dumped file, parsed. */
interface Dumped {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  [key: string]: unknown;
}
const read = (dir: string, path: string): Dumped => parse(readFileSync(join(dir, path), 'utf8')) as Dumped;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'dump-'));
  dirs.push(d);
  return d;
};

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
  { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true, verbs, preferred: true },
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
    group: 'example.com',
    version: 'v1',
    plural: 'widgets',
    kind: 'Widget',
    namespaced: true,
    verbs,
    preferred: true,
  },
];

const cm = (
  ns: string,
  name: string,
  data: Record<string, string> = { k: 'v' },
  labels?: Record<string, string>,
) => ({
  metadata: { name, namespace: ns, uid: `uid-${name}`, resourceVersion: '5', ...(labels && { labels }) },
  data,
});

function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  walk(root);
  return out.sort();
}

function seeded(): FakeListClient {
  const fake = new FakeListClient();
  fake.set(
    'configmaps',
    Array.from({ length: 7 }, (_, i) => cm(i % 2 ? 'a' : 'b', `cm-${i}`)),
  );
  fake.set('secrets', [
    { metadata: { name: 's', namespace: 'a' }, data: { password: 'c2VjcmV0' }, type: 'Opaque' },
  ]);
  fake.set('deployments.apps', [
    {
      metadata: { name: 'web', namespace: 'a', annotations: { 'deployment.kubernetes.io/revision': '2' } },
      spec: { replicas: 1 },
      status: { replicas: 1 },
    },
  ]);
  fake.set('widgets.example.com', [{ metadata: { name: 'w:1', namespace: 'b' }, spec: { size: 3 } }]);
  return fake;
}

const v2 = { generation: 'v2' as const, filter: kubedumpFilter() };

test('every object is written once, sanitized, at its v2 path, and parses back', async () => {
  const dir = tmp();
  const progress: DumpProgress[] = [];
  const result = await dump({
    client: seeded().client,
    dir,
    scope: v2,
    discovered,
    pageSize: 2,
    onProgress: (p) => progress.push(p),
  });
  assert.equal(result.objects, 10);
  assert.equal(result.types, 4);
  assert.equal(files(dir).length, 10);
  assert.deepEqual(result.files, { written: 10, unchanged: 0, deleted: 0, bytes: result.files.bytes });
  assert.deepEqual(read(dir, 'deployments.apps/namespaces/a/web.yaml'), {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'a' },
    spec: { replicas: 1 },
  });
  assert.deepEqual(read(dir, 'widgets.example.com/namespaces/b/w:1.yaml').kind, 'Widget');
  assert.deepEqual(read(dir, 'configmaps/namespaces/a/cm-1.yaml'), {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cm-1', namespace: 'a' },
    data: { k: 'v' },
  });
  const last = progress.at(-1);
  assert.deepEqual(
    { ...last, type: '' },
    { typesDone: 4, typesTotal: 4, objects: 10, bytes: result.files.bytes, type: '' },
  );
  assert.ok(Object.values(result.times).every((t) => t >= 0));
});

test('a second dump of the same objects writes nothing; a change rewrites one file; a deletion removes one', async () => {
  const dir = tmp();
  const fake = seeded();
  await dump({ client: fake.client, dir, scope: v2, discovered });
  const file = join(dir, 'configmaps/namespaces/a/cm-1.yaml');
  const before = statSync(file, { bigint: true });
  const again = await dump({ client: fake.client, dir, scope: v2, discovered });
  assert.deepEqual(again.files, { written: 0, unchanged: 10, deleted: 0, bytes: again.files.bytes });
  assert.equal(statSync(file, { bigint: true }).mtimeNs, before.mtimeNs);
  const cms = fake.objects.get('configmaps') ?? [];
  cms[1] = cm('a', 'cm-1', { k: 'changed' });
  cms.splice(2, 1);
  const third = await dump({ client: fake.client, dir, scope: v2, discovered });
  assert.deepEqual(third.files, { written: 1, unchanged: 8, deleted: 1, bytes: third.files.bytes });
  assert.equal((parse(readFileSync(file, 'utf8')) as { data: { k: string } }).data.k, 'changed');
  assert.equal(files(dir).length, 9);
});

test('a tiny page size gives the same files as a big one', async () => {
  const small = tmp();
  const big = tmp();
  await dump({ client: seeded().client, dir: small, scope: v2, discovered, pageSize: 1 });
  await dump({ client: seeded().client, dir: big, scope: v2, discovered, pageSize: 500 });
  assert.deepEqual(files(small), files(big));
  for (const f of files(small))
    assert.equal(readFileSync(join(small, f), 'utf8'), readFileSync(join(big, f), 'utf8'));
});

test('an expired continue token restarts the type and objects deleted meanwhile leave no file', async () => {
  const dir = tmp();
  const fake = seeded();
  let expired = false;
  fake.failure = (id, page) => {
    if (id === 'configmaps' && page === 2 && !expired) {
      expired = true;
      // The first two pages were emitted; then cm-0 is deleted and the token expires.
      fake.objects.set('configmaps', (fake.objects.get('configmaps') ?? []).slice(1));
      throw apiError(410, 'the provided continue parameter is too old');
    }
  };
  const result = await dump({ client: fake.client, dir, scope: v2, discovered, pageSize: 2 });
  assert.deepEqual(result.restarted, ['configmaps']);
  assert.equal(result.objects, 9);
  assert.ok(!files(dir).includes('configmaps/namespaces/b/cm-0.yaml'));
  assert.equal(files(dir).filter((f) => f.startsWith('configmaps/')).length, 6);
});

test('a page failing with a retryable error is asked for again with the same continue token', async () => {
  const dir = tmp();
  const fake = seeded();
  let failures = 0;
  fake.failure = (id, page) => {
    if (id === 'configmaps' && page === 1 && failures < 2) {
      failures++;
      throw apiError(503, 'unavailable');
    }
  };
  const result = await dump({
    client: fake.client,
    dir,
    scope: v2,
    discovered,
    pageSize: 2,
    retry: { delayMs: 1 },
  });
  assert.equal(result.objects, 10);
  assert.deepEqual(result.restarted, []);
  const page1 = fake.calls.filter((c) => c.id === 'configmaps' && c.offset === 2);
  assert.deepEqual(
    page1.map((c) => c.opts.continue),
    [undefined, '2', '2'],
  );
  assert.equal(fake.calls.filter((c) => c.id === 'configmaps' && c.offset === 0).length, 1);
});

test('forbidden types and types failing after retries fail the dump naming each, and delete nothing', async () => {
  const dir = tmp();
  await dump({ client: seeded().client, dir, scope: v2, discovered });
  const fake = seeded();
  fake.objects.set('configmaps', []);
  fake.failure = (id) => {
    if (id === 'secrets') throw apiError(403, 'secrets is forbidden: cannot list resource "secrets"');
    if (id === 'widgets.example.com') throw apiError(500, 'etcd timeout');
  };
  const err = await dump({
    client: fake.client,
    dir,
    scope: v2,
    discovered,
    retry: { delayMs: 1, attempts: 2 },
  }).then(
    () => assert.fail('the dump succeeded'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DumpError);
  assert.deepEqual(
    err.failures.map((f) => [f.type, f.forbidden]),
    [
      ['secrets', true],
      ['widgets.example.com', false],
    ],
  );
  assert.match(err.message, /secrets \(forbidden: .*widgets\.example\.com \(etcd timeout\)/);
  assert.equal(files(dir).length, 10);
});

test('a type that disappeared is skipped and reported, and its old files are deleted', async () => {
  const dir = tmp();
  const fake = seeded();
  await dump({ client: fake.client, dir, scope: v2, discovered });
  fake.objects.delete('widgets.example.com');
  const result = await dump({ client: fake.client, dir, scope: v2, discovered });
  assert.deepEqual(
    result.skipped.map((s) => s.type),
    ['widgets.example.com'],
  );
  assert.ok(!files(dir).some((f) => f.startsWith('widgets.example.com')));
  assert.equal(result.files.deleted, 1);
});

test('the v2 filter selects namespaces and labels; a narrow namespace scope lists per namespace', async () => {
  const dir = tmp();
  const fake = seeded();
  fake.set('configmaps', [cm('a', 'x', {}, { app: 'web' }), cm('a', 'y'), cm('b', 'z', {}, { app: 'web' })]);
  const filter = kubedumpFilter({
    includeNamespaces: ['a'],
    andLabelSelectors: ['app=web'],
    includeResources: ['configmaps'],
  });
  const result = await dump({ client: fake.client, dir, scope: { generation: 'v2', filter }, discovered });
  assert.deepEqual(files(dir), ['configmaps/namespaces/a/x.yaml']);
  assert.equal(result.objects, 1);
  assert.ok(fake.calls.every((c) => c.opts.namespace === 'a'));
});

test('the v1 layouts: Kind directories per namespace, or per Kind in a namespace target', async () => {
  const cluster = tmp();
  await dump({
    client: seeded().client,
    dir: cluster,
    scope: { generation: 'v1', target: 'cluster' },
    discovered,
  });
  assert.ok(files(cluster).includes('namespaces/a/Deployment/web.yaml'));
  const ns = tmp();
  await dump({
    client: seeded().client,
    dir: ns,
    scope: { generation: 'v1', target: 'namespace', namespace: 'a' },
    discovered,
  });
  assert.deepEqual(files(ns), [
    'ConfigMap/cm-1.yaml',
    'ConfigMap/cm-3.yaml',
    'ConfigMap/cm-5.yaml',
    'Deployment/web.yaml',
    'Secret/s.yaml',
  ]);
  const web = read(ns, 'Deployment/web.yaml');
  assert.deepEqual(web.metadata.annotations, { 'deployment.kubernetes.io/revision': '2' });
});

test('a type that disappears between two of its pages leaves no file at all', async () => {
  const dir = tmp();
  const fake = seeded();
  await dump({ client: fake.client, dir, scope: v2, discovered, pageSize: 2 });
  fake.failure = (id, page) => {
    if (id === 'configmaps' && page === 2) fake.objects.delete('configmaps');
  };
  const result = await dump({ client: fake.client, dir, scope: v2, discovered, pageSize: 2 });
  assert.deepEqual(
    result.skipped.map((s) => s.type),
    ['configmaps'],
  );
  assert.ok(!files(dir).some((f) => f.startsWith('configmaps')));
  assert.equal(result.objects, 3);
});
