import assert from 'node:assert/strict';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { clusterTest } from '../harness/cluster.ts';
import { listWatch } from '../../src/kube/list-watch.ts';
import { waitFor } from '../../src/devcluster/probe.ts';

clusterTest(
  'a paginated list with limit and continue returns every object exactly once',
  async ({ core, namespace }) => {
    const names = Array.from({ length: 7 }, (_, i) => `cm-${i}`);
    for (const name of names)
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name }, data: { i: name } } });
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace, limit: 3, _continue: token });
      pages++;
      seen.push(...page.items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith('cm-')));
      token = page.metadata?._continue || undefined;
    } while (token);
    assert.ok(pages >= 3, `expected at least 3 pages of 3, got ${pages}`);
    assert.deepEqual(seen.sort(), names);
  },
);

clusterTest(
  'a watch reports objects created and deleted after it started',
  async ({ kc, core, namespace }) => {
    const events: string[] = [];
    const stop = listWatch<V1ConfigMap>(kc, {
      path: `/api/v1/namespaces/${namespace}/configmaps`,
      list: async () => {
        const l = await core.listNamespacedConfigMap({ namespace });
        return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
      },
      onEvent: (type, obj) => events.push(`${type} ${obj.metadata?.name}`),
    });
    try {
      // the namespace's kube-root-ca.crt ConfigMap arrives first, from the list or the watch
      await waitFor(() => (events.some((e) => e.endsWith('kube-root-ca.crt')) ? true : undefined), {
        what: 'initial list',
        timeoutMs: 20_000,
      });
      await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'watched' } } });
      await waitFor(() => (events.includes('ADDED watched') ? true : undefined), {
        what: 'ADDED event',
        timeoutMs: 20_000,
      });
      await core.deleteNamespacedConfigMap({ name: 'watched', namespace });
      await waitFor(() => (events.includes('DELETED watched') ? true : undefined), {
        what: 'DELETED event',
        timeoutMs: 20_000,
      });
    } finally {
      stop();
    }
  },
);

clusterTest(
  'server-side apply creates, updates and records the field manager',
  async ({ core, namespace }) => {
    const apply = async (value: string): Promise<V1ConfigMap> =>
      core.patchNamespacedConfigMap(
        {
          name: 'applied',
          namespace,
          fieldManager: 'cairn-test',
          force: true,
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'applied', namespace },
            data: { key: value },
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    const created = await apply('one');
    assert.equal(created.data?.key, 'one');
    const updated = await apply('two');
    assert.equal(updated.data?.key, 'two');
    const managers = (updated.metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    assert.ok(managers.includes('cairn-test/Apply'), `managedFields: ${managers.join(', ')}`);
  },
);

clusterTest('a status subresource is patched without touching the spec', async ({ kc, namespace }) => {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const group = 'harness.cairn.dev';
  const crdName = `widgets.${group}`;
  await ext
    .createCustomResourceDefinition({
      body: {
        metadata: { name: crdName },
        spec: {
          group,
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              subresources: { status: {} },
              schema: {
                openAPIV3Schema: {
                  type: 'object',
                  properties: {
                    spec: { type: 'object', properties: { size: { type: 'integer' } } },
                    status: { type: 'object', properties: { phase: { type: 'string' } } },
                  },
                },
              },
            },
          ],
        },
      },
    })
    .catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
  await waitFor(
    async () => {
      const crd = await ext.readCustomResourceDefinition({ name: crdName });
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    },
    { what: 'CRD Established', timeoutMs: 30_000 },
  );
  const co = kc.makeApiClient(CustomObjectsApi);
  const name = `w-${Date.now()}`;
  const ref = { group, version: 'v1', namespace, plural: 'widgets', name };
  await waitFor(
    async () =>
      (await co.createNamespacedCustomObject({
        ...ref,
        body: {
          apiVersion: `${group}/v1`,
          kind: 'Widget',
          metadata: { name },
          spec: { size: 3 },
          status: { phase: 'ignored' },
        },
      })) as KubernetesObject,
    { what: 'create Widget (discovery of the new CRD)', timeoutMs: 30_000 },
  );
  try {
    const before = (await co.getNamespacedCustomObject(ref)) as { status?: { phase?: string } };
    assert.equal(
      before.status,
      undefined,
      'status on create must be ignored when the status subresource is on',
    );
    await co.patchNamespacedCustomObjectStatus(
      { ...ref, body: { status: { phase: 'Ready' }, spec: { size: 99 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const after = (await co.getNamespacedCustomObject(ref)) as {
      spec: { size: number };
      status: { phase: string };
    };
    assert.equal(after.status.phase, 'Ready');
    assert.equal(after.spec.size, 3, 'a status patch must not change the spec');
  } finally {
    await co.deleteNamespacedCustomObject(ref);
  }
});
