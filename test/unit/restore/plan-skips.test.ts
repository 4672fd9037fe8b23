// planRestore's skips: resources never restored, completed Pods and Jobs, mirror Pods, PVs without
// RestorePVs, Pods left to their restored controller, objects every cluster makes, and duplicate files.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { item } from './fixtures.ts';
import { NS, plan, planned, reasons } from './plan-fixture.ts';

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
