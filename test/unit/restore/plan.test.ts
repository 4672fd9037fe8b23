import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubedumpFilter, type KubedumpFilterOptions } from '../../../src/api/kubedump-filter.ts';
import { planRestore, type PlanInput } from '../../../src/restore/plan.ts';
import { typesFromDump } from '../../../src/restore/types-from-dump.ts';
import type { DumpItem } from '../../../src/restore/types.ts';
import { TYPES, item, stepLines } from './fixtures.ts';

const NS = { namespace: 'demo' };

function plan(items: DumpItem[], filter: KubedumpFilterOptions = {}, more: Partial<PlanInput> = {}) {
  return planRestore({ items, types: TYPES, filter: kubedumpFilter(filter), ...more });
}

/** `reason name` of every skipped or failed object. */
const reasons = (p: ReturnType<typeof plan>): string[] =>
  p.results.map((r) => `${r.outcome} ${r.reason} ${r.name}`);
const planned = (p: ReturnType<typeof plan>): string[] =>
  p.steps.flatMap((s) => s.objects.map((o) => `${o.type.kind}/${o.namespace ?? '-'}/${o.name}`));

test('non-restorable resources are always skipped, whatever the filters include', () => {
  const p = plan(
    [
      item('v1', 'Event', 'e1', NS),
      item('events.k8s.io/v1', 'Event', 'e2', NS),
      item('v1', 'Node', 'n1'),
      item('discovery.k8s.io/v1', 'EndpointSlice', 'es', NS),
      item('core.kubestash.com/v1alpha1', 'BackupSession', 'bs', NS),
      // Resource known only by its v2 directory, type not served: still NotRestorable, not NoSuchType.
      item('storage.kubestash.com/v1alpha1', 'Snapshot', 'snap', {
        ...NS,
        resource: 'snapshots.storage.kubestash.com',
      }),
    ],
    { includeResources: ['*'], includeClusterResources: true },
  );
  assert.deepEqual(p.steps, []);
  assert.deepEqual(reasons(p).sort(), [
    'skipped NotRestorable bs',
    'skipped NotRestorable e1',
    'skipped NotRestorable e2',
    'skipped NotRestorable es',
    'skipped NotRestorable n1',
    'skipped NotRestorable snap',
  ]);
});

test('a kind the cluster does not serve and the dump has no CRD for fails with NoSuchType naming it', () => {
  const p = plan([item('example.com/v1', 'Widget', 'w', NS)]);
  assert.equal(p.results.length, 1);
  const r = p.results[0];
  assert.equal(r?.outcome, 'failed');
  assert.equal(r?.reason, 'NoSuchType');
  assert.match(r?.message ?? '', /Widget in example\.com\/v1.*install the CRD/);
  assert.deepEqual(p.steps, []);
});

test('v1 items get their resource id from the types by apiVersion and kind', () => {
  const p = plan([item('apps/v1', 'Deployment', 'web', NS)]);
  assert.deepEqual(
    p.steps.map((s) => s.resources),
    [['namespaces'], ['deployments.apps']],
  );
});

test('completed Pods and Jobs, mirror Pods and PVs without RestorePVs are skipped with their reason', () => {
  const items = [
    item('v1', 'Pod', 'done', { ...NS, extra: { status: { phase: 'Succeeded' } } }),
    item('v1', 'Pod', 'crashed', { ...NS, extra: { status: { phase: 'Failed' } } }),
    item('v1', 'Pod', 'running', { ...NS, extra: { status: { phase: 'Running' } } }),
    item('v1', 'Pod', 'kube-apiserver-node1', {
      ...NS,
      extra: {
        metadata: {
          name: 'kube-apiserver-node1',
          namespace: 'demo',
          annotations: { 'kubernetes.io/config.mirror': 'x' },
        },
      },
    }),
    item('batch/v1', 'Job', 'ok', {
      ...NS,
      extra: { status: { conditions: [{ type: 'Complete', status: 'True' }] } },
    }),
    item('batch/v1', 'Job', 'bad', {
      ...NS,
      extra: { status: { conditions: [{ type: 'Failed', status: 'True' }] } },
    }),
    item('batch/v1', 'Job', 'active', { ...NS, extra: { status: { active: 1 } } }),
    item('v1', 'PersistentVolume', 'pv1'),
  ];
  const p = plan(items, { includeClusterResources: true });
  assert.deepEqual(reasons(p).sort(), [
    'skipped CompletedJob bad',
    'skipped CompletedJob ok',
    'skipped CompletedPod crashed',
    'skipped CompletedPod done',
    'skipped MirrorPod kube-apiserver-node1',
    'skipped RestorePVsDisabled pv1',
  ]);
  assert.deepEqual(planned(p), ['Namespace/-/demo', 'Pod/demo/running', 'Job/demo/active']);
  const withPVs = plan(items, { includeClusterResources: true }, { restorePVs: true });
  assert.ok(planned(withPVs).includes('PersistentVolume/-/pv1'));
});

test('a Pod whose controller is restored is left to the controller; one whose controller is not in the dump is restored', () => {
  const rsOwner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d', controller: true };
  const p = plan([
    item('apps/v1', 'ReplicaSet', 'web-5d', NS),
    item('v1', 'Pod', 'web-5d-a', { ...NS, owners: [rsOwner] }),
    item('v1', 'Pod', 'orphan', { ...NS, owners: [{ ...rsOwner, name: 'gone' }] }),
    item('v1', 'Pod', 'filtered-owner', {
      ...NS,
      owners: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'j', controller: true }],
    }),
    item('batch/v1', 'Job', 'j', {
      ...NS,
      extra: { status: { conditions: [{ type: 'Complete', status: 'True' }] } },
    }),
  ]);
  assert.deepEqual(reasons(p), ['skipped CompletedJob j', 'skipped CreatedByController web-5d-a']);
  assert.match(p.results[1]?.message ?? '', /ReplicaSet web-5d/);
  assert.deepEqual(planned(p), [
    'Namespace/-/demo',
    'ReplicaSet/demo/web-5d',
    'Pod/demo/filtered-owner',
    'Pod/demo/orphan',
  ]);
});

test('objects every cluster makes for itself are not restored', () => {
  const p = plan(
    [
      item('v1', 'ConfigMap', 'kube-root-ca.crt', NS),
      item('v1', 'Service', 'kubernetes', { namespace: 'default' }),
      item('v1', 'Endpoints', 'kubernetes', { namespace: 'default' }),
      item('v1', 'Service', 'kubernetes', NS),
      item('apiregistration.k8s.io/v1', 'APIService', 'v1.apps', {
        labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' },
      }),
      item('apiregistration.k8s.io/v1', 'APIService', 'v1beta1.metrics.k8s.io'),
    ],
    { includeClusterResources: true },
  );
  assert.deepEqual(reasons(p).sort(), [
    'skipped ClusterManaged kube-root-ca.crt',
    'skipped ClusterManaged kubernetes',
    'skipped ClusterManaged kubernetes',
    'skipped ClusterManaged v1.apps',
  ]);
  assert.deepEqual(planned(p), [
    'Namespace/-/demo',
    'Service/demo/kubernetes',
    'APIService/-/v1beta1.metrics.k8s.io',
  ]);
});

test('a second file for the same object is skipped as a duplicate naming the first', () => {
  const a = item('v1', 'ConfigMap', 'c', { ...NS, resource: 'configmaps' });
  const b = { ...item('v1', 'ConfigMap', 'c', NS), file: 'configmaps/namespaces/demo/c~0123.yaml' };
  const p = plan([a, b]);
  assert.equal(p.results.length, 1);
  assert.equal(p.results[0]?.reason, 'Duplicate');
  assert.match(p.results[0]?.message ?? '', /configmaps\/namespaces\/demo\/c\.yaml/);
});

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

test('a plan of 10k objects is computed quickly (time printed)', () => {
  const items: DumpItem[] = [];
  for (let i = 0; i < 2500; i++) {
    const namespace = `ns-${i % 50}`;
    const owner = (kind: string, name: string) => [{ apiVersion: 'apps/v1', kind, name, controller: true }];
    items.push(
      item('apps/v1', 'Deployment', `d${i}`, { namespace, resource: 'deployments.apps' }),
      item('apps/v1', 'ReplicaSet', `d${i}-1`, {
        namespace,
        resource: 'replicasets.apps',
        owners: owner('Deployment', `d${i}`),
      }),
      item('v1', 'Pod', `d${i}-1-x`, { namespace, resource: 'pods', owners: owner('ReplicaSet', `d${i}-1`) }),
      item('v1', 'ConfigMap', `c${i}`, {
        namespace,
        resource: 'configmaps',
        extra: { data: { k: 'v'.repeat(100) } },
      }),
    );
  }
  const start = performance.now();
  const p = plan(items, {}, { namespaceMappings: new Map([['ns-1', 'other']]) });
  console.log(`planRestore: 10000 objects in ${(performance.now() - start).toFixed(0)} ms`);
  assert.equal(p.results.length, 2500);
  assert.equal(
    p.steps.reduce((n, s) => n + s.objects.length, 0),
    7500 + 50,
  );
});

test('a namespaced object with no namespace in its file or path fails with NoNamespace', () => {
  const p = plan([item('v1', 'ConfigMap', 'c')]);
  assert.deepEqual(reasons(p), ['failed NoNamespace c']);
  assert.deepEqual(p.steps, []);
});

test('a v1 custom resource resolves through the CRD in the dump and follows it', () => {
  const crd = item('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', {
    extra: {
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', kind: 'Widget' },
        versions: [{ name: 'v1', served: true }],
      },
    },
  });
  const items = [crd, item('example.com/v1', 'Widget', 'w', NS)];
  const p = planRestore({
    items,
    types: [...TYPES, ...typesFromDump(items)],
    filter: kubedumpFilter({ includeClusterResources: true }),
  });
  assert.deepEqual(
    p.steps.map((s) => [s.resources, s.waitEstablished ?? false]),
    [
      [['customresourcedefinitions.apiextensions.k8s.io'], true],
      [['namespaces'], false],
      [['widgets.example.com'], false],
    ],
  );
});
