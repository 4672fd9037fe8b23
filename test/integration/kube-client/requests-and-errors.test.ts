// Cairn's own Kubernetes client (src/kube) against the dev cluster: raw requests (discovery paths,
// subresources) and the classification of the errors the server sends.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { K8S } from '../../../src/api/resource-type.ts';
import { kubeClient } from '../../../src/kube/connect.ts';
import { errorClass } from '../../../src/kube/errors.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { rejection } from './fixture.ts';

clusterTest(
  'request reads /version and issues a ServiceAccount token through the TokenRequest subresource',
  async ({ client, namespace }) => {
    const version = await client.request<{ major: string; minor: string; gitVersion: string }>({
      method: 'GET',
      path: '/version',
    });
    assert.match(version.gitVersion, /^v1\./);
    await client.create(K8S.serviceAccounts, { metadata: { name: 'robot', namespace } });
    const tr = await client.request<{ status: { token: string; expirationTimestamp: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/serviceaccounts/robot/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 600 },
      },
    });
    assert.ok(tr.status.token.split('.').length === 3, 'a JWT');
    assert.ok(Date.parse(tr.status.expirationTimestamp) > Date.now());
  },
);

/** A kubeconfig for the dev cluster that authenticates with `token`. */
function kubeconfigWithToken(token: string): string {
  const admin = parse(readFileSync(process.env.CAIRN_TEST_KUBECONFIG ?? '', 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
  };
  const cluster = admin.clusters[0]?.cluster;
  assert.ok(cluster);
  const file = join(mkdtempSync(join(tmpdir(), 'cairn-kc-')), 'kubeconfig');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'dev', cluster }],
      users: [{ name: 'robot', user: { token } }],
      contexts: [{ name: 'dev', context: { cluster: 'dev', user: 'robot', namespace: 'elsewhere' } }],
      'current-context': 'dev',
    }),
    { mode: 0o600 },
  );
  return file;
}

clusterTest(
  'errors are classified: not found, conflict, forbidden, invalid and unauthorized',
  async ({ client, namespace }) => {
    const missing = await rejection(client.get(K8S.configMaps, 'nope', namespace));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.reason, 'NotFound');
    assert.equal(errorClass(missing), 'not-found');
    assert.match(missing.message, /"nope" not found/, 'the message is the Status message');

    await client.create(K8S.configMaps, { metadata: { name: 'dup', namespace } });
    const exists = await rejection(client.create(K8S.configMaps, { metadata: { name: 'dup', namespace } }));
    assert.equal(exists.reason, 'AlreadyExists');
    assert.equal(errorClass(exists), 'conflict');

    const invalid = await rejection(
      client.create(K8S.configMaps, { metadata: { name: 'Not_Valid', namespace } }),
    );
    assert.equal(invalid.statusCode, 422);
    assert.equal(invalid.reason, 'Invalid');
    assert.equal(errorClass(invalid), 'terminal');

    await client.create(K8S.serviceAccounts, { metadata: { name: 'nobody', namespace } });
    const tr = await client.request<{ status: { token: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${namespace}/serviceaccounts/nobody/token`,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} },
    });
    const robot = kubeClient({ kubeconfig: kubeconfigWithToken(tr.status.token) });
    assert.equal(robot.namespace, 'elsewhere', "the context's namespace");
    const forbidden = await rejection(robot.list(K8S.secrets, { namespace }));
    assert.equal(forbidden.statusCode, 403);
    assert.equal(errorClass(forbidden), 'forbidden');
    assert.ok(!forbidden.message.includes(tr.status.token));
    assert.match(forbidden.message, /system:serviceaccount:.*:nobody/);

    const stranger = kubeClient({ kubeconfig: kubeconfigWithToken('not-a-valid-token') });
    const unauthorized = await rejection(stranger.get(K8S.namespaces, namespace));
    assert.equal(unauthorized.statusCode, 401);
    assert.equal(errorClass(unauthorized), 'forbidden');
    assert.ok(!unauthorized.message.includes('not-a-valid-token'));
  },
);
