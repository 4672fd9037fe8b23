import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S, type ResourceType } from '../../../src/api/resource-type.ts';
import type { JsonObject } from '../../../src/common/json.ts';
import { transformForRestore } from '../../../src/restore/transform.ts';

const core = (plural: string, kind: string, namespaced = true): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced,
});
const PVC = core('persistentvolumeclaims', 'PersistentVolumeClaim');
const PV = core('persistentvolumes', 'PersistentVolume', false);
const RS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
};
const STS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'statefulsets',
  kind: 'StatefulSet',
  namespaced: true,
};

const deepFreeze = <T>(o: T): T => {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
};

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

test('a Service loses its allocated cluster IPs but keeps node ports; a headless Service keeps None', () => {
  const svc = (clusterIP: string): JsonObject => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 's', namespace: 'a' },
    spec: { clusterIP, clusterIPs: [clusterIP], type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] },
    status: { loadBalancer: {} },
  });
  const t = transformForRestore(svc('10.0.0.7'), K8S.services);
  assert.deepEqual(t.object.spec, { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
  assert.equal(t.object.status, undefined);
  const headless = transformForRestore(svc('None'), K8S.services);
  assert.deepEqual(at(headless.object, 'spec', 'clusterIPs'), ['None']);
  assert.equal(at(headless.object, 'spec', 'clusterIP'), 'None');
});

test('a PVC binds afresh: no volumeName, no binding annotations, its storage class mapped', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'data',
        namespace: 'a',
        annotations: {
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
          'pv.kubernetes.io/migrated-to': 'x',
          'volume.kubernetes.io/selected-node': 'node-1',
          'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
          keep: 'me',
        },
      },
      spec: {
        volumeName: 'pvc-123',
        storageClassName: 'longhorn',
        resources: { requests: { storage: '1Gi' } },
      },
    },
    core('persistentvolumeclaims', 'PersistentVolumeClaim'),
    { storageClassMappings: new Map([['longhorn', 'standard']]) },
  );
  assert.deepEqual(t.object.metadata, { name: 'data', namespace: 'a', annotations: { keep: 'me' } });
  assert.deepEqual(t.object.spec, {
    storageClassName: 'standard',
    resources: { requests: { storage: '1Gi' } },
  });
});

test('a PVC whose class is not in the mappings keeps it', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'd', namespace: 'a' },
      spec: { storageClassName: 'fast' },
    },
    PVC,
    { storageClassMappings: new Map([['slow', 'standard']]) },
  );
  assert.equal(at(t.object, 'spec', 'storageClassName'), 'fast');
});

test('a PV keeps its claimRef by name only, mapped, and its storage class is mapped', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-1' },
      spec: {
        storageClassName: 'longhorn',
        claimRef: {
          kind: 'PersistentVolumeClaim',
          namespace: 'a',
          name: 'data',
          uid: 'u',
          resourceVersion: '9',
        },
      },
    },
    PV,
    { storageClassMappings: new Map([['longhorn', 'standard']]), namespaceMappings: new Map([['a', 'b']]) },
  );
  assert.deepEqual(t.object.spec, {
    storageClassName: 'standard',
    claimRef: { kind: 'PersistentVolumeClaim', namespace: 'b', name: 'data' },
  });
  assert.equal(t.namespace, undefined);
});

test('StatefulSet volume claim templates get the storage class mapping', () => {
  const t = transformForRestore(
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'a' },
      spec: {
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'longhorn' } }],
      },
    },
    STS,
    { storageClassMappings: new Map([['longhorn', 'standard']]) },
  );
  assert.equal(at(t.object, 'spec', 'volumeClaimTemplates', '0', 'spec', 'storageClassName'), 'standard');
});

test('a service-account token Secret loses its token so the cluster issues a new one; other Secrets keep data', () => {
  const token = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'sa-token',
        namespace: 'a',
        annotations: {
          'kubernetes.io/service-account.name': 'sa',
          'kubernetes.io/service-account.uid': 'old',
        },
      },
      data: { token: 'c2VjcmV0', 'ca.crt': 'Y2E=' },
    },
    K8S.secrets,
  );
  assert.equal(token.object.data, undefined);
  assert.deepEqual(at(token.object, 'metadata', 'annotations'), {
    'kubernetes.io/service-account.name': 'sa',
  });
  const opaque = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: { name: 's', namespace: 'a' },
      data: { k: 'dg==' },
    },
    K8S.secrets,
  );
  assert.deepEqual(opaque.object.data, { k: 'dg==' });
});

test('a Pod loses what the scheduler and kubelet set, its ephemeral containers and a default service account', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'a' },
      spec: {
        nodeName: 'node-1',
        dnsPolicy: 'ClusterFirst',
        terminationGracePeriodSeconds: 30,
        serviceAccountName: 'default',
        serviceAccount: 'default',
        containers: [{ name: 'c', image: 'nginx', terminationMessagePath: '/dev/termination-log' }],
        initContainers: [{ name: 'i', image: 'busybox', terminationMessagePath: '/dev/termination-log' }],
        ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      },
      status: { phase: 'Running' },
    },
    K8S.pods,
  );
  assert.deepEqual(t.object.spec, {
    serviceAccount: 'default',
    containers: [{ name: 'c', image: 'nginx' }],
    initContainers: [{ name: 'i', image: 'busybox' }],
  });
  const named = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'a' },
      spec: { serviceAccountName: 'app' },
    },
    K8S.pods,
  );
  assert.equal(at(named.object, 'spec', 'serviceAccountName'), 'app');
});

test('a Job loses its generated selector and UID labels so the server generates new ones; a manual selector stays', () => {
  const job = (manualSelector?: boolean): JsonObject => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'j', namespace: 'a', labels: { 'controller-uid': 'old' } },
    spec: {
      ...(manualSelector ? { manualSelector } : {}),
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'old' } },
      template: {
        metadata: {
          labels: {
            'batch.kubernetes.io/controller-uid': 'old',
            'controller-uid': 'old',
            'job-name': 'j',
            app: 'x',
          },
        },
        spec: { restartPolicy: 'Never' },
      },
    },
  });
  const t = transformForRestore(job(), K8S.jobs);
  assert.equal(at(t.object, 'spec', 'selector'), undefined);
  assert.deepEqual(at(t.object, 'spec', 'template', 'metadata', 'labels'), { 'job-name': 'j', app: 'x' });
  const manual = transformForRestore(job(true), K8S.jobs);
  assert.deepEqual(manual.object.spec, job(true).spec);
});

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

function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) cur = (cur as Record<string, unknown> | undefined)?.[k];
  return cur;
}
