// What the kubedump task selects, checked object by object against the rules of the API reference §5.2 on a
// seeded cluster. The params go the way a Job gets them: the Addon task's params resolved into the args of
// the shipped `kubedump-backup` Function, parsed by the `cairn kubedump backup` command, planned, dumped.
// The expected set is computed independently of the dump's type planning: every served type is listed
// cluster-wide and the pure rules of src/api/kubedump-filter.ts (whose vectors are upstream's) are applied.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { Command } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { taskArgs, backupBuiltins } from '../../src/api/function-args.ts';
import type { TypedObjectReference } from '../../src/api/kinds/references.ts';
import {
  DEFAULT_EXCLUDED_RESOURCES,
  isDumpableResource,
  resourceId,
  shouldIncludeObject,
  shouldIncludeResource,
} from '../../src/api/kubedump-filter.ts';
import { selectorMatches } from '../../src/api/label-selector.ts';
import { K8S, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { dump } from '../../src/dump/dump.ts';
import { discover, type DiscoveredResource } from '../../src/kube/discovery.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { registerKubedumpCommands } from '../../src/tasks/kubedump/command.ts';
import type { DumpRequest } from '../../src/tasks/kubedump/flags.ts';
import { planDump, type DumpPlan } from '../../src/tasks/kubedump/plan.ts';
import { clusterTest } from '../harness/cluster.ts';

const DOCS = join(import.meta.dirname, '../../../shared/kubestash-docs');
const GUIDE = join(DOCS, 'cluster-resources/filtering-demonstration');
const DEPLOY = join(import.meta.dirname, '../../deploy/addons');

const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function readDocs(file: string): KubeObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`input ${file} is missing: the test reads KubeStash's example manifests from there`, {
      cause: err,
    });
  }
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null);
}

interface AddonTask {
  name: string;
  function: string;
  parameters?: { name: string; default?: string }[];
}

/**
 * The container args a Job of this session would get: the shipped Function's args with the guide's params,
 * parsed by the real command into the request the task runs with.
 */
async function requestFor(
  params: Record<string, string>,
  namespace: string,
  target: TypedObjectReference | undefined,
): Promise<DumpRequest> {
  const fn = readDocs(join(DEPLOY, 'kubedump-backup-function.yaml'))[0] as KubeObject & {
    spec: { args: string[] };
  };
  const addon = readDocs(join(DEPLOY, 'kubedump-addon.yaml'))[0] as KubeObject & {
    spec: { backupTasks: AddonTask[] };
  };
  const task = addon.spec.backupTasks.find((t) => t.name === 'manifest-backup');
  assert.ok(task, 'the shipped kubedump-addon has a manifest-backup task');
  const resolved = taskArgs(
    fn.spec,
    task,
    { params },
    backupBuiltins({
      namespace,
      backupSession: 'filters-session',
      invokerKind: 'BackupConfiguration',
      invokerName: 'filters',
      ...(target ? { target } : {}),
    }),
  );
  assert.deepEqual(resolved.unusedParams, [], 'every param of the guide reaches an arg');
  let request: DumpRequest | undefined;
  const program = new Command().exitOverride();
  registerKubedumpCommands(program, {
    run: (r) => {
      request = r;
      return Promise.resolve();
    },
  });
  await program.parseAsync(resolved.args, { from: 'user' });
  assert.ok(request, 'the command ran');
  return request;
}

/** The identity a test compares: type, namespace and name. */
const id = (type: string, namespace: string | undefined, name: string | undefined): string =>
  `${type} ${namespace ?? ''}/${name ?? ''}`;

/** What the dump wrote, as identities read back from the files (kind for v1, resource id for v2). */
function dumped(dir: string, typeOf: (o: KubeObject, path: string) => string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const o = parse(readFileSync(p, 'utf8')) as KubeObject;
        out.add(id(typeOf(o, p), o.metadata?.namespace, o.metadata?.name));
      }
    }
  };
  walk(dir);
  return out;
}

const preferredTypes = async (client: KubeClient): Promise<DiscoveredResource[]> =>
  (await discover(client)).resources.filter((r) => r.preferred);

const toApi = (r: DiscoveredResource) => ({
  group: r.group,
  version: r.version,
  name: r.plural,
  kind: r.kind,
  namespaced: r.namespaced,
  verbs: r.verbs,
});

/** Every object the second generation's rules keep, from cluster-wide lists of every served type. */
async function expectedV2(client: KubeClient, plan: DumpPlan): Promise<Set<string>> {
  const out = new Set<string>();
  for (const r of await preferredTypes(client)) {
    const api = toApi(r);
    if (!isDumpableResource(api) || !shouldIncludeResource(plan.filter, resourceId(api), r.namespaced))
      continue;
    for (const o of (await client.listAll(r)).items) {
      const meta = o.metadata ?? {};
      const ref = {
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
        ...(meta.labels ? { labels: meta.labels } : {}),
      };
      if (shouldIncludeObject(plan.filter, ref)) out.add(id(resourceId(api), meta.namespace, meta.name));
    }
  }
  return out;
}

/**
 * Every object a first-generation scope keeps, by kind: the listable types (not nodes or endpoint slices),
 * cluster-scoped ones only for a cluster backup, filtered by namespace and label selector.
 */
async function expectedV1(
  client: KubeClient,
  scope: { namespace?: string; labelSelector?: unknown },
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const r of await preferredTypes(client)) {
    const api = toApi(r);
    if (r.plural.includes('/') || !r.verbs.includes('get') || !r.verbs.includes('list')) continue;
    if (DEFAULT_EXCLUDED_RESOURCES.includes(resourceId(api))) continue;
    if (scope.namespace !== undefined && !r.namespaced) continue;
    for (const o of (await client.listAll(r)).items) {
      const meta = o.metadata ?? {};
      if (scope.namespace !== undefined && meta.namespace !== scope.namespace) continue;
      if (scope.labelSelector !== undefined && !selectorMatches(scope.labelSelector, meta.labels ?? {}))
        continue;
      out.add(id(r.kind, meta.namespace, meta.name));
    }
  }
  return out;
}

const withoutEvents = (s: Set<string>): string[] => [...s].filter((x) => !x.startsWith('Event ')).sort();

/** Waits until two computations a second apart agree: the controllers have finished creating objects. */
async function settled(what: string, compute: () => Promise<Set<string>>): Promise<Set<string>> {
  let last: string | undefined;
  let value = new Set<string>();
  await waitFor(
    async () => {
      value = await compute();
      const key = withoutEvents(value).join('\n');
      const same = key === last;
      last = key;
      return same ? true : undefined;
    },
    { what, timeoutMs: 60_000, intervalMs: 1_000 },
  );
  return value;
}

/** The guide's objects with their namespaces `demo-a`/`demo-b` renamed and cluster-scoped names made unique. */
function guideObjects(rename: Record<string, string>, suffix: string): KubeObject[] {
  const text = ['01-resources-a.yaml', '02-resources-b.yaml']
    .map((f) => readFileSync(join(GUIDE, f), 'utf8'))
    .join('\n---\n');
  const replaced = Object.entries(rename).reduce(
    (t, [from, to]) => t.replaceAll(`namespace: ${from}`, `namespace: ${to}`),
    text,
  );
  return parseAllDocuments(replaced)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null)
    .map((o) => {
      const name = o.metadata?.name ?? '';
      if (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')
        return { ...o, metadata: { ...o.metadata, name: `${name}-${suffix}` } };
      return o;
    })
    .map((o) =>
      o.kind === 'ClusterRoleBinding'
        ? {
            ...o,
            roleRef: {
              ...(o as { roleRef: object }).roleRef,
              name: `${String((o as { roleRef: { name: string } }).roleRef.name)}-${suffix}`,
            },
          }
        : o,
    );
}

const type = (group: string, plural: string, kind: string): ResourceType => ({
  group,
  version: 'v1',
  plural,
  kind,
  namespaced: true,
});
const REPLICA_SETS = type('apps', 'replicasets', 'ReplicaSet');

const TYPES: Record<string, ResourceType> = {
  PersistentVolumeClaim: type('', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  ConfigMap: K8S.configMaps,
  Secret: K8S.secrets,
  Service: K8S.services,
  ServiceAccount: K8S.serviceAccounts,
  ClusterRole: K8S.clusterRoles,
  ClusterRoleBinding: K8S.clusterRoleBindings,
  Deployment: K8S.deployments,
  StatefulSet: type('apps', 'statefulsets', 'StatefulSet'),
};

async function create(client: KubeClient, objects: KubeObject[]): Promise<() => Promise<void>> {
  const clusterScoped: [ResourceType, string][] = [];
  for (const o of objects) {
    const type = TYPES[o.kind ?? ''];
    assert.ok(type, `the test knows the type of ${o.kind ?? '?'}`);
    await client.create(type, o, o.metadata?.namespace ? { namespace: o.metadata.namespace } : {});
    if (!type.namespaced) clusterScoped.push([type, o.metadata?.name ?? '']);
  }
  return async () => {
    for (const [type, name] of clusterScoped) await client.delete(type, name);
  };
}

/** A ReplicaSet owned by the guide's Deployment, and three pods owned by the ReplicaSet. */
async function ownedTree(client: KubeClient, namespace: string): Promise<void> {
  const owner = (o: KubeObject, apiVersion: string) => ({
    apiVersion,
    kind: o.kind ?? '',
    name: o.metadata?.name ?? '',
    uid: o.metadata?.uid ?? '',
    controller: true,
  });
  const deployment = await client.get(K8S.deployments, 'my-deployment-a', namespace);
  const labels = { app: 'my-app', 'pod-template-hash': '5d8f7c' };
  const rs = await client.create(REPLICA_SETS, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'my-deployment-a-5d8f7c',
      namespace,
      labels,
      ownerReferences: [owner({ ...deployment, kind: 'Deployment' }, 'apps/v1')],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:latest' }] } },
    },
  });
  for (const suffix of ['a1', 'b2', 'c3'])
    await client.create(K8S.pods, {
      metadata: {
        name: `my-deployment-a-5d8f7c-${suffix}`,
        namespace,
        labels,
        ownerReferences: [owner({ ...rs, kind: 'ReplicaSet' }, 'apps/v1')],
      },
      spec: { nodeName: 'nowhere', containers: [{ name: 'c', image: 'nginx:latest' }] },
    });
}

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
