// The restore engine against a real API server: a namespace holding a CRD (two versions, one served) with
// custom resources, a Deployment whose ReplicaSet kube-controller-manager created, Services (one with an
// explicit nodePort), ConfigMaps, Secrets, RBAC, an Ingress, a PDB, a NetworkPolicy and a PVC is dumped with
// src/dump, deleted with its CRD, and restored; then restored again beside itself through a namespace
// mapping, over itself without and with overrideResources, and as a dry run.
//
// The suite's shared cluster runs no Deployment or ReplicaSet controller (other tests rely on that), so
// this file runs its own kube-apiserver on the suite's etcd under a private prefix, and a
// kube-controller-manager for it with the workload controllers: nothing it does is seen by other tests.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { kubedumpFilter, type KubedumpFilter } from '../../src/api/kubedump-filter.ts';
import { K8S, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { startProcess, tailFile, type ManagedProcess } from '../../src/devcluster/processes.ts';
import { dump } from '../../src/dump/dump.ts';
import { renderYaml } from '../../src/dump/render.ts';
import { kubeClient } from '../../src/kube/connect.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { restore } from '../../src/restore/engine.ts';
import { countOutcomes } from '../../src/restore/results.ts';
import type { ObjectResult, RestoreOptions, RestoreSummary } from '../../src/restore/types.ts';
import { startRestartableApiserver, type RestartableApiserver } from '../harness/apiserver-restart.ts';

const ID = randomBytes(3).toString('hex');
const NS = `shop-${ID}`;
const COPY = `shop-copy-${ID}`;
const LABEL = `restore-test=${ID}`;
const LABELS = { 'restore-test': ID };
const GROUP = `r${ID}.cairn.test`;
const CRD_NAME = `gadgets.${GROUP}`;
const NODE_PORT = 30_000 + Math.floor(Math.random() * 2_700);
const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const FROZEN = `frozen-${randomBytes(8).toString('hex')}`;

const t = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): ResourceType => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});
const GADGETS = t(GROUP, 'v1', 'gadgets', 'Gadget');
const R = {
  ...K8S,
  pvcs: t('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  replicaSets: t('apps', 'v1', 'replicasets', 'ReplicaSet'),
  ingresses: t('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  networkPolicies: t('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy'),
  pdbs: t('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
};
/** The namespaced types the test seeds, for resourceVersion snapshots and owner lookups. */
const NAMESPACED = [
  R.configMaps,
  R.secrets,
  R.serviceAccounts,
  R.services,
  R.pvcs,
  R.deployments,
  R.replicaSets,
  R.roles,
  R.roleBindings,
  R.ingresses,
  R.networkPolicies,
  R.pdbs,
  GADGETS,
];
const BY_KIND = new Map(NAMESPACED.map((r) => [r.kind, r]));

const temps: string[] = [];
let api: RestartableApiserver | undefined;
let kcm: ManagedProcess | undefined;
let client: KubeClient;
/** The first dump of the seeded namespace, and what its objects were (for the UIDs they had). */
let tree = '';
const originalUids = new Set<string>();

const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-restore-'));
  temps.push(d);
  return d;
};

/** The argv of the suite's kube-controller-manager (found by its kubeconfig in the suite's directory). */
function sharedKcmArgv(dir: string): string[] {
  const kubeconfig = `--kubeconfig=${join(dir, 'kubeconfig')}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('kube-controller-manager') && argv.includes(kubeconfig)) return argv;
  }
  throw new Error(`no running kube-controller-manager with ${kubeconfig}`);
}

before(async () => {
  const dir = process.env.CAIRN_TEST_DIR;
  if (!dir) throw new Error('no dev cluster: run integration tests with their global setup');
  api = await startRestartableApiserver([`--etcd-prefix=/cairn-restore-${ID}`]);
  client = kubeClient({ kubeconfig: api.kubeconfig });
  const [command, ...args] = sharedKcmArgv(dir);
  const controllers = [
    'namespace-controller',
    'garbage-collector-controller',
    'deployment-controller',
    'replicaset-controller',
    'serviceaccount-controller',
    'persistentvolumeclaim-protection-controller',
  ];
  const logFile = join(dir, 'logs', `kube-controller-manager-restore-${ID}.log`);
  const proc = startProcess({
    name: 'kube-controller-manager-restore',
    command: command!,
    args: [
      ...args.filter((a) => !a.startsWith('--kubeconfig=') && !a.startsWith('--controllers=')),
      `--kubeconfig=${api.kubeconfig}`,
      `--controllers=${controllers.join(',')}`,
    ],
    logFile,
  });
  kcm = proc;
  await waitFor(
    async () => ((await client.find(K8S.serviceAccounts, 'default', 'default')) ? true : undefined),
    {
      what: `the restore test's kube-controller-manager (log: ${tailFile(logFile, 5)})`,
      timeoutMs: 60_000,
      abortIf: () => (proc.hasExited() ? 'exited' : undefined),
    },
  );
});

after(async () => {
  await kcm?.stop();
  await api?.stop();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  namespace: NS,
  labels: LABELS,
  ...extra,
});

/** The seeded namespace; resolves once the Deployment's ReplicaSet exists and is owned by it. */
async function seed(): Promise<void> {
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

/** The filter of both the dump and the restore: the test's namespace and its labelled cluster objects. */
const FILTER: KubedumpFilter = kubedumpFilter({
  includeNamespaces: [NS],
  includeClusterResources: true,
  andLabelSelectors: [LABEL],
});

async function dumpTo(dir: string): Promise<void> {
  await dump({ client, dir, scope: { generation: 'v2', filter: FILTER } });
}

/** Every file of a dump tree, parsed: relative path → object. */
function readDump(dir: string): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name).slice(dir.length + 1);
    out.set(rel, parse(readFileSync(join(dir, rel), 'utf8')) as KubeObject);
  }
  return out;
}

/** An object as compared across clusters: new owner UIDs and allocated cluster IPs left out. */
function comparable(o: KubeObject): KubeObject {
  const c = structuredClone(o);
  for (const ref of c.metadata?.ownerReferences ?? []) delete (ref as { uid?: string }).uid;
  if (c.kind === 'Service') {
    const spec = c.spec as Record<string, unknown>;
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  return c;
}

/** name → resourceVersion of every seeded object in `namespace`, and of the Namespace and the CRD. */
async function versions(namespace: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of NAMESPACED) {
    for (const o of (await client.list(r, { namespace })).items)
      out.set(`${r.plural} ${o.metadata?.name}`, o.metadata?.resourceVersion ?? '');
  }
  const ns = await client.get(K8S.namespaces, namespace);
  out.set(`namespace ${namespace}`, ns.metadata?.resourceVersion ?? '');
  const crd = await client.get(K8S.customResourceDefinitions, CRD_NAME);
  out.set('crd', crd.metadata?.resourceVersion ?? '');
  return out;
}

const run = (o: Partial<RestoreOptions> = {}): Promise<RestoreSummary> =>
  restore({ client, root: tree, filter: FILTER, ...o });

const find = (s: RestoreSummary, resource: string, name: string, namespace?: string): ObjectResult => {
  const r = s.results.find((x) => x.resource === resource && x.name === name && x.namespace === namespace);
  assert.ok(r, `a result for ${resource} ${namespace ?? ''}/${name}`);
  return r;
};

const show = (s: RestoreSummary): string =>
  s.results
    .map(
      (r) => `${r.outcome} ${r.resource} ${r.namespace ?? ''}/${r.name} ${r.reason ?? ''} ${r.message ?? ''}`,
    )
    .join('\n');

test('a namespace deleted with its CRD comes back from its dump: every object equal after sanitising, owned by the new owners, counted once', async () => {
  await seed();
  tree = tmp();
  await dumpTo(tree);
  const dumped = readDump(tree);
  for (const o of dumped.values()) if (o.metadata?.uid) originalUids.add(o.metadata.uid);
  for (const r of NAMESPACED)
    for (const o of (await client.list(r, { namespace: NS })).items) originalUids.add(o.metadata?.uid ?? '');

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

  const seen: ObjectResult[] = [];
  const summary = await run({ onResult: (r) => seen.push(r) });
  assert.deepEqual(seen, summary.results, 'onResult saw every result, in order');
  assert.equal(summary.counts.failed, 0, show(summary));
  assert.equal(summary.passes, 1, 'nothing waited for a further pass');
  assert.equal(summary.results.length, dumped.size, `one result per file of the tree:\n${show(summary)}`);
  assert.deepEqual(summary.counts, countOutcomes(summary.results));
  for (const r of summary.results) {
    if (r.resource === 'pods') assert.equal(r.reason, 'CreatedByController', show(summary));
    else if (r.resource === 'replicasets.apps')
      // The Deployment, restored first, may have made its ReplicaSet (same template, same name) before it.
      assert.ok(r.outcome === 'created' || r.reason === 'AlreadyExists', show(summary));
    else assert.equal(r.outcome, 'created', `${r.resource} ${r.name}: ${r.reason} ${r.message}`);
  }

  const again = tmp();
  await dumpTo(again);
  const restored = readDump(again);
  const withoutPods = (m: Map<string, KubeObject>) =>
    [...m.keys()].filter((f) => !f.startsWith('pods/')).sort();
  assert.deepEqual(withoutPods(restored), withoutPods(dumped), 'the same objects, file for file');
  for (const f of withoutPods(dumped))
    assert.deepEqual(comparable(restored.get(f)!), comparable(dumped.get(f)!), `${f} equal after sanitising`);

  // Every ownerReference names the owner as it exists now.
  let refs = 0;
  for (const [f, o] of restored) {
    for (const ref of o.metadata?.ownerReferences ?? []) {
      const type = BY_KIND.get(ref.kind);
      if (!type) continue;
      const owner = await client.get(type, ref.name, NS);
      assert.equal(ref.uid, owner.metadata?.uid, `${f}: its ${ref.kind} ${ref.name} by its new UID`);
      assert.ok(!originalUids.has(ref.uid), `${f}: not an old UID`);
      refs++;
    }
  }
  assert.ok(
    refs >= 3,
    'the child Gadget, the ConfigMap owned by the Deployment and the ReplicaSet are owned',
  );
});

test('a restore into another namespace through the mapping leaves the original untouched and reassigns a taken nodePort', async () => {
  const before = await versions(NS);
  const summary = await run({ namespaceMappings: new Map([[NS, COPY]]) });
  assert.equal(summary.counts.failed, 0, show(summary));
  assert.deepEqual(await versions(NS), before, 'nothing of the original namespace was written');
  assert.equal(
    find(summary, 'customresourcedefinitions.apiextensions.k8s.io', CRD_NAME).reason,
    'AlreadyExists',
  );
  const np = find(summary, 'services', 'web-np', COPY);
  assert.equal(np.outcome, 'created');
  assert.equal(np.reason, 'NodePortReassigned');
  const live = await client.get(R.services, 'web-np', COPY);
  const port = (live.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort;
  assert.notEqual(port, NODE_PORT);
  assert.match(np.message ?? '', new RegExp(`${NODE_PORT}.*in use.*${port}`));

  const rb = await client.get(R.roleBindings, 'app', COPY);
  assert.deepEqual((rb as { subjects?: unknown }).subjects, [
    { kind: 'ServiceAccount', name: 'app', namespace: COPY },
  ]);
  const child = await client.get(GADGETS, 'child', COPY);
  const parent = await client.get(GADGETS, 'parent', COPY);
  assert.equal(
    child.metadata?.ownerReferences?.[0]?.uid,
    parent.metadata?.uid,
    'owned by the copy, not the original',
  );
  const extra = await client.get(R.configMaps, 'web-extra', COPY);
  const web = await client.get(R.deployments, 'web', COPY);
  assert.equal(extra.metadata?.ownerReferences?.[0]?.uid, web.metadata?.uid);
});

test('with overrideResources false every existing object is left untouched and reported AlreadyExists', async () => {
  const before = await versions(NS);
  const summary = await run({ overrideResources: false });
  assert.deepEqual(await versions(NS), before);
  for (const r of summary.results) {
    if (r.resource === 'pods') continue;
    assert.equal(r.outcome, 'skipped', `${r.resource} ${r.name}`);
    assert.equal(r.reason, 'AlreadyExists', `${r.resource} ${r.name}`);
  }
});

test('a dry run writes nothing and lists what would change, Secret values never shown', async () => {
  const newPassword = `changed-${randomBytes(6).toString('hex')}`;
  await client.patch(R.configMaps, 'settings', { data: { mode: 'b' } }, { type: 'merge', namespace: NS });
  await client.patch(
    R.secrets,
    'creds',
    { stringData: { password: newPassword } },
    { type: 'merge', namespace: NS },
  );
  const before = await versions(NS);
  const summary = await run({ overrideResources: true, dryRun: true });
  assert.deepEqual(await versions(NS), before, 'no resourceVersion changed');
  assert.equal(summary.counts.failed, 0, show(summary));
  const settings = find(summary, 'configmaps', 'settings', NS);
  assert.equal(settings.outcome, 'updated');
  assert.deepEqual(settings.diff, ['data.mode: "b" → "a"']);
  const creds = find(summary, 'secrets', 'creds', NS);
  assert.equal(creds.outcome, 'updated');
  assert.deepEqual(creds.diff, ['data.password: changed']);
  const text = JSON.stringify(summary);
  for (const secret of [PASSWORD, newPassword, FROZEN])
    for (const form of [secret, Buffer.from(secret).toString('base64')]) assert.ok(!text.includes(form));
  assert.equal(find(summary, 'deployments.apps', 'web', NS).outcome, 'unchanged');

  const elsewhere = await run({ dryRun: true, namespaceMappings: new Map([[NS, `shop-dry-${ID}`]]) });
  assert.equal(elsewhere.counts.failed, 0, show(elsewhere));
  assert.equal(find(elsewhere, 'namespaces', `shop-dry-${ID}`).outcome, 'created');
  assert.equal(
    await client.find(K8S.namespaces, `shop-dry-${ID}`),
    undefined,
    'the namespace was not created',
  );
});

test('with overrideResources true changed objects are updated and an immutable-field change fails only that object', async () => {
  // The dump as if the frozen Secret had held another value: an immutable Secret cannot take it.
  const tampered = tmp();
  cpSync(tree, tampered, { recursive: true });
  const frozenFile = join(tampered, 'secrets', 'namespaces', NS, 'frozen.yaml');
  const frozen = parse(readFileSync(frozenFile, 'utf8')) as KubeObject & { data: Record<string, string> };
  const other = `other-${randomBytes(6).toString('hex')}`;
  frozen.data.token = Buffer.from(other).toString('base64');
  writeFileSync(frozenFile, renderYaml(frozen));

  const summary = await restore({
    client,
    root: tampered,
    filter: FILTER,
    overrideResources: true,
    storageClassMappings: new Map([['fast', 'slow']]),
  });
  const pvc = find(summary, 'persistentvolumeclaims', 'data', NS);
  assert.equal(pvc.outcome, 'failed');
  assert.equal(pvc.reason, 'Immutable');
  assert.match(pvc.message ?? '', /spec/);
  const secret = find(summary, 'secrets', 'frozen', NS);
  assert.equal(secret.outcome, 'failed');
  assert.equal(secret.reason, 'Immutable');
  assert.match(secret.message ?? '', /data/);
  const text = JSON.stringify(summary);
  for (const s of [FROZEN, other])
    for (const form of [s, Buffer.from(s).toString('base64')]) assert.ok(!text.includes(form));

  assert.equal(find(summary, 'configmaps', 'settings', NS).outcome, 'updated');
  assert.equal(find(summary, 'secrets', 'creds', NS).outcome, 'updated');
  const settings = await client.get(R.configMaps, 'settings', NS);
  assert.deepEqual((settings as { data?: unknown }).data, { mode: 'a' });
  for (const r of summary.results) {
    if (r.resource === 'pods' || ['data', 'frozen', 'settings', 'creds'].includes(r.name)) continue;
    assert.equal(
      r.outcome,
      'unchanged',
      `${r.resource} ${r.name}: ${r.reason} ${r.message} ${r.diff?.join(', ')}`,
    );
  }
  assert.equal(summary.counts.failed, 2, show(summary));
});

test('a second restore with overrideResources over the first changes nothing, keeping the nodePort the server assigned', async () => {
  const target = `shop-again-${ID}`;
  const first = await run({ namespaceMappings: new Map([[NS, target]]) });
  assert.equal(first.counts.failed, 0, show(first));
  const before = await versions(target);
  const second = await run({ namespaceMappings: new Map([[NS, target]]), overrideResources: true });
  assert.equal(second.counts.failed, 0, show(second));
  assert.deepEqual(await versions(target), before, show(second));
  const np = find(second, 'services', 'web-np', target);
  assert.equal(np.outcome, 'unchanged', show(second));
  assert.match(np.message ?? '', new RegExp(`nodePort ${NODE_PORT} .*in use`));
});

test('what fails for want of a dependency is written again in further passes, and a CRD that never becomes Established fails its custom resources by name', async () => {
  const ns = `guarded-${ID}`;
  const hand = tmp();
  const put = (file: string, text: string): void => {
    const path = join(hand, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  };
  // A CRD whose singular name the Gadget CRD of the same group holds already: its names are not accepted.
  const widgets = `widgets.${GROUP}`;
  put(
    `customresourcedefinitions.apiextensions.k8s.io/cluster/${widgets}.yaml`,
    renderYaml({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: widgets },
      spec: {
        group: GROUP,
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'gadget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          },
        ],
      },
    }),
  );
  put(
    `widgets.${GROUP}/namespaces/${ns}/w1.yaml`,
    renderYaml({ apiVersion: `${GROUP}/v1`, kind: 'Widget', metadata: { name: 'w1', namespace: ns } }),
  );
  const cm = (name: string, labels: Record<string, string> = {}) =>
    renderYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, labels },
      data: { a: '1' },
    });
  put(`configmaps/namespaces/${ns}/plain.yaml`, cm('plain'));
  put(`configmaps/namespaces/${ns}/guarded.yaml`, cm('guarded', { guarded: ID }));
  put(`configmaps/namespaces/${ns}/broken.yaml`, 'data: [not closed\n');

  // A webhook that no server answers, for the labelled ConfigMap only: its create fails with a 500.
  const webhook = t(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
  );
  await client.create(webhook, {
    metadata: { name: `unanswered-${ID}` },
    webhooks: [
      {
        name: `unanswered.${GROUP}`,
        clientConfig: { url: 'https://127.0.0.1:1/validate' },
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
        objectSelector: { matchLabels: { guarded: ID } },
        failurePolicy: 'Fail',
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        timeoutSeconds: 2,
      },
    ],
  });
  try {
    const summary = await restore({
      client,
      root: hand,
      filter: kubedumpFilter({ includeClusterResources: true }),
      maxIterations: 2,
    });
    assert.equal(summary.passes, 2, show(summary));
    assert.equal(find(summary, 'configmaps', 'plain', ns).outcome, 'created', show(summary));
    assert.equal(find(summary, 'namespaces', ns).outcome, 'created', show(summary));
    const guarded = find(summary, 'configmaps', 'guarded', ns);
    assert.equal(guarded.outcome, 'failed');
    assert.equal(guarded.reason, 'WebhookUnavailable');
    assert.match(guarded.message ?? '', /after 2 passes/);
    assert.equal(find(summary, 'customresourcedefinitions.apiextensions.k8s.io', widgets).outcome, 'created');
    const w1 = find(summary, `widgets.${GROUP}`, 'w1', ns);
    assert.equal(w1.outcome, 'failed');
    assert.equal(w1.reason, 'CRDNotEstablished');
    assert.match(
      w1.message ?? '',
      new RegExp(`CRD ${widgets.replaceAll('.', '\\.')} .*names were not accepted`),
    );
    const broken = summary.results.find((r) => r.reason === 'UnreadableFile');
    assert.ok(broken, show(summary));
    assert.match(broken.message ?? '', /configmaps\/namespaces\/.*\/broken\.yaml/);
    assert.equal(summary.results.length, 6, show(summary));
    assert.equal(await client.find(R.configMaps, 'guarded', ns), undefined);
  } finally {
    await client.delete(webhook, `unanswered-${ID}`);
  }
});
