// Cairn's own Kubernetes client (src/kube) against the dev cluster: merge, JSON and strategic merge patches,
// server-side apply with field managers, and conditional status writes through the status subresource.
import assert from 'node:assert/strict';
import { K8S, type ResourceType } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { errorClass } from '../../../src/kube/errors.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { rejection, type ConfigMap } from './fixture.ts';

const WIDGETS: ResourceType = {
  group: 'harness.cairn.dev',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

clusterTest(
  'merge, JSON and strategic merge patches each apply their own semantics',
  async ({ client, namespace }) => {
    await client.create(K8S.configMaps, { metadata: { name: 'p', namespace }, data: { a: '1', b: '2' } });
    const merged = await client.patch<ConfigMap>(
      K8S.configMaps,
      'p',
      { data: { a: null, c: '3' } },
      { type: 'merge', namespace },
    );
    assert.deepEqual(merged.data, { b: '2', c: '3' });
    const jsonPatched = await client.patch<ConfigMap>(
      K8S.configMaps,
      'p',
      [
        { op: 'test', path: '/data/b', value: '2' },
        { op: 'replace', path: '/data/b', value: 'two' },
      ],
      { type: 'json', namespace },
    );
    assert.deepEqual(jsonPatched.data, { b: 'two', c: '3' });
    const failedTest = await rejection(
      client.patch(K8S.configMaps, 'p', [{ op: 'test', path: '/data/b', value: '2' }], {
        type: 'json',
        namespace,
      }),
    );
    assert.equal(
      errorClass(failedTest),
      'terminal',
      `a failed JSON patch test is terminal (${failedTest.statusCode})`,
    );
    // ServiceAccount.secrets merges by name under a strategic merge patch and is replaced by a merge patch.
    await client.create(K8S.serviceAccounts, {
      metadata: { name: 'sa', namespace },
      secrets: [{ name: 'a' }],
    });
    const strategic = await client.patch<{ secrets: { name: string }[] }>(
      K8S.serviceAccounts,
      'sa',
      { secrets: [{ name: 'b' }] },
      { type: 'strategic', namespace },
    );
    assert.deepEqual(strategic.secrets.map((s) => s.name).sort(), ['a', 'b']);
    const replacedList = await client.patch<{ secrets: { name: string }[] }>(
      K8S.serviceAccounts,
      'sa',
      { secrets: [{ name: 'c' }] },
      { type: 'merge', namespace },
    );
    assert.deepEqual(
      replacedList.secrets.map((s) => s.name),
      ['c'],
    );
  },
);

clusterTest(
  'server-side apply records its field manager, refuses a conflict without force and takes over with it',
  async ({ client, namespace }) => {
    const cm = (value: string): ConfigMap => ({
      metadata: { name: 'applied', namespace },
      data: { key: value },
    });
    const created = await client.apply(K8S.configMaps, cm('one'), { fieldManager: 'cairn-a' });
    assert.equal(created.data?.key, 'one');
    const again = await client.apply(K8S.configMaps, cm('two'), { fieldManager: 'cairn-a' });
    assert.equal(again.data?.key, 'two');
    const conflict = await rejection(client.apply(K8S.configMaps, cm('three'), { fieldManager: 'cairn-b' }));
    assert.equal(conflict.statusCode, 409);
    assert.equal(errorClass(conflict), 'conflict');
    assert.match(conflict.message, /conflict/i);
    const forced = await client.apply(K8S.configMaps, cm('three'), { fieldManager: 'cairn-b', force: true });
    assert.equal(forced.data?.key, 'three');
    const managers = ((forced.metadata?.managedFields ?? []) as { manager: string; operation: string }[]).map(
      (m) => `${m.manager}/${m.operation}`,
    );
    assert.ok(managers.includes('cairn-b/Apply'), `managedFields: ${managers.join(', ')}`);
    const dry = await client.apply(K8S.configMaps, cm('four'), { fieldManager: 'cairn-b', dryRun: true });
    assert.equal(dry.data?.key, 'four');
    assert.equal(
      (await client.get<ConfigMap>(K8S.configMaps, 'applied', namespace)).data?.key,
      'three',
      'a dry run stores nothing',
    );
  },
);

async function widgetCrd(client: KubeClient): Promise<void> {
  const crd = {
    metadata: { name: `widgets.${WIDGETS.group}` },
    spec: {
      group: WIDGETS.group,
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
  };
  await client.apply(K8S.customResourceDefinitions, crd, { fieldManager: 'cairn-test', force: true });
  await waitFor(
    async () => {
      const got = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        K8S.customResourceDefinitions,
        crd.metadata.name,
      );
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    },
    { what: 'CRD Established', timeoutMs: 30_000 },
  );
}

clusterTest(
  'patchStatus changes only the status and refuses a stale resourceVersion with 409',
  async ({ client, namespace }) => {
    await widgetCrd(client);
    type Widget = KubeObject & { spec: { size: number }; status?: { phase?: string } };
    const body: Widget = {
      metadata: { name: 'w', namespace },
      spec: { size: 3 },
      status: { phase: 'ignored' },
    };
    const created = await waitFor(() => client.create<Widget>(WIDGETS, body), {
      what: 'create a Widget (discovery of the new CRD)',
      timeoutMs: 30_000,
    });
    assert.equal(created.status, undefined, 'status on create is ignored when the status subresource is on');
    const rv = created.metadata?.resourceVersion ?? '';
    const patched = await client.patchStatus<Widget>(
      WIDGETS,
      'w',
      namespace,
      { phase: 'Ready' },
      { resourceVersion: rv },
    );
    assert.equal(patched.status?.phase, 'Ready');
    assert.equal(patched.spec.size, 3);
    const stale = await rejection(
      client.patchStatus(WIDGETS, 'w', namespace, { phase: 'Stale' }, { resourceVersion: rv }),
    );
    assert.equal(stale.statusCode, 409);
    assert.equal(errorClass(stale), 'conflict');
    const unconditional = await client.patchStatus<Widget>(WIDGETS, 'w', namespace, { phase: 'Done' });
    assert.equal(unconditional.status?.phase, 'Done');
    // A status write through the subresource cannot change the spec.
    await client.patch(
      WIDGETS,
      'w',
      { spec: { size: 99 }, status: { phase: 'Again' } },
      { type: 'merge', namespace, subresource: 'status' },
    );
    const after = await client.get<Widget>(WIDGETS, 'w', namespace);
    assert.equal(after.spec.size, 3);
    assert.equal(after.status?.phase, 'Again');
    assert.equal(await client.delete(WIDGETS, 'w', { namespace }), true);
  },
);
