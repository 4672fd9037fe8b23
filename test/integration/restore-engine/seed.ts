// The namespace the restore engine tests seed: a CRD (two versions, one served) with custom resources, a
// Deployment whose ReplicaSet kube-controller-manager created, Services (one with an explicit nodePort),
// ConfigMaps, Secrets, RBAC, an Ingress, a PDB, a NetworkPolicy and a PVC; and that namespace deleted and
// restored from its dump, as the later tests start from.
import assert from 'node:assert/strict';
import { K8S } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { restore } from '../../../src/restore/engine.ts';
import type { RestoreOptions, RestoreSummary } from '../../../src/restore/types.ts';
import {
  CRD_NAME,
  FILTER,
  FROZEN,
  GADGETS,
  GROUP,
  LABELS,
  NODE_PORT,
  NS,
  PASSWORD,
  R,
  client,
  dumpTo,
  show,
  tmp,
  usePrivateCluster,
} from './fixture.ts';

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: NS,
  labels: LABELS,
  ...extra,
});

/** The seeded namespace; resolves once the Deployment's ReplicaSet exists and is owned by it. */
export async function seed(): Promise<void> {
  const c = client;
  await c.create(K8S.namespaces, { metadata: { name: NS, labels: LABELS } });
  const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  await c.create(K8S.customResourceDefinitions, {
    metadata: { name: CRD_NAME, labels: LABELS },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: [
        { name: 'v1alpha1', served: false, storage: false, schema },
        { name: 'v1', served: true, storage: true, schema },
      ],
    },
  });
  await waitFor(async () => ((await c.list(GADGETS, { namespace: NS, limit: 1 })) ? true : undefined), {
    what: 'the Gadget CRD to be served',
    timeoutMs: 30_000,
  });
  const parent = await c.create<KubeObject>(GADGETS, { metadata: meta('parent'), spec: { size: 3 } });
  const owner = (o: KubeObject, apiVersion: string, kind: string) => [
    {
      apiVersion,
      kind,
      name: o.metadata?.name,
      uid: o.metadata?.uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  await c.create(GADGETS, {
    metadata: meta('child', { ownerReferences: owner(parent, `${GROUP}/v1`, 'Gadget') }),
    spec: { size: 1 },
  });
  const podLabels = { app: 'web', ...LABELS };
  const deployment = await c.create<KubeObject>(R.deployments, {
    metadata: meta('web'),
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          containers: [{ name: 'web', image: 'example.invalid/web:1', ports: [{ containerPort: 8080 }] }],
        },
      },
    },
  });
  await c.create(R.configMaps, { metadata: meta('settings'), data: { mode: 'a' } });
  await c.create(R.configMaps, {
    metadata: meta('web-extra', { ownerReferences: owner(deployment, 'apps/v1', 'Deployment') }),
    data: { note: 'owned by the Deployment' },
  });
  await c.create(R.secrets, { metadata: meta('creds'), type: 'Opaque', stringData: { password: PASSWORD } });
  await c.create(R.secrets, { metadata: meta('frozen'), immutable: true, stringData: { token: FROZEN } });
  await c.create(R.serviceAccounts, { metadata: meta('app') });
  await c.create(R.roles, {
    metadata: meta('app'),
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
  });
  await c.create(R.roleBindings, {
    metadata: meta('app'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'app' },
    subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: NS }],
  });
  await c.create(R.services, {
    metadata: meta('web'),
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
  });
  await c.create(R.services, {
    metadata: meta('web-np'),
    spec: {
      type: 'NodePort',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: NODE_PORT }],
    },
  });
  await c.create(R.ingresses, {
    metadata: meta('web'),
    spec: {
      rules: [
        {
          host: 'web.example.test',
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name: 'web', port: { number: 80 } } },
              },
            ],
          },
        },
      ],
    },
  });
  await c.create(R.pdbs, {
    metadata: meta('web'),
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
  });
  await c.create(R.networkPolicies, {
    metadata: meta('web'),
    spec: {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }],
    },
  });
  await c.create(R.pvcs, {
    metadata: meta('data'),
    spec: {
      accessModes: ['ReadWriteOnce'],
      storageClassName: 'fast',
      resources: { requests: { storage: '1Gi' } },
    },
  });
  const uid = deployment.metadata?.uid;
  await waitFor(
    async () => {
      const list = await c.list(R.replicaSets, { namespace: NS });
      return list.items.some((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === uid))
        ? true
        : undefined;
    },
    { what: 'the ReplicaSet of the Deployment', timeoutMs: 60_000 },
  );
}

/** Deletes the seeded namespace and the Gadget CRD; resolves once both are gone. */
export async function deleteSeeded(): Promise<void> {
  await client.delete(K8S.namespaces, NS);
  await client.delete(K8S.customResourceDefinitions, CRD_NAME);
  await waitFor(async () => ((await client.find(K8S.namespaces, NS)) ? undefined : true), {
    what: 'the namespace to be deleted',
    timeoutMs: 90_000,
  });
  await waitFor(
    async () => ((await client.find(K8S.customResourceDefinitions, CRD_NAME)) ? undefined : true),
    {
      what: 'the CRD to be deleted',
      timeoutMs: 60_000,
    },
  );
}

/**
 * The seeded namespace dumped, deleted with its CRD and restored from the dump, as the first test of the
 * family leaves it; resolves to the dump tree.
 */
export async function restoredFromDump(): Promise<string> {
  await seed();
  const tree = tmp();
  await dumpTo(tree);
  await deleteSeeded();
  const summary = await restore({ client, root: tree, filter: FILTER });
  assert.equal(summary.counts.failed, 0, show(summary));
  return tree;
}

/**
 * For a file whose tests work on the restored namespace: the private cluster, with the seeded namespace
 * restored from its dump before the tests. `run` restores that dump again with the family's filter and the
 * options given; `tree` is the dump's directory.
 */
export function useRestoredCluster(): {
  run: (o?: Partial<RestoreOptions>) => Promise<RestoreSummary>;
  tree: () => string;
} {
  let tree = '';
  usePrivateCluster(async () => {
    tree = await restoredFromDump();
  });
  return {
    run: (o = {}) => restore({ client, root: tree, filter: FILTER, ...o }),
    tree: () => tree,
  };
}
