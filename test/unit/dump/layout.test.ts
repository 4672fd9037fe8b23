import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fileName,
  nameOfFile,
  pathFor,
  v1ApplicationPath,
  v1ClusterPath,
  v1NamespacePath,
  v2Path,
} from '../../../src/dump/layout.ts';

const ns = {
  resourceId: 'deployments.apps',
  kind: 'Deployment',
  namespace: 'demo-a',
  name: 'my-deployment-a',
};
const cl = {
  resourceId: 'clusterroles.rbac.authorization.k8s.io',
  kind: 'ClusterRole',
  namespace: '',
  name: 'kubeadm:kubelet-config',
};

test('the v2 layout is a group-resource tree with cluster and namespaces branches', () => {
  assert.equal(v2Path(ns), 'deployments.apps/namespaces/demo-a/my-deployment-a.yaml');
  assert.equal(v2Path(cl), 'clusterroles.rbac.authorization.k8s.io/cluster/kubeadm:kubelet-config.yaml');
  assert.equal(
    pathFor('v2', { ...ns, resourceId: 'configmaps', namespace: 'db', name: 'x' }),
    'configmaps/namespaces/db/x.yaml',
  );
});

test('the v1 cluster layout puts cluster objects under global and the rest under their namespace by Kind', () => {
  assert.equal(v1ClusterPath(cl), 'global/ClusterRole/kubeadm:kubelet-config.yaml');
  assert.equal(v1ClusterPath(ns), 'namespaces/demo-a/Deployment/my-deployment-a.yaml');
  assert.equal(pathFor('v1-cluster', ns), v1ClusterPath(ns));
});

test('the v1 namespace layout is Kind/name', () => {
  assert.equal(v1NamespacePath(ns), 'Deployment/my-deployment-a.yaml');
  assert.equal(pathFor('v1-namespace', ns), 'Deployment/my-deployment-a.yaml');
});

test('the v1 application layout nests each owned object under its owners', () => {
  assert.equal(v1ApplicationPath({ name: 'web' }, []), 'web.yaml');
  assert.equal(
    v1ApplicationPath({ name: 'web' }, [{ kind: 'ReplicaSet', name: 'web-1' }]),
    'ReplicaSet/web-1/web-1.yaml',
  );
  assert.equal(
    v1ApplicationPath({ name: 'web' }, [
      { kind: 'ReplicaSet', name: 'web-1' },
      { kind: 'Pod', name: 'web-1-x' },
    ]),
    'ReplicaSet/web-1/Pod/web-1-x/web-1-x.yaml',
  );
});

test('names with a colon or non-ASCII characters are kept as they are and read back', () => {
  for (const name of ['kubeadm:kubelet-config', 'system:controller:job-controller', 'données-é', '名前']) {
    assert.equal(fileName(name), `${name}.yaml`);
    assert.equal(nameOfFile(fileName(name)), name);
  }
});

test('characters a path cannot hold are escaped and read back', () => {
  for (const name of ['a%b', 'a~b', 'back\\slash', 'tab\there', 'new\nline', '..', '.']) {
    const f = fileName(name);
    assert.ok(!f.slice(0, -5).includes('/') && !f.includes('\n') && !f.includes('\\'), f);
    assert.notEqual(f, '..yaml');
    assert.equal(nameOfFile(f), name);
  }
  assert.equal(fileName('..'), '%2E%2E.yaml');
});

test('a 253-character name fits in a file name and distinct long names get distinct files', () => {
  const a = `${'a'.repeat(252)}b`;
  const b = `${'a'.repeat(252)}c`;
  assert.equal(a.length, 253);
  for (const f of [fileName(a), fileName(b)]) {
    assert.ok(Buffer.byteLength(f) <= 255, `${Buffer.byteLength(f)} bytes`);
    assert.ok(f.startsWith('a'.repeat(200)));
    assert.equal(nameOfFile(f), undefined);
  }
  assert.notEqual(fileName(a), fileName(b));
  assert.equal(fileName(a), fileName(a));
  assert.equal(nameOfFile(fileName('a'.repeat(250))), 'a'.repeat(250));
});

test('a long non-ASCII name is cut on a character boundary', () => {
  const name = 'é'.repeat(200);
  const f = fileName(name);
  assert.ok(Buffer.byteLength(f) <= 255);
  assert.doesNotMatch(f, /\uFFFD/);
  assert.equal(Buffer.from(f, 'utf8').toString('utf8'), f);
  assert.match(f, /^é+~[0-9a-f]{16}\.yaml$/);
});

test('a shortened file name cannot collide with a real name that contains a tilde', () => {
  const long = `${'x'.repeat(253)}`;
  const short = fileName(long).slice(0, -5);
  assert.notEqual(fileName(short), fileName(long));
});
