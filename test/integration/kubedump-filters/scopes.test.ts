// What the kubedump task selects, checked object by object against the rules of the API reference §5.2 on a
// seeded cluster. The params go the way a Job gets them: the Addon task's params resolved into the args of
// the shipped `kubedump-backup` Function, parsed by the `cairn kubedump backup` command, planned, dumped.
// The expected set is computed independently of the dump's type planning: every served type is listed
// cluster-wide and the pure rules of src/api/kubedump-filter.ts (whose vectors are upstream's) are applied.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import { dump } from '../../../src/dump/dump.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { planDump } from '../../../src/tasks/kubedump/plan.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { dumped, expectedV1, expectedV2, id, settled, withoutEvents } from './expected.ts';
import { create, GUIDE, guideObjects, ownedTree, readDocs, REPLICA_SETS, requestFor } from './guide.ts';

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const dumpDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-filters-'));
  temps.push(d);
  return d;
};

clusterTest(
  "each scope of the kubedump task, from the guide's filter params to v1 targets, dumps exactly the objects the rules select",
  async ({ client, namespace }) => {
    const a = `${namespace}-a`;
    const b = `${namespace}-b`;
    const suffix = namespace.slice(-6);
    for (const ns of [a, b]) await client.create(K8S.namespaces, { metadata: { name: ns } });
    const cleanups: (() => Promise<void>)[] = [];
    try {
      // The guide's objects in its two namespaces, and a copy of namespace a's objects in a third namespace
      // that the params leave out (same labels: only the namespace filter keeps it out).
      cleanups.push(await create(client, guideObjects({ 'demo-a': a, 'demo-b': b }, suffix)));
      cleanups.push(
        await create(
          client,
          guideObjects({ 'demo-a': namespace, 'demo-b': namespace }, `${suffix}-x`).filter(
            (o) => o.metadata?.namespace === namespace && o.kind !== 'StatefulSet',
          ),
        ),
      );
      // The dev cluster runs no Deployment controller: the ReplicaSet and pods it would make are written
      // here, with the same labels and ownerReferences.
      await ownedTree(client, a);

      // v2: the guide's params, with its namespaces renamed.
      const guideBc = readDocs(join(GUIDE, '06-backupconfiguration.yaml'))[0] as KubeObject & {
        spec: { sessions: { addon: { tasks: { params: Record<string, string> }[] } }[] };
      };
      const params = { ...guideBc.spec.sessions[0]?.addon.tasks[0]?.params };
      assert.equal(params.IncludeNamespaces, 'demo-a,demo-b', 'the guide still names its two namespaces');
      params.IncludeNamespaces = `${a},${b}`;
      const v2 = planDump({
        request: await requestFor(params, namespace, undefined),
        target: undefined,
        invokerNamespace: namespace,
      });
      assert.equal(v2.generation, 'v2');
      const wantV2 = await settled('the v2 selection to settle', () => expectedV2(client, v2));
      const dirV2 = dumpDir();
      assert.ok(v2.dumpScope);
      await dump({ client, dir: dirV2, scope: v2.dumpScope });
      const gotV2 = dumped(dirV2, (_o, p) => p.slice(dirV2.length + 1).split('/')[0] ?? '');
      assert.deepEqual(withoutEvents(gotV2), withoutEvents(wantV2));
      // What the guide promises, spelled out: both namespaces' labelled objects and both cluster roles; the
      // third namespace's copies are left out.
      for (const must of [
        id('configmaps', a, 'my-config-a'),
        id('secrets', b, 'my-secret-b'),
        id('statefulsets.apps', b, 'my-statefulset'),
        id('clusterroles.rbac.authorization.k8s.io', undefined, `my-clusterrole-a-${suffix}`),
        id('clusterrolebindings.rbac.authorization.k8s.io', undefined, `my-clusterrolebinding-b-${suffix}`),
      ])
        assert.ok(gotV2.has(must), must);
      assert.equal(
        [...gotV2].some((x) => x.includes(` ${namespace}/`)),
        false,
        'nothing of the excluded namespace',
      );
      assert.ok([...gotV2].filter((x) => x.startsWith(`pods ${a}/`)).length === 3, "the Deployment's pods");

      const kindOf = (o: KubeObject): string => o.kind ?? '';
      // v1: a namespace target.
      const nsTarget = { apiGroup: '', kind: 'Namespace', name: a };
      const v1ns = planDump({
        request: await requestFor({}, namespace, nsTarget),
        target: nsTarget,
        invokerNamespace: namespace,
      });
      assert.equal(v1ns.generation, 'v1');
      const wantNs = await settled('the namespace selection to settle', () =>
        expectedV1(client, { namespace: a }),
      );
      const dirNs = dumpDir();
      assert.ok(v1ns.dumpScope);
      await dump({ client, dir: dirNs, scope: v1ns.dumpScope });
      assert.deepEqual(withoutEvents(dumped(dirNs, kindOf)), withoutEvents(wantNs));

      // v1: the whole cluster, through a label selector (the rest of the cluster changes under other tests).
      const v1cluster = planDump({
        request: await requestFor({ labelSelector: 'app in (my-sts)' }, namespace, undefined),
        target: undefined,
        invokerNamespace: namespace,
      });
      assert.equal(v1cluster.generation, 'v1');
      const selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['my-sts'] }] };
      const wantCluster = await settled('the cluster selection to settle', () =>
        expectedV1(client, { labelSelector: selector }),
      );
      const dirCluster = dumpDir();
      assert.ok(v1cluster.dumpScope);
      await dump({ client, dir: dirCluster, scope: v1cluster.dumpScope });
      const gotCluster = dumped(dirCluster, kindOf);
      assert.deepEqual(withoutEvents(gotCluster), withoutEvents(wantCluster));
      assert.ok(gotCluster.has(id('ClusterRole', undefined, `my-clusterrole-b-${suffix}`)));

      // v1: one application, with and without its dependants.
      const app = { apiGroup: 'apps', kind: 'Deployment', name: 'my-deployment-a', namespace: a };
      const replicaSets = (await client.list(REPLICA_SETS, { namespace: a })).items;
      const pods = (await client.list(K8S.pods, { namespace: a })).items.filter(
        (p) => p.metadata?.labels?.app === 'my-app',
      );
      const tree = [
        id('Deployment', a, 'my-deployment-a'),
        ...replicaSets.map((r) => id('ReplicaSet', a, r.metadata?.name)),
        ...pods.map((p) => id('Pod', a, p.metadata?.name)),
      ].sort();
      for (const [includeDependants, want] of [
        ['true', tree],
        ['false', [id('Deployment', a, 'my-deployment-a')]],
      ] as const) {
        const plan = planDump({
          request: await requestFor({ includeDependants }, namespace, app),
          target: app,
          invokerNamespace: namespace,
        });
        const dir = dumpDir();
        assert.ok(plan.dumpScope);
        await dump({ client, dir, scope: plan.dumpScope });
        assert.deepEqual([...dumped(dir, kindOf)].sort(), want, `includeDependants=${includeDependants}`);
      }
    } finally {
      for (const c of cleanups) await c();
      for (const ns of [a, b]) await client.delete(K8S.namespaces, ns);
    }
  },
  300_000,
);
