// A dump tree as KubeStash's kubedump writes it (test/fixtures/kubestash-v2-dump: the v2 group-resource layout,
// files as Go's YAML writer renders them, with status, server-set metadata, the old cluster's IPs and UIDs, an
// Event, a controller-made Pod, the namespace's kube-root-ca.crt and a cluster-scoped name with a colon) is
// restored into the dev cluster under another namespace name: every object that belongs in a cluster comes
// back with its content, the ReplicaSet owned by the new Deployment, and the rest is skipped with its reason.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kubedumpFilter } from '../../src/api/kubedump-filter.ts';
import { K8S, type ResourceType } from '../../src/api/resource-type.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { restore } from '../../src/restore/engine.ts';
import { adminClient } from '../harness/cluster.ts';

const FIXTURE = join(resolve(dirname(fileURLToPath(import.meta.url)), '..'), 'fixtures', 'kubestash-v2-dump');
const NS = `fixture-${randomBytes(3).toString('hex')}`;
const client = adminClient();
const t = (group: string, plural: string, kind: string, namespaced = true): ResourceType => ({
  group,
  version: 'v1',
  plural,
  kind,
  namespaced,
});
const DEPLOYMENTS = t('apps', 'deployments', 'Deployment');
const REPLICA_SETS = t('apps', 'replicasets', 'ReplicaSet');
const CLUSTER_ROLES = t('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false);
const ROLE_BINDINGS = t('rbac.authorization.k8s.io', 'rolebindings', 'RoleBinding');

type Obj = KubeObject & Record<string, unknown>;

after(async () => {
  await client.delete(K8S.namespaces, NS).catch(() => undefined);
  await client.delete(CLUSTER_ROLES, 'fixture:reader').catch(() => undefined);
});

test('a dump in KubeStash’s v2 layout, written as its Go writer writes it, restores under a mapped namespace: objects back with their content and new owners, cluster-made objects skipped with reasons', async () => {
  const summary = await restore({
    client,
    root: FIXTURE,
    filter: kubedumpFilter({ includeClusterResources: true }),
    namespaceMappings: new Map([['demo-a', NS]]),
  });
  const outcome = (resource: string, name: string): string =>
    summary.results
      .filter((r) => r.resource === resource && r.name === name)
      .map((r) => `${r.outcome}${r.reason ? ` ${r.reason}` : ''}`)
      .join(', ');
  const created = [
    ['namespaces', NS],
    ['configmaps', 'my-config-a'],
    ['secrets', 'my-secret-a'],
    ['serviceaccounts', 'my-serviceaccount-a'],
    ['services', 'my-service-a'],
    ['deployments.apps', 'my-deployment-a'],
    ['replicasets.apps', 'my-deployment-a-5f8c9d7b6'],
    ['rolebindings.rbac.authorization.k8s.io', 'my-rolebinding-a'],
    ['clusterroles.rbac.authorization.k8s.io', 'fixture:reader'],
  ];
  for (const [resource, name] of created)
    assert.equal(outcome(resource!, name!), 'created', `${resource} ${name}`);
  assert.match(
    outcome('configmaps', 'kube-root-ca.crt'),
    /^skipped /,
    'the cluster publishes its own CA bundle',
  );
  assert.match(
    outcome('pods', 'my-deployment-a-5f8c9d7b6-x7k2p'),
    /^skipped /,
    'its ReplicaSet makes the Pod',
  );
  assert.equal(outcome('events', 'my-deployment-a.1822a3b4c5d6e7f8'), 'skipped NotRestorable');
  assert.deepEqual(
    { ...summary.counts, results: summary.results.length },
    { created: 9, updated: 0, unchanged: 0, skipped: 3, failed: 0, results: 12 },
    JSON.stringify(summary.results, null, 1),
  );

  const ns = await client.get<Obj>(K8S.namespaces, NS);
  assert.equal(ns.metadata?.labels?.['kubernetes.io/metadata.name'], NS);
  const cm = await client.get<Obj>(K8S.configMaps, 'my-config-a', NS);
  assert.deepEqual(cm.data, {
    'app.properties': 'greeting.message=Hello, World!\napp.version=1.0.0\n',
    empty: '',
    port: '8080',
  });
  const secret = await client.get<Obj>(K8S.secrets, 'my-secret-a', NS);
  assert.deepEqual(secret.data, { password: 'Zml4dHVyZS1wYXNzd29yZA==', username: 'Zml4dHVyZS11c2Vy' });
  const svc = await client.get<Obj & { spec: { clusterIP: string; ports: unknown[] } }>(
    K8S.services,
    'my-service-a',
    NS,
  );
  assert.notEqual(svc.spec.clusterIP, '10.43.118.7', 'the old cluster’s IP is left to the new cluster');
  assert.deepEqual(svc.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
  const dep = await client.get<Obj & { spec: { template: { spec: { serviceAccountName: string } } } }>(
    DEPLOYMENTS,
    'my-deployment-a',
    NS,
  );
  assert.equal(dep.spec.template.spec.serviceAccountName, 'my-serviceaccount-a');
  assert.notEqual(dep.metadata?.uid, '6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d');
  const rs = await client.get<Obj>(REPLICA_SETS, 'my-deployment-a-5f8c9d7b6', NS);
  assert.deepEqual(
    rs.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
    [['Deployment', 'my-deployment-a', dep.metadata?.uid, true]],
    'the ReplicaSet is owned by the restored Deployment',
  );
  const rb = await client.get<Obj & { subjects: { namespace?: string }[] }>(
    ROLE_BINDINGS,
    'my-rolebinding-a',
    NS,
  );
  assert.deepEqual(
    rb.subjects.map((s) => s.namespace),
    [NS],
    'the binding’s ServiceAccount subject follows the mapping',
  );
  const role = await client.get<Obj & { rules: unknown[] }>(CLUSTER_ROLES, 'fixture:reader');
  assert.deepEqual(role.rules, [
    { apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list', 'watch'] },
  ]);
  assert.equal(await client.find(K8S.namespaces, 'demo-a'), undefined, 'the source namespace is not created');
});
