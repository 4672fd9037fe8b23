// What the dump tests share: a seeded namespace (ConfigMaps, Secrets, a Deployment, a ServiceAccount, a Role
// and a Widget of a test CRD), the v2 scope of that namespace, the files of a dump and temporary directories.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { kubedumpFilter, type KubedumpFilterOptions } from '../../../src/api/kubedump-filter.ts';
import { K8S, apiVersionOf, type ResourceType } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { DumpScope } from '../../../src/dump/select.ts';
import type { KubeClient } from '../../../src/kube/types.ts';

const WIDGETS: ResourceType = {
  group: 'dump.cairn.test',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

const temps: string[] = [];
/** A fresh temporary directory, removed by removeTemps. */
export const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-dump-'));
  temps.push(d);
  return d;
};
/** Removes every directory tmp made; each test file calls it in its after hook. */
export function removeTemps(): void {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
}

/**
 * The test CRD, applied once per process and served (Established and listable) before it resolves. Every
 * dump test file applies the same CRD with the same field manager and none deletes it, so files running
 * one after another or at once share it safely.
 */
let crd: Promise<void> | undefined;
const ensureWidgets = (client: KubeClient): Promise<void> =>
  (crd ??= (async () => {
    await client.apply(
      K8S.customResourceDefinitions,
      {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.dump.cairn.test' },
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
      },
      { fieldManager: 'cairn-test', force: true },
    );
    await waitFor(
      async () => ((await client.list(WIDGETS, { namespace: 'default', limit: 1 })) ? true : undefined),
      { what: 'the Widget CRD to be served', timeoutMs: 30_000 },
    );
  })());

export const LONG_NAME = `long-${'n'.repeat(247)}`;

/** ConfigMaps (one with a 253-character name), Secrets, a Deployment of 0 replicas, a ServiceAccount, a
 * Role with a colon in its name and a non-ASCII annotation, and a Widget. The dev cluster runs no
 * Deployment controller, so the Deployment stays as created. */
export async function seed(client: KubeClient, namespace: string): Promise<void> {
  await ensureWidgets(client);
  for (const name of ['alpha', 'beta', LONG_NAME])
    await client.create(K8S.configMaps, { metadata: { name, namespace }, data: { key: `value of ${name}` } });
  for (const name of ['s1', 's2'])
    await client.create(K8S.secrets, {
      metadata: { name, namespace },
      stringData: { password: `pw-${name}` },
    });
  await client.create(K8S.serviceAccounts, { metadata: { name: 'robot', namespace } });
  await client.create(K8S.roles, {
    metadata: { name: 'app:reader', namespace, annotations: { note: 'données — 名前' } },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
  });
  await client.create(WIDGETS, {
    apiVersion: apiVersionOf(WIDGETS),
    kind: 'Widget',
    metadata: { name: 'w1', namespace },
    spec: { size: 3 },
  });
  await client.create(K8S.deployments, {
    metadata: { name: 'web', namespace },
    spec: {
      replicas: 0,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      },
    },
  });
  // What the namespace's controllers add (the default ServiceAccount, the root CA ConfigMap) is there first,
  // so that every dump of the test sees the same objects.
  await waitFor(
    async () =>
      (await client.find(K8S.serviceAccounts, 'default', namespace)) &&
      (await client.find(K8S.configMaps, 'kube-root-ca.crt', namespace))
        ? true
        : undefined,
    { what: 'the namespace controllers to fill the namespace', timeoutMs: 30_000 },
  );
}

/** Everything in the namespace except events (written by controllers at any time). */
export const scopeOf = (namespace: string, extra: KubedumpFilterOptions = {}): DumpScope => ({
  generation: 'v2',
  filter: kubedumpFilter({
    includeNamespaces: [namespace],
    excludeResources: ['events', 'events.events.k8s.io'],
    ...extra,
  }),
});

export function files(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  walk(root);
  return out.sort();
}
