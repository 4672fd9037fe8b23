// The synthetic cluster the dump and restore benchmarks share: N objects of a fixed mix across N/100
// namespaces, the same for the same seed, and the CRD of its custom resources.
import { K8S, type ResourceType } from '../src/api/resource-type.ts';
import { waitFor } from '../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../src/kube/types.ts';

/** A small deterministic PRNG (mulberry32): the same seed gives the same objects. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The custom resource of the mix, served by the CRD `installCrd` creates. */
export const WIDGETS: ResourceType = {
  group: 'bench.cairn.test',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

type Make = (name: string, namespace: string, labels: Record<string, string>, i: number) => KubeObject;

/**
 * The mix of bench/dump.ts, by share of the objects: ConfigMaps of 100 B to 8 KiB (45 %), Secrets (15 %),
 * Services (10 %), Deployments with no replicas (10 %), ServiceAccounts (7 %), RoleBindings (6 %), custom
 * resources (7 %).
 */
function mix(rnd: () => number): [number, ResourceType, Make][] {
  return [
    [
      0.45,
      K8S.configMaps,
      (name, namespace, labels) => ({
        metadata: { name, namespace, labels },
        data: { payload: 'x'.repeat(Math.floor(100 + rnd() ** 3 * 8000)) },
      }),
    ],
    [
      0.15,
      K8S.secrets,
      (name, namespace, labels, i) => ({
        metadata: { name, namespace, labels },
        stringData: { password: `pw-${i}` },
      }),
    ],
    [
      0.1,
      K8S.services,
      (name, namespace, labels, i) => ({
        metadata: { name, namespace, labels },
        spec: { selector: labels, ports: [{ port: 80 + (i % 100) }] },
      }),
    ],
    [
      0.1,
      K8S.deployments,
      (name, namespace, labels, i) => ({
        metadata: { name, namespace, labels },
        spec: {
          replicas: 0,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: 'app',
                  image: `registry.example/${labels.app ?? 'app'}:1.${i % 10}`,
                  env: [{ name: 'MODE', value: labels.tier ?? '' }],
                  resources: { requests: { cpu: '10m', memory: '32Mi' } },
                },
              ],
            },
          },
        },
      }),
    ],
    [0.07, K8S.serviceAccounts, (name, namespace, labels) => ({ metadata: { name, namespace, labels } })],
    [
      0.06,
      K8S.roleBindings,
      (name, namespace, labels) => ({
        metadata: { name, namespace, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'ServiceAccount', name: 'default', namespace }],
      }),
    ],
    [
      0.07,
      WIDGETS,
      (name, namespace, labels) => ({
        apiVersion: 'bench.cairn.test/v1',
        kind: 'Widget',
        metadata: { name, namespace, labels },
        spec: { size: Math.floor(rnd() * 100), color: rnd() < 0.5 ? 'red' : 'blue' },
      }),
    ],
  ];
}

/** N objects across N/100 namespaces named `<prefix><i>`, the same for the same seed. */
export function synthetic(
  n: number,
  seed: number,
  prefix: string,
): { namespaces: string[]; objects: [ResourceType, KubeObject][] } {
  const rnd = prng(seed);
  const kinds = mix(rnd);
  const namespaces = Array.from({ length: Math.max(1, Math.round(n / 100)) }, (_, i) => `${prefix}${i}`);
  const objects: [ResourceType, KubeObject][] = [];
  for (let i = 0; i < n; i++) {
    const namespace = namespaces[i % namespaces.length] ?? '';
    const labels = { app: `app-${Math.floor(rnd() * 20)}`, tier: rnd() < 0.5 ? 'web' : 'db' };
    let pick = rnd();
    const kind = kinds.find(([share]) => (pick -= share) < 0) ?? kinds[kinds.length - 1];
    if (kind) objects.push([kind[1], kind[2](`o-${i}`, namespace, labels, i)]);
  }
  return { namespaces, objects };
}

/** Creates the CRD of the mix's custom resources and waits until it is served. */
export async function installCrd(client: KubeClient): Promise<void> {
  await client.create(K8S.customResourceDefinitions, {
    metadata: { name: `${WIDGETS.plural}.${WIDGETS.group}` },
    spec: {
      group: WIDGETS.group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        },
      ],
    },
  });
  await waitFor(
    async () =>
      (await client.list(WIDGETS, { namespace: 'default', limit: 1 }).catch(() => undefined))
        ? true
        : undefined,
    { what: 'the Widget CRD to be served', timeoutMs: 60_000 },
  );
}
