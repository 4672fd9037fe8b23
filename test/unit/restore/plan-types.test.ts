// planRestore resolving types: v1 items by apiVersion and kind, custom resources through the dump's CRD,
// NoSuchType and NoNamespace failures, and a plan of 10k objects timed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kubedumpFilter } from '../../../src/api/kubedump-filter.ts';
import { planRestore } from '../../../src/restore/plan.ts';
import { typesFromDump } from '../../../src/restore/types-from-dump.ts';
import type { DumpItem } from '../../../src/restore/types.ts';
import { TYPES, item } from './fixtures.ts';
import { NS, plan, reasons } from './plan-fixture.ts';

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
