import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { mergeKubeconfigs, parseKubeconfig, selectContext } from '../../../src/kube/kubeconfig.ts';

const doc = (o: Record<string, unknown>): string => stringify({ apiVersion: 'v1', kind: 'Config', ...o });

const one = doc({
  clusters: [
    {
      name: 'c1',
      cluster: {
        server: 'https://one:6443',
        'certificate-authority': 'pki/ca.crt',
        'tls-server-name': 'api.one',
      },
    },
    {
      name: 'c2',
      cluster: {
        server: 'https://two',
        'insecure-skip-tls-verify': true,
        'certificate-authority': '/abs/ca.crt',
      },
    },
  ],
  users: [
    { name: 'u1', user: { 'client-certificate': 'u.crt', 'client-key': '../keys/u.key', tokenFile: 'tok' } },
    {
      name: 'u2',
      user: {
        exec: {
          apiVersion: 'client.authentication.k8s.io/v1',
          command: './bin/plugin',
          args: ['get-token'],
          env: [{ name: 'A', value: 'b' }],
          interactiveMode: 'Never',
          provideClusterInfo: true,
        },
      },
    },
    {
      name: 'u3',
      user: {
        exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws' },
        as: 'jane',
        'as-groups': ['g'],
      },
    },
  ],
  contexts: [
    { name: 'one', context: { cluster: 'c1', user: 'u1', namespace: 'ns1' } },
    { name: 'two', context: { cluster: 'c2', user: 'u2' } },
    { name: 'anon', context: { cluster: 'c2', user: '' } },
    { name: 'broken', context: { cluster: 'nope', user: 'u1' } },
    { name: 'nouser', context: { cluster: 'c1', user: 'ghost' } },
  ],
  'current-context': 'one',
});

test('relative paths are resolved against the folder of the kubeconfig that names them', () => {
  const cfg = parseKubeconfig(one, '/home/me/.kube/config');
  assert.equal(cfg.clusters.get('c1')?.certificateAuthority, '/home/me/.kube/pki/ca.crt');
  assert.equal(cfg.clusters.get('c2')?.certificateAuthority, '/abs/ca.crt');
  const u1 = cfg.users.get('u1');
  assert.equal(u1?.clientCertificate, '/home/me/.kube/u.crt');
  assert.equal(u1?.clientKey, '/home/me/keys/u.key');
  assert.equal(u1?.tokenFile, '/home/me/.kube/tok');
  assert.equal(
    cfg.users.get('u2')?.exec?.command,
    '/home/me/.kube/bin/plugin',
    'a command with a slash is a path',
  );
  assert.equal(cfg.users.get('u3')?.exec?.command, 'aws', 'a bare command is looked up on PATH');
});

test('exec settings, defaults and impersonation are read', () => {
  const cfg = parseKubeconfig(one, '/k/config');
  assert.deepEqual(cfg.users.get('u2')?.exec, {
    apiVersion: 'client.authentication.k8s.io/v1',
    command: '/k/bin/plugin',
    args: ['get-token'],
    env: [{ name: 'A', value: 'b' }],
    provideClusterInfo: true,
    interactiveMode: 'Never',
  });
  assert.equal(cfg.users.get('u3')?.exec?.interactiveMode, 'IfAvailable', "v1beta1's default");
  assert.deepEqual(cfg.users.get('u3')?.impersonate, { user: 'jane', groups: ['g'], extra: {} });
});

test('the current context selects its cluster, user and namespace; another is chosen by name', () => {
  const cfg = parseKubeconfig(one, '/k/config');
  const sel = selectContext(cfg);
  assert.equal(sel.context, 'one');
  assert.equal(sel.cluster.server, 'https://one:6443');
  assert.equal(sel.cluster.tlsServerName, 'api.one');
  assert.equal(sel.namespace, 'ns1');
  const two = selectContext(cfg, 'two');
  assert.equal(two.cluster.insecureSkipTlsVerify, true);
  assert.equal(two.namespace, undefined);
  assert.deepEqual(selectContext(cfg, 'anon').user, {}, 'a context without a user is anonymous');
});

test('a missing context, cluster or user is an error that names it', () => {
  const cfg = parseKubeconfig(one, '/k/config');
  assert.throws(
    () => selectContext(cfg, 'nine'),
    /no context "nine"; it has: one, two, anon, broken, nouser/,
  );
  assert.throws(() => selectContext(cfg, 'broken'), /cluster "nope", which is not defined/);
  assert.throws(() => selectContext(cfg, 'nouser'), /user "ghost", which is not defined/);
  assert.throws(() => selectContext(parseKubeconfig('', '/k/empty'), undefined), /has no current-context/);
});

test('merged kubeconfigs keep the first definition of each name and the first current-context', () => {
  const a = parseKubeconfig(
    doc({
      clusters: [{ name: 'c', cluster: { server: 'https://first' } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: '' } }],
    }),
    '/a',
  );
  const b = parseKubeconfig(
    doc({
      clusters: [
        { name: 'c', cluster: { server: 'https://second' } },
        { name: 'd', cluster: { server: 'https://d' } },
      ],
      contexts: [{ name: 'y', context: { cluster: 'd', user: '' } }],
      'current-context': 'y',
    }),
    '/b',
  );
  const merged = mergeKubeconfigs([a, b]);
  assert.equal(merged.clusters.get('c')?.server, 'https://first');
  assert.equal(merged.currentContext, 'y', 'the first file that sets one');
  assert.equal(selectContext(merged).cluster.server, 'https://d');
  assert.deepEqual(merged.files, ['/a', '/b']);
});

test('a kubeconfig that is not valid YAML is refused without quoting its content', () => {
  assert.throws(
    () => parseKubeconfig('users:\n- name: u\n  user:\n    token: "s3cret-token\n  bad: [', '/k/bad'),
    (err: Error) => {
      assert.match(err.message, /kubeconfig \/k\/bad is not valid YAML/);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    },
  );
});
