import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inPlaceSanitizer, sanitizeV1, sanitizeV2 } from '../../../src/dump/sanitize.ts';

const serverMeta = {
  creationTimestamp: '2026-01-01T00:00:00Z',
  resourceVersion: '123',
  uid: 'u-1',
  generateName: 'web-',
  generation: 4,
  managedFields: [{ manager: 'kubectl' }],
};

const podSpec = () => ({
  dnsPolicy: 'ClusterFirst',
  nodeName: 'node-1',
  terminationGracePeriodSeconds: 30,
  serviceAccountName: 'default',
  serviceAccount: 'default',
  schedulerName: 'default-scheduler',
  restartPolicy: 'Always',
  containers: [{ name: 'c', image: 'busybox', terminationMessagePath: '/dev/termination-log' }],
  initContainers: [{ name: 'i', image: 'busybox', terminationMessagePath: '/dev/termination-log' }],
});

const deployment = () => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'demo',
    ...serverMeta,
    annotations: { 'deployment.kubernetes.io/revision': '3', team: 'a' },
  },
  spec: { replicas: 1, template: { metadata: { labels: { app: 'web' } }, spec: podSpec() } },
  status: { replicas: 1 },
});

test('v1 drops status and the server metadata but keeps every annotation', () => {
  const out = sanitizeV1(deployment());
  assert.equal(out.status, undefined);
  assert.deepEqual(out.metadata, {
    name: 'web',
    namespace: 'demo',
    annotations: { 'deployment.kubernetes.io/revision': '3', team: 'a' },
  });
});

test('v1 cleans the pod template of a workload like a pod spec', () => {
  const out = sanitizeV1(deployment()) as { spec: { template: { spec: Record<string, unknown> } } };
  assert.deepEqual(out.spec.template.spec, {
    serviceAccount: 'default',
    schedulerName: 'default-scheduler',
    restartPolicy: 'Always',
    containers: [{ name: 'c', image: 'busybox' }],
    initContainers: [{ name: 'i', image: 'busybox' }],
  });
});

test('v1 keeps a service account name other than "default"', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { ...podSpec(), serviceAccountName: 'app' },
  };
  const out = sanitizeV1(pod) as { spec: Record<string, unknown> };
  assert.equal(out.spec.serviceAccountName, 'app');
  assert.equal(out.spec.nodeName, undefined);
});

test('v2 drops the controller annotations and leaves workload templates as they are', () => {
  const out = sanitizeV2(deployment()) as {
    metadata: Record<string, unknown>;
    spec: { template: { spec: unknown } };
  };
  assert.deepEqual(out.metadata, { name: 'web', namespace: 'demo', annotations: { team: 'a' } });
  assert.deepEqual(out.spec.template.spec, podSpec());
});

test('v2 removes an annotations map that only held controller annotations', () => {
  const rs = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'r',
      annotations: { 'deployment.kubernetes.io/desired-replicas': '1', 'pod-template-hash': 'x' },
    },
  };
  assert.deepEqual(sanitizeV2(rs).metadata, { name: 'r' });
});

test('v2 cleans a v1 Pod and a PersistentVolumeClaim loses its volume name', () => {
  const pod = sanitizeV2({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec() }) as {
    spec: Record<string, unknown>;
  };
  assert.equal(pod.spec.dnsPolicy, undefined);
  const pvc = sanitizeV2({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'd', annotations: { 'pv.kubernetes.io/bind-completed': 'yes' } },
    spec: { volumeName: 'pv-1', resources: { requests: { storage: '1Gi' } } },
    status: { phase: 'Bound' },
  });
  assert.deepEqual(pvc, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: 'd' },
    spec: { resources: { requests: { storage: '1Gi' } } },
  });
});

test('a Pod of another apiVersion is not cleaned by v2', () => {
  const pod = sanitizeV2({
    apiVersion: 'example.com/v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: podSpec(),
  });
  assert.deepEqual(pod.spec, podSpec());
});

test('the pure sanitizers never modify their input; the in-place one does and returns it', () => {
  const input = deployment();
  const copy = structuredClone(input);
  sanitizeV1(input);
  sanitizeV2(input);
  assert.deepEqual(input, copy);
  const clean = inPlaceSanitizer('v2');
  assert.equal(clean(input), input);
  assert.equal(input.status, undefined);
});

test('sanitize "false" of the first generation passes objects unchanged', () => {
  const input = deployment();
  assert.deepEqual(inPlaceSanitizer('v1', false)(structuredClone(input)), input);
});
