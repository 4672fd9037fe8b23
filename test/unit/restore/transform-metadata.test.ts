// transformForRestore on what every object carries: server-set metadata and status removed, ownerReferences
// taken out into owners, and the input never modified.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import { transformForRestore } from '../../../src/restore/transform.ts';
import { RS, at, deepFreeze } from './transform-fixture.ts';

test('server-set metadata, controller annotations and status are removed; last-applied-configuration stays', () => {
  const input = deepFreeze({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'demo',
      uid: 'u',
      resourceVersion: '7',
      creationTimestamp: '2024-01-01T00:00:00Z',
      generation: 3,
      managedFields: [{}],
      selfLink: '/apis/apps/v1/x',
      deletionTimestamp: '2024-01-02T00:00:00Z',
      deletionGracePeriodSeconds: 30,
      labels: { app: 'web' },
      annotations: {
        'deployment.kubernetes.io/revision': '4',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
      },
    },
    spec: { replicas: 2 },
    status: { replicas: 2 },
  });
  const t = transformForRestore(input, K8S.deployments);
  assert.deepEqual(t.object, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'web',
      namespace: 'demo',
      labels: { app: 'web' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    spec: { replicas: 2 },
  });
  assert.equal(t.namespace, 'demo');
  assert.equal(t.sourceNamespace, undefined);
});

test('ownerReferences are taken out into owners with the dependent namespace; one that names no owner is dropped', () => {
  const t = transformForRestore(
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-1',
        namespace: 'a',
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: 'web',
            uid: 'u1',
            controller: true,
            blockOwnerDeletion: true,
          },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'no-uid' },
          { apiVersion: 'v1', kind: 'ConfigMap', uid: 'no-name' },
        ],
      },
    },
    RS,
    { namespaceMappings: new Map([['a', 'b']]) },
  );
  assert.equal(at(t.object, 'metadata', 'ownerReferences'), undefined);
  assert.deepEqual(t.owners, [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      uid: 'u1',
      controller: true,
      blockOwnerDeletion: true,
      namespace: 'b',
    },
    { apiVersion: 'v1', kind: 'ConfigMap', name: 'no-uid', uid: '', namespace: 'b' },
  ]);
});

test('the input object is never modified', () => {
  const input = deepFreeze({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 's',
      namespace: 'a',
      uid: 'u',
      ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'y' }],
    },
    spec: { clusterIP: '10.0.0.1' },
  });
  assert.doesNotThrow(() =>
    transformForRestore(input, K8S.services, { namespaceMappings: new Map([['a', 'b']]) }),
  );
});
