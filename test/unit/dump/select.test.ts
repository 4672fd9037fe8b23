import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubedumpFilter } from '../../../src/api/kubedump-filter.ts';
import { namespacesToList, planTypes, scopeSettings, type DiscoveredType } from '../../../src/dump/select.ts';

const all = ['get', 'list', 'watch', 'create', 'update', 'delete'];
const t = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
  extra: Partial<DiscoveredType> = {},
): DiscoveredType => ({
  group,
  version,
  plural,
  kind,
  namespaced,
  verbs: all,
  preferred: true,
  ...extra,
});

const discovered: DiscoveredType[] = [
  t('', 'v1', 'configmaps', 'ConfigMap', true),
  t('', 'v1', 'secrets', 'Secret', true),
  t('', 'v1', 'events', 'Event', true),
  t('', 'v1', 'nodes', 'Node', false),
  t('', 'v1', 'namespaces', 'Namespace', false),
  t('', 'v1', 'componentstatuses', 'ComponentStatus', false, { verbs: ['get', 'list'] }),
  t('', 'v1', 'bindings', 'Binding', true, { verbs: ['create'] }),
  t('apps', 'v1', 'deployments', 'Deployment', true),
  t('apps', 'v1beta1', 'deployments', 'Deployment', true, { preferred: false }),
  t('events.k8s.io', 'v1', 'events', 'Event', true),
  t('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  t('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
];

const ids = (plans: { id: string }[]): string[] => plans.map((p) => p.id);

test('v2 lists the preferred version of every creatable namespaced type, never endpointslices', () => {
  const plans = planTypes(discovered, { generation: 'v2', filter: kubedumpFilter() });
  assert.deepEqual(ids(plans), [
    'configmaps',
    'deployments.apps',
    'events',
    'events.events.k8s.io',
    'secrets',
  ]);
  assert.equal(plans.find((p) => p.id === 'deployments.apps')?.resource.version, 'v1');
  assert.ok(plans.every((p) => p.namespaces === undefined));
});

test('v2 with cluster resources adds them, still without nodes', () => {
  const plans = planTypes(discovered, {
    generation: 'v2',
    filter: kubedumpFilter({ includeClusterResources: true }),
  });
  assert.deepEqual(ids(plans), [
    'clusterroles.rbac.authorization.k8s.io',
    'configmaps',
    'deployments.apps',
    'events',
    'events.events.k8s.io',
    'namespaces',
    'secrets',
  ]);
});

test('v2 resource includes and excludes select types by their ids', () => {
  const filter = kubedumpFilter({
    includeResources: ['secrets', 'deployments.apps', 'configmaps'],
    excludeResources: ['configmaps'],
  });
  assert.deepEqual(ids(planTypes(discovered, { generation: 'v2', filter })), ['deployments.apps', 'secrets']);
});

test('a few included namespaces are listed one by one, many or "*" cluster-wide', () => {
  const few = kubedumpFilter({ includeNamespaces: ['b', 'a', 'c'], excludeNamespaces: ['c'] });
  assert.deepEqual(namespacesToList(few), ['a', 'b']);
  const plans = planTypes(discovered, {
    generation: 'v2',
    filter: kubedumpFilter({ includeNamespaces: ['a'], includeClusterResources: true }),
  });
  assert.deepEqual(plans.find((p) => p.id === 'secrets')?.namespaces, ['a']);
  assert.equal(plans.find((p) => p.id === 'namespaces')?.namespaces, undefined);
  assert.equal(namespacesToList(kubedumpFilter({ includeNamespaces: ['*', 'a'] })), undefined);
  const many = Array.from({ length: 17 }, (_, i) => `n${i}`);
  assert.equal(namespacesToList(kubedumpFilter({ includeNamespaces: many })), undefined);
});

test('v1 cluster scope keeps one type per Kind, preferring the core group, and readable non-creatable types', () => {
  const plans = planTypes(discovered, { generation: 'v1', target: 'cluster', labelSelector: 'app=web' });
  assert.deepEqual(ids(plans), [
    'clusterroles.rbac.authorization.k8s.io',
    'componentstatuses',
    'configmaps',
    'deployments.apps',
    'events',
    'namespaces',
    'secrets',
  ]);
  assert.ok(plans.every((p) => p.labelSelector === 'app=web' && p.namespaces === undefined));
});

test('v1 namespace scope lists namespaced types in the target namespace only', () => {
  const plans = planTypes(discovered, { generation: 'v1', target: 'namespace', namespace: 'demo' });
  assert.deepEqual(ids(plans), ['configmaps', 'deployments.apps', 'events', 'secrets']);
  assert.ok(plans.every((p) => p.namespaces?.join() === 'demo' && p.labelSelector === undefined));
});

test('each scope implies its layout and sanitizer', () => {
  assert.deepEqual(scopeSettings({ generation: 'v2', filter: kubedumpFilter() }), {
    layout: 'v2',
    generation: 'v2',
    sanitize: true,
  });
  assert.deepEqual(scopeSettings({ generation: 'v1', target: 'cluster', sanitize: false }), {
    layout: 'v1-cluster',
    generation: 'v1',
    sanitize: false,
  });
  assert.equal(
    scopeSettings({ generation: 'v1', target: 'namespace', namespace: 'x' }).layout,
    'v1-namespace',
  );
});

test('v1 application scope looks among the namespaced types of its namespace, and has its own layout', () => {
  const scope = {
    generation: 'v1' as const,
    target: 'application' as const,
    namespace: 'demo',
    group: 'apps',
    kind: 'Deployment',
    name: 'web',
  };
  const plans = planTypes(discovered, scope);
  assert.deepEqual(ids(plans), ['configmaps', 'deployments.apps', 'events', 'secrets']);
  assert.ok(plans.every((p) => p.namespaces?.join() === 'demo'));
  assert.equal(scopeSettings(scope).layout, 'v1-application');
});
