// The manifest dump under a ServiceAccount that may not list every type: the dump fails naming that type,
// without the token in its message, and still writes the types it may list.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { parse, stringify } from 'yaml';
import { K8S } from '../../../src/api/resource-type.ts';
import { dump, DumpError } from '../../../src/dump/dump.ts';
import { kubeClient } from '../../../src/kube/connect.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { files, removeTemps, scopeOf, seed, tmp } from './fixture.ts';

after(removeTemps);

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
