import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, test } from 'node:test';
import { renderYaml } from '../../../src/dump/render.ts';
import {
  v1ApplicationPath,
  v1ClusterPath,
  v1NamespacePath,
  v2Path,
  type ObjectKey,
} from '../../../src/dump/layout.ts';
import { detectLayout, readTree } from '../../../src/restore/read-tree.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'read-tree-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

interface Obj {
  key: ObjectKey;
  apiVersion: string;
}
const deployment: Obj = {
  apiVersion: 'apps/v1',
  key: { resourceId: 'deployments.apps', kind: 'Deployment', namespace: 'demo-a', name: 'my-deployment-a' },
};
const clusterRole: Obj = {
  apiVersion: 'rbac.authorization.k8s.io/v1',
  key: {
    resourceId: 'clusterroles.rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    namespace: '',
    name: 'kubeadm:kubelet-config',
  },
};
const longName = 'x'.repeat(253);
const configMap: Obj = {
  apiVersion: 'v1',
  key: { resourceId: 'configmaps', kind: 'ConfigMap', namespace: 'demo-a', name: longName },
};

const render = (o: Obj): string =>
  renderYaml({
    apiVersion: o.apiVersion,
    kind: o.key.kind,
    metadata: { name: o.key.name, ...(o.key.namespace ? { namespace: o.key.namespace } : {}) },
    data: { 'a:b': 'yes' },
  });

const ids = (items: { kind: string; namespace?: string; name: string }[]): string[] =>
  items.map((i) => `${i.kind} ${i.namespace ?? '-'} ${i.name}`);

test('a v2 tree written with the dump layout is read with the directory as resource id and names from metadata', async () => {
  const root = tree(
    Object.fromEntries([deployment, clusterRole, configMap].map((o) => [v2Path(o.key), render(o)])),
  );
  const read = await readTree(root);
  assert.equal(read.layout, 'v2');
  assert.deepEqual(read.problems, []);
  assert.deepEqual(ids(read.items), [
    'ClusterRole - kubeadm:kubelet-config',
    `ConfigMap demo-a ${longName}`,
    'Deployment demo-a my-deployment-a',
  ]);
  assert.deepEqual(
    read.items.map((i) => i.resource),
    ['clusterroles.rbac.authorization.k8s.io', 'configmaps', 'deployments.apps'],
  );
  assert.deepEqual(read.items[0]?.object.data, { 'a:b': 'yes' });
  assert.equal(
    read.items[0]?.file,
    'clusterroles.rbac.authorization.k8s.io/cluster/kubeadm:kubelet-config.yaml',
  );
});

test('a hand-written v2 tree as KubeStash writes it is read, with YAML as Go writes it', async () => {
  const root = tree({
    'deployments.apps/namespaces/demo-a/my-deployment-a.yaml': [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata:',
      '  annotations:',
      '    deployment.kubernetes.io/revision: "1"',
      '  labels:',
      '    app: my-app',
      '  name: my-deployment-a',
      '  namespace: demo-a',
      'spec:',
      '  replicas: 1',
      '  selector:',
      '    matchLabels:',
      '      app: my-app',
      '  template:',
      '    metadata:',
      '      creationTimestamp: null',
      '      labels:',
      '        app: my-app',
      '    spec:',
      '      containers:',
      '      - image: nginx',
      '        name: nginx',
      '',
    ].join('\n'),
    'clusterroles.rbac.authorization.k8s.io/cluster/x.yaml':
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: x\nrules:\n- apiGroups:\n  - ""\n  resources:\n  - pods\n  verbs:\n  - get\n',
  });
  const read = await readTree(root);
  assert.equal(read.layout, 'v2');
  assert.deepEqual(read.problems, []);
  assert.deepEqual(ids(read.items), ['ClusterRole - x', 'Deployment demo-a my-deployment-a']);
  const d = read.items[1]?.object as { spec: { replicas: number }; metadata: { annotations: object } };
  assert.equal(d.spec.replicas, 1);
  assert.deepEqual(d.metadata.annotations, { 'deployment.kubernetes.io/revision': '1' });
});

test('a v2 object without metadata.namespace takes the namespace its path names', async () => {
  const root = tree({
    'configmaps/namespaces/db/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n',
  });
  const read = await readTree(root);
  assert.equal(read.items[0]?.namespace, 'db');
});

test('the v1 cluster layout is read from global and namespaces, without resource ids', async () => {
  const root = tree(
    Object.fromEntries([deployment, clusterRole].map((o) => [v1ClusterPath(o.key), render(o)])),
  );
  const read = await readTree(root);
  assert.equal(read.layout, 'v1-cluster');
  assert.deepEqual(read.problems, []);
  assert.deepEqual(ids(read.items), [
    'ClusterRole - kubeadm:kubelet-config',
    'Deployment demo-a my-deployment-a',
  ]);
  assert.deepEqual(
    read.items.map((i) => i.resource),
    [undefined, undefined],
  );
});

test('the v1 namespace layout is read from Kind directories', async () => {
  const root = tree(
    Object.fromEntries([deployment, configMap].map((o) => [v1NamespacePath(o.key), render(o)])),
  );
  const read = await readTree(root);
  assert.equal(read.layout, 'v1-namespace');
  assert.deepEqual(read.problems, []);
  assert.deepEqual(ids(read.items), [`ConfigMap demo-a ${longName}`, 'Deployment demo-a my-deployment-a']);
});

test('the v1 application layout is read from the root file and the nested owner directories', async () => {
  const rs: Obj = {
    apiVersion: 'apps/v1',
    key: {
      resourceId: 'replicasets.apps',
      kind: 'ReplicaSet',
      namespace: 'demo-a',
      name: 'my-deployment-a-5d',
    },
  };
  const pod: Obj = {
    apiVersion: 'v1',
    key: { resourceId: 'pods', kind: 'Pod', namespace: 'demo-a', name: 'my-deployment-a-5d-x' },
  };
  const root = tree({
    [v1ApplicationPath(deployment.key, [])]: render(deployment),
    [v1ApplicationPath(deployment.key, [rs.key])]: render(rs),
    [v1ApplicationPath(deployment.key, [rs.key, pod.key])]: render(pod),
    [v1ApplicationPath(deployment.key, [configMap.key])]: render(configMap),
  });
  const read = await readTree(root);
  assert.equal(read.layout, 'v1-application');
  assert.deepEqual(read.problems, []);
  assert.deepEqual(ids(read.items).sort(), [
    `ConfigMap demo-a ${longName}`,
    'Deployment demo-a my-deployment-a',
    'Pod demo-a my-deployment-a-5d-x',
    'ReplicaSet demo-a my-deployment-a-5d',
  ]);
});

test('files that are not one Kubernetes object are problems and the rest is read', async () => {
  const root = tree({
    'configmaps/namespaces/a/good.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: good\n  namespace: a\n',
    'configmaps/namespaces/a/bad-yaml.yaml': 'apiVersion: v1\nkind: [\n',
    'configmaps/namespaces/a/two.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: X\n',
    'configmaps/namespaces/a/no-name.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: a\n',
    'configmaps/namespaces/a/list.yaml': '- a\n- b\n',
    'configmaps/namespaces/a/empty.yaml': '',
    'configmaps/namespaces/a/notes.txt': 'hello',
    'configmaps/stray.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stray\n',
  });
  symlinkSync(
    join(root, 'configmaps/namespaces/a/good.yaml'),
    join(root, 'configmaps/namespaces/a/link.yaml'),
  );
  const read = await readTree(root);
  assert.deepEqual(ids(read.items), ['ConfigMap a good']);
  const problems: Record<string, string> = Object.fromEntries(
    read.problems.map((p): [string, string] => [p.file.split('/').at(-1) ?? '', p.message]),
  );
  assert.match(problems['bad-yaml.yaml'] ?? '', /^not valid YAML/);
  assert.match(problems['two.yaml'] ?? '', /not valid YAML.*multiple documents/i);
  assert.match(problems['no-name.yaml'] ?? '', /no metadata\.name/);
  assert.match(problems['list.yaml'] ?? '', /not a mapping/);
  assert.match(problems['empty.yaml'] ?? '', /not a mapping/);
  assert.match(problems['notes.txt'] ?? '', /not a \.yaml file/);
  assert.match(problems['stray.yaml'] ?? '', /does not fit the v2 layout/);
  assert.match(problems['link.yaml'] ?? '', /not a regular file/);
  assert.equal(read.problems.length, 8);
});

test('an empty tree is an empty v2 tree', async () => {
  const read = await readTree(tree({}));
  assert.deepEqual(read, { layout: 'v2', items: [], problems: [] });
});

test('the layout is the one that places the most files, with the application layout only under a root file', () => {
  assert.equal(detectLayout(['namespaces/cluster/demo.yaml']), 'v2');
  assert.equal(detectLayout(['namespaces/demo/Pod/p.yaml', 'global/Node/n.yaml']), 'v1-cluster');
  assert.equal(detectLayout(['Pod/p.yaml', 'ConfigMap/c.yaml']), 'v1-namespace');
  assert.equal(detectLayout(['Pod/cluster/cluster.yaml']), 'v2');
  assert.equal(detectLayout(['app.yaml', 'Pod/cluster/cluster.yaml']), 'v1-application');
});

test('a tree of 10k files is read in batches that yield to the event loop (time printed)', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 10_000; i++) {
    const ns = `ns-${i % 50}`;
    const key: ObjectKey = { resourceId: 'configmaps', kind: 'ConfigMap', namespace: ns, name: `cm-${i}` };
    files[v2Path(key)] = renderYaml({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: key.name, namespace: ns, labels: { app: 'bench', index: String(i) } },
      data: { 'config.yaml': `key: value-${i}\nother: ${'x'.repeat(200)}\n`, plain: 'value' },
    });
  }
  const root = tree(files);
  const start = performance.now();
  const cpu = process.cpuUsage();
  const read = await readTree(root);
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  console.log(
    `readTree: 10000 files in ${ms.toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU ` +
      `(${((10_000 / ms) * 1000).toFixed(0)} files/s)`,
  );
  assert.equal(read.items.length, 10_000);
  assert.deepEqual(read.problems, []);
});
