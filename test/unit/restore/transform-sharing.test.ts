// The transform copies only what a rule changes: every Kind rule runs on a deep-frozen input without writing
// into it, gives what it gives on a private copy, and shares the subtrees it leaves as dumped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S, type ResourceType } from '../../../src/api/resource-type.ts';
import type { JsonObject } from '../../../src/common/json.ts';
import { transformForRestore } from '../../../src/restore/transform.ts';
import { PV, PVC, STS, deepFreeze } from './transform-fixture.ts';

const meta = (name: string, extra: JsonObject = {}): JsonObject => ({
  name,
  namespace: 'a',
  uid: 'u',
  resourceVersion: '9',
  labels: { app: name },
  annotations: { 'pv.kubernetes.io/bind-completed': 'yes', keep: 'me' },
  managedFields: [{ manager: 'kubectl' }],
  ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'y' }],
  ...extra,
});
const BINDING: ResourceType = {
  group: 'rbac.authorization.k8s.io',
  version: 'v1',
  plural: 'rolebindings',
  kind: 'RoleBinding',
  namespaced: true,
};
const claimTemplate = { metadata: { name: 'd' }, spec: { storageClassName: 'old' } };
const CASES: [string, ResourceType, JsonObject][] = [
  ['Service', K8S.services, { spec: { clusterIP: '10.0.0.1', ports: [{ port: 80, nodePort: 30080 }] } }],
  ['PVC', PVC, { spec: { volumeName: 'pv-1', storageClassName: 'old' } }],
  ['PV', PV, { spec: { claimRef: { namespace: 'a', uid: 'c' }, storageClassName: 'old' } }],
  ['token Secret', K8S.secrets, { type: 'kubernetes.io/service-account-token', data: { token: 'dA==' } }],
  ['Pod', K8S.pods, { spec: { nodeName: 'n1', containers: [{ name: 'c' }], ephemeralContainers: [] } }],
  ['Job', K8S.jobs, { spec: { selector: { matchLabels: {} }, template: { metadata: { labels: {} } } } }],
  ['StatefulSet', STS, { spec: { volumeClaimTemplates: [claimTemplate] } }],
  ['RoleBinding', BINDING, { subjects: [{ kind: 'ServiceAccount', name: 'sa', namespace: 'a' }] }],
  ['Namespace', K8S.namespaces, { metadata: { name: 'a', labels: { 'kubernetes.io/metadata.name': 'a' } } }],
  ['ConfigMap', K8S.configMaps, { data: { big: 'x'.repeat(1000) } }],
];
const options = {
  namespaceMappings: new Map([['a', 'b']]),
  storageClassMappings: new Map([['old', 'new']]),
};

for (const [what, type, body] of CASES) {
  test(`the ${what} rules leave a frozen input untouched and give what they give on a copy`, () => {
    const object = { apiVersion: 'v1', kind: type.kind, metadata: meta(what.toLowerCase()), ...body };
    const expected = transformForRestore(structuredClone(object), type, options);
    const frozen = deepFreeze(structuredClone(object));
    assert.deepEqual(transformForRestore(frozen, type, options), expected);
  });
}

test('what no rule changes is shared with the input, not copied', () => {
  const data = { big: 'x'.repeat(1000) };
  const spec = { replicas: 3, template: { spec: { containers: [{ name: 'c' }] } } };
  const cm = transformForRestore(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('c'), data },
    K8S.configMaps,
  );
  assert.equal(cm.object.data, data);
  const deploy = transformForRestore(
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('d'), spec },
    K8S.deployments,
  );
  assert.equal(deploy.object.spec, spec);
});
