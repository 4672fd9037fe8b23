import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubedumpFilter } from '../../../src/api/kubedump-filter.ts';
import { orderTypes } from '../../../src/restore/order.ts';
import { planRestore } from '../../../src/restore/plan.ts';
import { typesFromDump } from '../../../src/restore/types-from-dump.ts';
import type { DumpItem } from '../../../src/restore/types.ts';
import { TYPES, item, stepLines } from './fixtures.ts';

const ns = 'demo';
const crd = item('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com', {
  resource: 'customresourcedefinitions.apiextensions.k8s.io',
  extra: {
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'widgets', kind: 'Widget' },
      versions: [
        { name: 'v1', served: true, storage: true },
        { name: 'v1beta1', served: true, storage: false },
      ],
    },
  },
});

/** A namespace as the end-to-end restore test holds it, in v2 layout, plus a cluster-scoped low-priority type. */
function namespaceDump(): DumpItem[] {
  const o = (apiVersion: string, kind: string, name: string, resource: string, extra = {}): DumpItem =>
    item(apiVersion, kind, name, { namespace: ns, resource, ...extra });
  return [
    crd,
    item('v1', 'Namespace', ns, { resource: 'namespaces' }),
    o('example.com/v1beta1', 'Widget', 'w1', 'widgets.example.com'),
    o('apps/v1', 'Deployment', 'web', 'deployments.apps'),
    o('apps/v1', 'ReplicaSet', 'web-5d', 'replicasets.apps', {
      owners: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', controller: true }],
    }),
    // Not controlled (controller false), so it is restored, after its owner.
    o('v1', 'Pod', 'web-5d-x', 'pods', {
      owners: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d' }],
    }),
    o('v1', 'Service', 'web', 'services'),
    o('networking.k8s.io/v1', 'Ingress', 'web', 'ingresses.networking.k8s.io'),
    o('v1', 'ConfigMap', 'cfg', 'configmaps'),
    o('v1', 'Secret', 'sec', 'secrets'),
    o('v1', 'ServiceAccount', 'app', 'serviceaccounts'),
    o('rbac.authorization.k8s.io/v1', 'Role', 'app', 'roles.rbac.authorization.k8s.io'),
    o('rbac.authorization.k8s.io/v1', 'RoleBinding', 'app', 'rolebindings.rbac.authorization.k8s.io'),
    o('policy/v1', 'PodDisruptionBudget', 'web', 'poddisruptionbudgets.policy'),
    o('networking.k8s.io/v1', 'NetworkPolicy', 'deny', 'networkpolicies.networking.k8s.io'),
    item('cluster.x-k8s.io/v1beta1', 'Cluster', 'c1', {
      namespace: ns,
      resource: 'clusters.cluster.x-k8s.io',
    }),
  ];
}

const capiCluster = {
  group: 'cluster.x-k8s.io',
  version: 'v1beta1',
  plural: 'clusters',
  kind: 'Cluster',
  namespaced: true,
};

function plan(items: DumpItem[]) {
  return planRestore({
    items,
    types: [...TYPES, capiCluster, ...typesFromDump(items)],
    filter: kubedumpFilter({ includeClusterResources: true }),
  });
}

test('a namespace restores in owner-first, reference-first steps, sharing steps where nothing orders types', () => {
  const p = plan(namespaceDump());
  assert.deepEqual(p.results, []);
  assert.deepEqual(stepLines(p.steps), [
    'CustomResourceDefinition/widgets.example.com',
    'Namespace/demo',
    'ConfigMap/cfg ServiceAccount/app Service/web',
    'Secret/sec',
    'Deployment/web Ingress/web NetworkPolicy/deny PodDisruptionBudget/web Role/app Widget/w1',
    'ReplicaSet/web-5d RoleBinding/app',
    'Pod/web-5d-x',
    'Cluster/c1',
  ]);
  assert.equal(p.steps[0]?.waitEstablished, true);
  assert.ok(p.steps.slice(1).every((s) => s.waitEstablished === undefined));
});

test('the plan does not depend on the order of the items', () => {
  const items = namespaceDump();
  const shuffled = [...items].reverse();
  assert.deepEqual(plan(shuffled), plan(items));
});

test('a custom resource is planned at the version of its own apiVersion, with the type its CRD defines', () => {
  const widget = plan(namespaceDump())
    .steps.flatMap((s) => s.objects)
    .find((o) => o.name === 'w1');
  assert.deepEqual(widget?.type, {
    group: 'example.com',
    version: 'v1beta1',
    plural: 'widgets',
    kind: 'Widget',
    namespaced: true,
  });
  assert.equal(widget?.resource, 'widgets.example.com');
});

test('typesFromDump gives one type per served version and honours the scope', () => {
  const cluster = item('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'gizmos.example.com', {
    extra: {
      spec: {
        group: 'example.com',
        scope: 'Cluster',
        names: { plural: 'gizmos', kind: 'Gizmo' },
        versions: [
          { name: 'v2', served: true },
          { name: 'v1', served: false },
        ],
      },
    },
  });
  assert.deepEqual(
    typesFromDump([crd, cluster]).map((t) => `${t.plural}.${t.group}/${t.version} ${t.namespaced}`),
    ['gizmos.example.com/v2 false', 'widgets.example.com/v1 true', 'widgets.example.com/v1beta1 true'],
  );
  assert.deepEqual(
    typesFromDump([item('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'broken')]),
    [],
  );
});

test('high-priority types keep the orderings the list stands for (classes before volumes before claims, ServiceAccounts before Secrets, what a Pod uses before it) and otherwise share steps', () => {
  const o = (apiVersion: string, kind: string, name: string, namespace?: string): DumpItem =>
    item(apiVersion, kind, name, namespace ? { namespace } : {});
  const p = planRestore({
    items: [
      o('storage.k8s.io/v1', 'StorageClass', 'fast'),
      o('v1', 'PersistentVolume', 'pv'),
      o('v1', 'PersistentVolumeClaim', 'data', ns),
      o('v1', 'ServiceAccount', 'app', ns),
      o('v1', 'Secret', 'sec', ns),
      o('v1', 'LimitRange', 'limits', ns),
      o('v1', 'Pod', 'standalone', ns),
      o('v1', 'Endpoints', 'ext', ns),
      o('v1', 'Service', 'ext', ns),
    ],
    types: TYPES,
    filter: kubedumpFilter({ includeClusterResources: true }),
    restorePVs: true,
  });
  assert.deepEqual(stepLines(p.steps), [
    'Namespace/demo',
    'Endpoints/ext LimitRange/limits ServiceAccount/app StorageClass/fast',
    'PersistentVolume/pv Secret/sec Service/ext',
    'PersistentVolumeClaim/data',
    'Pod/standalone',
  ]);
});

test('an owner outside the priority list takes a listed type out of the list, after its owner', () => {
  const steps = orderTypes(
    ['secrets', 'certificates.cert-manager.io', 'pods', 'configmaps'],
    [['certificates.cert-manager.io', 'secrets']],
  ).steps;
  assert.deepEqual(steps, [['configmaps'], ['certificates.cert-manager.io'], ['secrets'], ['pods']]);
});

test('a cycle between types is broken by taking the alphabetically first type of it first', () => {
  assert.deepEqual(
    orderTypes(
      ['b.x', 'a.x', 'c.x', 'd.x'],
      [
        ['b.x', 'a.x'],
        ['a.x', 'b.x'],
        ['c.x', 'a.x'],
      ],
    ).steps,
    [['c.x', 'd.x'], ['a.x'], ['b.x']],
  );
});

test('the low-priority list comes last, one type per step, in its order', () => {
  assert.deepEqual(
    orderTypes([
      'packageinstalls.packaging.carvel.dev',
      'clusters.cluster.x-k8s.io',
      'configmaps',
      'apps.kappctrl.k14s.io',
    ]).steps,
    [
      ['configmaps'],
      ['clusters.cluster.x-k8s.io'],
      ['apps.kappctrl.k14s.io'],
      ['packageinstalls.packaging.carvel.dev'],
    ],
  );
});

test('admission webhooks and policies are written after every other type, even the low-priority list, and policies before their bindings', () => {
  const { steps } = orderTypes([
    'validatingwebhookconfigurations.admissionregistration.k8s.io',
    'mutatingwebhookconfigurations.admissionregistration.k8s.io',
    'validatingadmissionpolicybindings.admissionregistration.k8s.io',
    'validatingadmissionpolicies.admissionregistration.k8s.io',
    'clusters.cluster.x-k8s.io',
    'deployments.apps',
    'configmaps',
  ]);
  assert.deepEqual(steps.slice(-3), [
    ['clusters.cluster.x-k8s.io'],
    ['validatingadmissionpolicies.admissionregistration.k8s.io'],
    [
      'mutatingwebhookconfigurations.admissionregistration.k8s.io',
      'validatingadmissionpolicybindings.admissionregistration.k8s.io',
      'validatingwebhookconfigurations.admissionregistration.k8s.io',
    ],
  ]);
});
