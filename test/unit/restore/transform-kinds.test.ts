// transformForRestore on what the cluster allocates or issues per kind: Service cluster IPs, service-account
// token Secrets, what the scheduler and kubelet set on Pods, and the selectors and UID labels of Jobs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import type { JsonObject } from '../../../src/common/json.ts';
import { transformForRestore } from '../../../src/restore/transform.ts';
import { at } from './transform-fixture.ts';

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
