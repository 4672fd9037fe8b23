// The manifest dump against the dev cluster: a seeded namespace is dumped, parsed back and compared with
// the live objects; later dumps touch only the files of what changed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after } from 'node:test';
import { parse, stringify } from 'yaml';
import { kubedumpFilter, type KubedumpFilterOptions } from '../../src/api/kubedump-filter.ts';
import { K8S, apiVersionOf, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { dump, DumpError } from '../../src/dump/dump.ts';
import { pathFor } from '../../src/dump/layout.ts';
import { sanitizeV2 } from '../../src/dump/sanitize.ts';
import { planTypes, type DumpScope } from '../../src/dump/select.ts';
import { kubeClient } from '../../src/kube/connect.ts';
import { discover } from '../../src/kube/discovery.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { startRestartableApiserver, type RestartableApiserver } from '../harness/apiserver-restart.ts';
import { clusterTest } from '../harness/cluster.ts';
import { compactEtcd, etcdRevision } from '../harness/etcd.ts';

const WIDGETS: ResourceType = {
  group: 'dump.cairn.test',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

const temps: string[] = [];
let noCacheApiserver: Promise<RestartableApiserver> | undefined;
after(async () => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
  await (await noCacheApiserver)?.stop();
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-dump-'));
  temps.push(d);
  return d;
};

/** The test CRD, applied once per process and served (Established and listable) before it resolves. */
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

const LONG_NAME = `long-${'n'.repeat(247)}`;

/** ConfigMaps (one with a 253-character name), Secrets, a Deployment of 0 replicas, a ServiceAccount, a
 * Role with a colon in its name and a non-ASCII annotation, and a Widget. The dev cluster runs no
 * Deployment controller, so the Deployment stays as created. */
async function seed(client: KubeClient, namespace: string): Promise<void> {
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
const scopeOf = (namespace: string, extra: KubedumpFilterOptions = {}): DumpScope => ({
  generation: 'v2',
  filter: kubedumpFilter({
    includeNamespaces: [namespace],
    excludeResources: ['events', 'events.events.k8s.io'],
    ...extra,
  }),
});

function files(root: string): string[] {
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

const stats = (root: string): Map<string, string> =>
  new Map(
    files(root).map((f) => {
      const s = statSync(join(root, f), { bigint: true });
      return [f, `${s.ino}/${s.mtimeNs}/${s.ctimeNs}`];
    }),
  );

/** The sanitized live objects of the scope, by the path the dump should give them. */
async function expected(client: KubeClient, scope: DumpScope): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const plan of planTypes((await discover(client)).resources, scope)) {
    for (const namespace of plan.namespaces ?? [undefined]) {
      const list = await client.listAll(plan.resource, namespace ? { namespace } : {});
      for (const item of list.items) {
        const o = sanitizeV2({ ...item, apiVersion: apiVersionOf(plan.resource), kind: plan.resource.kind });
        const key = {
          resourceId: plan.id,
          kind: plan.resource.kind,
          namespace: item.metadata?.namespace ?? '',
          name: item.metadata?.name ?? '',
        };
        out.set(pathFor('v2', key), o);
      }
    }
  }
  return out;
}

clusterTest(
  'the dumped files parse back to the sanitized live objects of the namespace',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const dir = tmp();
    const scope = scopeOf(namespace);
    const result = await dump({ client, dir, scope });
    const want = await expected(client, scope);
    assert.deepEqual(files(dir), [...want.keys()].sort());
    for (const [path, object] of want)
      assert.deepEqual(parse(readFileSync(join(dir, path), 'utf8')), object, path);
    for (const f of [
      `configmaps/namespaces/${namespace}/alpha.yaml`,
      `secrets/namespaces/${namespace}/s1.yaml`,
      `deployments.apps/namespaces/${namespace}/web.yaml`,
      `serviceaccounts/namespaces/${namespace}/robot.yaml`,
      `roles.rbac.authorization.k8s.io/namespaces/${namespace}/app:reader.yaml`,
      `widgets.dump.cairn.test/namespaces/${namespace}/w1.yaml`,
    ])
      assert.ok(
        files(dir).some((p) => p.startsWith(f)),
        f,
      );
    const long = files(dir).find((p) => p.includes('long-nnn'));
    assert.ok(long && Buffer.byteLength(long.split('/').at(-1) ?? '') <= 255);
    assert.equal((parse(readFileSync(join(dir, long), 'utf8')) as KubeObject).metadata?.name, LONG_NAME);
    const role = parse(
      readFileSync(
        join(dir, `roles.rbac.authorization.k8s.io/namespaces/${namespace}/app:reader.yaml`),
        'utf8',
      ),
    ) as KubeObject;
    assert.equal(role.metadata?.annotations?.note, 'données — 名前');
    assert.equal(result.objects, want.size);
    assert.deepEqual(result.files, {
      written: want.size,
      unchanged: 0,
      deleted: 0,
      bytes: result.files.bytes,
    });
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.unavailable, []);
  },
);

clusterTest(
  'a second dump rewrites no file, a changed object rewrites only its file and a deleted object loses its file',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const dir = tmp();
    const scope = scopeOf(namespace);
    await dump({ client, dir, scope });
    const first = stats(dir);
    const second = await dump({ client, dir, scope });
    assert.equal(second.files.written, 0);
    assert.equal(second.files.deleted, 0);
    assert.deepEqual(stats(dir), first);

    await client.patch(K8S.configMaps, 'alpha', { data: { key: 'changed' } }, { type: 'merge', namespace });
    await client.delete(K8S.secrets, 's2', { namespace });
    const third = await dump({ client, dir, scope });
    assert.equal(third.files.written, 1);
    assert.equal(third.files.deleted, 1);
    const now = stats(dir);
    const alpha = `configmaps/namespaces/${namespace}/alpha.yaml`;
    const s2 = `secrets/namespaces/${namespace}/s2.yaml`;
    assert.equal(now.has(s2), false);
    assert.notEqual(now.get(alpha), first.get(alpha));
    for (const [f, s] of now) if (f !== alpha) assert.equal(s, first.get(f), f);
    assert.equal(
      (parse(readFileSync(join(dir, alpha), 'utf8')) as { data: { key: string } }).data.key,
      'changed',
    );
  },
);

clusterTest(
  'a page size of one gives the same files as the default page size',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const small = tmp();
    const big = tmp();
    const scope = scopeOf(namespace);
    // Listed cluster-wide (no namespace list) so that the small pages really span many continue tokens.
    const wide: DumpScope = {
      generation: 'v2',
      filter: kubedumpFilter({ includeResources: ['configmaps', 'secrets'] }),
    };
    await dump({ client, dir: small, scope, pageSize: 1 });
    await dump({ client, dir: big, scope });
    assert.deepEqual(files(small), files(big));
    for (const f of files(small))
      assert.equal(readFileSync(join(small, f), 'utf8'), readFileSync(join(big, f), 'utf8'));
    const wideSmall = tmp();
    const wideBig = tmp();
    const a = await dump({ client, dir: wideSmall, scope: wide, pageSize: 2, concurrency: 2 });
    const b = await dump({ client, dir: wideBig, scope: wide, pageSize: 500 });
    const mine = (root: string): string[] => files(root).filter((f) => f.includes(`/${namespace}/`));
    assert.ok(mine(wideSmall).length >= 5);
    assert.deepEqual(mine(wideSmall), mine(wideBig));
    assert.ok(a.objects > 2);
    assert.ok(b.objects > 2);
  },
);

clusterTest(
  'a type the ServiceAccount may not list fails the dump, naming that type',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    await client.create(K8S.roles, {
      metadata: { name: 'dumper', namespace },
      rules: [{ apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: ['get', 'list'] }],
    });
    await client.create(K8S.roleBindings, {
      metadata: { name: 'dumper', namespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'dumper' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace }],
    });
    const tr = await client.request<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/serviceaccounts/robot/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
    });
    const robot = kubeClient({ kubeconfig: kubeconfigWithToken(tr.status.token) });
    const dir = tmp();
    const scope = scopeOf(namespace, {
      includeResources: ['configmaps', 'secrets', 'widgets.dump.cairn.test'],
    });
    const err = await dump({ client: robot, dir, scope }).then(
      () => assert.fail('the dump succeeded'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DumpError);
    assert.deepEqual(
      err.failures.map((f) => [f.type, f.forbidden]),
      [['widgets.dump.cairn.test', true]],
    );
    assert.match(err.message, /widgets\.dump\.cairn\.test/);
    assert.doesNotMatch(err.message, new RegExp(tr.status.token.slice(-20)));
    // The types it may list were dumped all the same.
    assert.ok(files(dir).some((f) => f.startsWith(`configmaps/namespaces/${namespace}/alpha.yaml`)));
  },
);

/** A kubeconfig for the dev cluster that authenticates with `token`, in a temporary directory. */
function kubeconfigWithToken(token: string): string {
  const admin = parse(readFileSync(process.env.CAIRN_TEST_KUBECONFIG ?? '', 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  };
  const cluster = admin.clusters[0]?.cluster;
  assert.ok(cluster);
  const file = join(tmp(), 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'dev', cluster }],
      users: [{ name: 'robot', user: { token } }],
      contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'robot' } }],
      'current-context': 'dev',
    }),
    { mode: 0o600 },
  );
  return file;
}

clusterTest(
  'the v1 application scope dumps the Deployment and the objects its ownerReferences lead to, nested',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const web = await client.get(K8S.deployments, 'web', namespace);
    const ref = (o: KubeObject, kind: string, apiVersion: string) => ({
      apiVersion,
      kind,
      name: o.metadata?.name ?? '',
      uid: o.metadata?.uid ?? '',
    });
    const child = await client.create(K8S.configMaps, {
      metadata: { name: 'child', namespace, ownerReferences: [ref(web, 'Deployment', 'apps/v1')] },
      data: { k: 'v' },
    });
    await client.create(K8S.secrets, {
      metadata: { name: 'grandchild', namespace, ownerReferences: [ref(child, 'ConfigMap', 'v1')] },
      stringData: { k: 'v' },
    });
    const dir = tmp();
    const scope: DumpScope = {
      generation: 'v1',
      target: 'application',
      namespace,
      group: 'apps',
      kind: 'Deployment',
      name: 'web',
      includeDependants: true,
    };
    await dump({ client, dir, scope });
    assert.deepEqual(files(dir), [
      'ConfigMap/child/Secret/grandchild/grandchild.yaml',
      'ConfigMap/child/child.yaml',
      'web.yaml',
    ]);
    const root = parse(readFileSync(join(dir, 'web.yaml'), 'utf8')) as KubeObject;
    assert.deepEqual(root.metadata, { name: 'web', namespace });
    const second = await dump({ client, dir, scope });
    assert.equal(second.files.written, 0);
  },
);

/** KubeStash's docs (test data outside the repository; nothing is copied from them). */
const DOCS_DIR =
  process.env.CAIRN_KUBESTASH_DOCS ??
  join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), '..', 'shared', 'kubestash-docs');

/** A v1 expected-output sample: a shell line naming the file, then the YAML of one object. */
function sample(path: string): KubeObject {
  const text = readFileSync(join(DOCS_DIR, 'kubedump-v1', path), 'utf8');
  return parse(text.replace(/^\$ cat .*\n/, '')) as KubeObject;
}

clusterTest(
  'the first generation samples of KubeStash come back field for field after a v1 dump',
  async ({ client, namespace }) => {
    // The Deployment sample, created in the test namespace. The dev cluster runs no Deployment controller,
    // so the revision annotation the sample carries (the controller's) is created with it.
    const deployment = sample('application/expected-output-deployment-kubestash-operator.yaml');
    deployment.metadata = { ...deployment.metadata, namespace };
    await client.create(K8S.deployments, deployment);
    const configMap = sample('cluster/expected-output-configmap-kube-system-kubeadm-config.yaml');
    configMap.metadata = { ...configMap.metadata, namespace };
    await client.create(K8S.configMaps, configMap);

    const app = tmp();
    await dump({
      client,
      dir: app,
      scope: {
        generation: 'v1',
        target: 'application',
        namespace,
        group: 'apps',
        kind: 'Deployment',
        name: deployment.metadata.name ?? '',
      },
    });
    assert.deepEqual(files(app), [`${deployment.metadata.name}.yaml`]);
    assert.deepEqual(parse(readFileSync(join(app, `${deployment.metadata.name}.yaml`), 'utf8')), deployment);

    const ns = tmp();
    await dump({ client, dir: ns, scope: { generation: 'v1', target: 'namespace', namespace } });
    assert.deepEqual(parse(readFileSync(join(ns, 'ConfigMap/kubeadm-config.yaml'), 'utf8')), configMap);
  },
);

clusterTest(
  'a continue token expired by an etcd compaction mid-list restarts the type and the dump is complete',
  async ({ client, namespace }) => {
    for (let i = 0; i < 5; i++)
      await client.create(K8S.configMaps, {
        metadata: { name: `cm-${i}`, namespace },
        data: { i: String(i) },
      });
    // Without the watch cache every page is read from etcd, where the compaction expires the token.
    const api = await (noCacheApiserver ??= startRestartableApiserver(['--watch-cache=false']));
    const direct = kubeClient({ kubeconfig: api.kubeconfig });
    let compacted = false;
    const compacting: KubeClient = {
      ...direct,
      server: direct.server,
      namespace: direct.namespace,
      request: direct.request.bind(direct),
      find: direct.find.bind(direct),
      listPages: (r, opts) =>
        (async function* () {
          for await (const page of direct.listPages(r, opts)) {
            yield page;
            if (r.plural === 'configmaps' && !compacted) {
              // After the first page: a change, then the history before it is compacted away.
              compacted = true;
              await client.create(K8S.configMaps, {
                metadata: { name: 'late', namespace },
                data: { i: 'late' },
              });
              await compactEtcd(await etcdRevision());
            }
          }
        })(),
    };
    const dir = tmp();
    const scope: DumpScope = {
      generation: 'v2',
      filter: kubedumpFilter({ includeNamespaces: [namespace], includeResources: ['configmaps'] }),
    };
    const result = await dump({ client: compacting, dir, scope, pageSize: 2 });
    assert.ok(compacted);
    assert.deepEqual(result.restarted, ['configmaps']);
    const want = [
      ...(await client.listAll(K8S.configMaps, { namespace })).items.map(
        (o) => `configmaps/namespaces/${namespace}/${o.metadata?.name}.yaml`,
      ),
    ].sort();
    assert.ok(want.includes(`configmaps/namespaces/${namespace}/late.yaml`));
    assert.deepEqual(files(dir), want);
    assert.equal(result.objects, want.length);
  },
);
