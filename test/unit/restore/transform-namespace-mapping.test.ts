// transformForRestore with a namespace mapping: the object moves and records where it came from, a Namespace
// is renamed with its name label, and binding subjects follow the mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import { transformForRestore } from '../../../src/restore/transform.ts';
import { at } from './transform-fixture.ts';

test('namespace mapping moves the object and records where it came from', () => {
  const t = transformForRestore(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'a' } },
    K8S.configMaps,
    { namespaceMappings: new Map([['a', 'b']]) },
  );
  assert.equal(at(t.object, 'metadata', 'namespace'), 'b');
  assert.equal(t.namespace, 'b');
  assert.equal(t.sourceNamespace, 'a');
});

test('a mapped Namespace is restored under its new name with its name label', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a', team: 'x' } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    },
    K8S.namespaces,
    { namespaceMappings: new Map([['a', 'b']]) },
  );
  assert.deepEqual(t.object, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'b', labels: { 'kubernetes.io/metadata.name': 'b', team: 'x' } },
    spec: { finalizers: ['kubernetes'] },
  });
  assert.equal(t.name, 'b');
  assert.equal(t.namespace, undefined);
});

test('RoleBinding and ClusterRoleBinding ServiceAccount subjects follow the namespace mapping; users do not', () => {
  const subjects = [
    { kind: 'ServiceAccount', name: 'app', namespace: 'a' },
    { kind: 'ServiceAccount', name: 'other', namespace: 'elsewhere' },
    { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
  ];
  const mappings = new Map([['a', 'b']]);
  const rb = transformForRestore(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'rb', namespace: 'a' },
      subjects,
      roleRef: {},
    },
    K8S.roleBindings,
    { namespaceMappings: mappings },
  );
  const crb = transformForRestore(
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'crb' },
      subjects,
    },
    K8S.clusterRoleBindings,
    { namespaceMappings: mappings },
  );
  for (const t of [rb, crb])
    assert.deepEqual(t.object.subjects, [
      { kind: 'ServiceAccount', name: 'app', namespace: 'b' },
      { kind: 'ServiceAccount', name: 'other', namespace: 'elsewhere' },
      { kind: 'User', name: 'jane', apiGroup: 'rbac.authorization.k8s.io' },
    ]);
  assert.equal(at(rb.object, 'metadata', 'namespace'), 'b');
  assert.equal(at(crb.object, 'metadata', 'namespace'), undefined);
});
