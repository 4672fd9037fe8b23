// planRestore and namespaces: the Namespaces a dump's objects go to, excluded namespaces, and namespace and
// storage-class mappings (conflicts, owners, binding subjects, filters seeing the dumped namespace).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { item, stepLines } from './fixtures.ts';
import { NS, plan, planned, reasons } from './plan-fixture.ts';

test('a namespace-only dump gets a bare Namespace for every namespace its objects go to', () => {
  const p = plan([
    item('v1', 'ConfigMap', 'c', { namespace: 'b' }),
    item('v1', 'ConfigMap', 'c', { namespace: 'a' }),
  ]);
  assert.deepEqual(stepLines(p.steps), ['Namespace/a Namespace/b', 'ConfigMap/c ConfigMap/c']);
  const nsObj = p.steps[0]?.objects[0];
  assert.deepEqual(nsObj?.object, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } });
  assert.equal(nsObj?.implied, true);
  assert.equal(nsObj?.file, '');
});

test('a dumped Namespace the cluster-scope filter leaves out is still restored, as dumped, when its objects are', () => {
  const p = plan([
    item('v1', 'Namespace', 'a', { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } }),
    item('v1', 'Namespace', 'unused'),
    item('v1', 'ConfigMap', 'c', { namespace: 'a' }),
  ]);
  const nsObj = p.steps[0]?.objects[0];
  assert.equal(nsObj?.name, 'a');
  assert.equal(nsObj?.implied, true);
  assert.deepEqual(nsObj?.object.metadata, {
    name: 'a',
    labels: { 'pod-security.kubernetes.io/enforce': 'restricted' },
  });
  assert.deepEqual(reasons(p), ['skipped Filtered unused']);
});

test('an excluded namespace is restored neither as a Namespace nor through its objects', () => {
  const p = plan(
    [
      item('v1', 'Namespace', 'a'),
      item('v1', 'Namespace', 'b'),
      item('v1', 'ConfigMap', 'c', { namespace: 'a' }),
    ],
    { excludeNamespaces: ['a'], includeClusterResources: true },
  );
  assert.deepEqual(planned(p), ['Namespace/-/b']);
  assert.deepEqual(reasons(p).sort(), ['skipped Filtered a', 'skipped Filtered c']);
});

test('namespace mapping restores a into b: objects, the Namespace, binding subjects and owners', () => {
  const mapping = new Map([['a', 'b']]);
  const p = plan(
    [
      item('v1', 'Namespace', 'a'),
      item('v1', 'ServiceAccount', 'app', { namespace: 'a' }),
      item('rbac.authorization.k8s.io/v1', 'RoleBinding', 'rb', {
        namespace: 'a',
        extra: { subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: 'a' }], roleRef: {} },
      }),
      item('apps/v1', 'Deployment', 'web', { namespace: 'a' }),
      item('apps/v1', 'ReplicaSet', 'web-1', {
        namespace: 'a',
        owners: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
      }),
      item('v1', 'ConfigMap', 'kept', { namespace: 'c' }),
    ],
    { includeClusterResources: true },
    { namespaceMappings: mapping },
  );
  assert.deepEqual(reasons(p), []);
  assert.deepEqual(planned(p), [
    'Namespace/-/b',
    'Namespace/-/c',
    'ConfigMap/c/kept',
    'ServiceAccount/b/app',
    'Deployment/b/web',
    'RoleBinding/b/rb',
    'ReplicaSet/b/web-1',
  ]);
  const objects = p.steps.flatMap((s) => s.objects);
  const ns = objects.find((o) => o.type.kind === 'Namespace' && o.name === 'b');
  assert.equal(ns?.sourceNamespace, 'a');
  assert.equal(ns?.implied, undefined);
  const rb = objects.find((o) => o.name === 'rb');
  assert.deepEqual(rb?.object.subjects, [{ kind: 'ServiceAccount', name: 'app', namespace: 'b' }]);
  assert.equal(rb?.sourceNamespace, 'a');
  const rs = objects.find((o) => o.name === 'web-1');
  assert.equal(rs?.owners[0]?.namespace, 'b');
  assert.equal(objects.find((o) => o.name === 'kept')?.sourceNamespace, undefined);
});

test('an object mapped onto one the dump also holds is skipped as a conflict; the one that was there is restored', () => {
  const p = plan(
    [
      item('v1', 'ConfigMap', 'c', { namespace: 'a', resource: 'configmaps' }),
      item('v1', 'ConfigMap', 'c', { namespace: 'b', resource: 'configmaps' }),
      item('v1', 'Namespace', 'a', { resource: 'namespaces' }),
      item('v1', 'Namespace', 'b', { resource: 'namespaces' }),
      item('v1', 'Pod', 'done', { namespace: 'a', extra: { status: { phase: 'Succeeded' } } }),
    ],
    { includeClusterResources: true },
    { namespaceMappings: new Map([['a', 'b']]) },
  );
  assert.deepEqual(planned(p), ['Namespace/-/b', 'ConfigMap/b/c']);
  assert.deepEqual(
    p.steps.flatMap((s) => s.objects).map((o) => o.file),
    ['namespaces/cluster/b.yaml', 'configmaps/namespaces/b/c.yaml'],
  );
  assert.deepEqual(
    p.results.map((r) => `${r.reason} ${r.sourceNamespace ?? '-'}→${r.namespace ?? '-'} ${r.name}`),
    ['MappingConflict a→b c', 'CompletedPod a→b done', 'MappingConflict -→- a'],
  );
});

test('an owner of a cluster-scoped type has no namespace in the planned owners', () => {
  const p = plan(
    [
      item('v1', 'ConfigMap', 'c', {
        namespace: 'a',
        owners: [
          { apiVersion: 'v1', kind: 'Namespace', name: 'a' },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'parent' },
        ],
      }),
    ],
    {},
    { namespaceMappings: new Map([['a', 'b']]) },
  );
  const c = p.steps.flatMap((s) => s.objects).find((o) => o.name === 'c');
  assert.deepEqual(
    c?.owners.map((o) => `${o.kind}/${o.namespace ?? '-'}/${o.name}`),
    ['Namespace/-/a', 'ConfigMap/b/parent'],
  );
});

test('the filters see the dumped namespace, not the mapped one', () => {
  const p = plan(
    [item('v1', 'ConfigMap', 'c', { namespace: 'a' })],
    { includeNamespaces: ['a'] },
    {
      namespaceMappings: new Map([['a', 'b']]),
    },
  );
  assert.deepEqual(planned(p), ['Namespace/-/b', 'ConfigMap/b/c']);
});

test('storage classes are mapped for PVCs through the plan', () => {
  const p = plan(
    [
      item('v1', 'PersistentVolumeClaim', 'data', {
        ...NS,
        extra: { spec: { storageClassName: 'longhorn', volumeName: 'pv-1' } },
      }),
    ],
    {},
    { storageClassMappings: new Map([['longhorn', 'standard']]) },
  );
  const pvc = p.steps.flatMap((s) => s.objects).find((o) => o.name === 'data');
  assert.deepEqual(pvc?.object.spec, { storageClassName: 'standard' });
});
