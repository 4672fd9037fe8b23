// planRestore with the kubedump filters (reference §5.2) applied at restore to the same resources: cluster
// scope, include and exclude lists, namespaces and label selectors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubedumpFilterOptions } from '../../../src/api/kubedump-filter.ts';
import type { DumpItem } from '../../../src/restore/types.ts';
import { item } from './fixtures.ts';
import { plan, planned } from './plan-fixture.ts';

// The filter cases of reference §5.2, applied at restore to the same resources.
const mixed = (): DumpItem[] => [
  item('v1', 'ConfigMap', 'cm', { namespace: 'demo-a', labels: { app: 'my-app' } }),
  item('v1', 'Secret', 'sec', { namespace: 'demo-b', labels: { app: 'my-sts', tier: 'db' } }),
  item('apps/v1', 'Deployment', 'dep', { namespace: 'demo-a', labels: { app: 'other' } }),
  item('v1', 'Pod', 'pod', { namespace: 'kube-system' }),
  item('rbac.authorization.k8s.io/v1', 'ClusterRole', 'cr', { labels: { app: 'my-app' } }),
  item('v1', 'Node', 'node-1'),
];
const kept = (filter: KubedumpFilterOptions): string[] =>
  planned(plan(mixed(), filter))
    .filter((p) => !p.startsWith('Namespace/'))
    .map((p) => p.split('/').at(-1) ?? '')
    .sort();

test('restore filters: everything namespaced by default; cluster-scoped only with IncludeClusterResources', () => {
  assert.deepEqual(kept({}), ['cm', 'dep', 'pod', 'sec']);
  assert.deepEqual(kept({ includeClusterResources: true }), ['cm', 'cr', 'dep', 'pod', 'sec']);
  assert.deepEqual(kept({ includeResources: ['clusterroles.rbac.authorization.k8s.io'] }), []);
  const p = plan(mixed(), { includeResources: ['clusterroles.rbac.authorization.k8s.io'] });
  assert.match(p.results.find((r) => r.name === 'cr')?.message ?? '', /IncludeClusterResources/);
});

test('restore filters: include and exclude lists, * and the bare-name quirk', () => {
  assert.deepEqual(kept({ includeResources: ['configmaps', 'secrets'] }), ['cm', 'sec']);
  assert.deepEqual(kept({ excludeResources: ['configmaps', 'pods'] }), ['dep', 'sec']);
  assert.deepEqual(kept({ includeResources: ['*'], excludeResources: ['secrets', '*'] }), [
    'cm',
    'dep',
    'pod',
  ]);
  // Excluding the bare name does not exclude deployments.apps when includes are empty.
  assert.deepEqual(kept({ excludeResources: ['deployments'] }), ['cm', 'dep', 'pod', 'sec']);
  assert.deepEqual(kept({ excludeResources: ['deployments.apps'] }), ['cm', 'pod', 'sec']);
  // Including the bare name admits the group-qualified resource.
  assert.deepEqual(kept({ includeResources: ['deployments'] }), ['dep']);
  // nodes never, even when included with cluster resources.
  assert.deepEqual(kept({ includeResources: ['nodes'], includeClusterResources: true }), []);
});

test('restore filters: namespaces by the dumped namespace, cluster-scoped objects exempt', () => {
  assert.deepEqual(kept({ includeNamespaces: ['demo-a'] }), ['cm', 'dep']);
  assert.deepEqual(kept({ excludeNamespaces: ['kube-system', 'demo-b'] }), ['cm', 'dep']);
  assert.deepEqual(kept({ includeNamespaces: ['demo-a'], includeClusterResources: true }), [
    'cm',
    'cr',
    'dep',
  ]);
});

test('restore filters: ANDed and ORed label selectors in both spellings', () => {
  assert.deepEqual(kept({ orLabelSelectors: ['app:my-app', 'app:my-sts'], includeClusterResources: true }), [
    'cm',
    'cr',
    'sec',
  ]);
  assert.deepEqual(kept({ andLabelSelectors: ['app=my-sts', 'tier'] }), ['sec']);
  assert.deepEqual(kept({ andLabelSelectors: ['app:my-app'], orLabelSelectors: ['tier:db'] }), []);
  const p = plan(mixed(), { andLabelSelectors: ['app=my-sts'] });
  assert.match(p.results.find((r) => r.name === 'cm')?.message ?? '', /label selectors/);
});
