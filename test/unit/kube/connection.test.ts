import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { K8S } from '../../../src/api/resource-type.ts';
import { createClient } from '../../../src/kube/client.ts';
import { loadConnection, type Environment } from '../../../src/kube/connection.ts';
import { errorClass, KubeApiError } from '../../../src/kube/errors.ts';
import type { ServerResponse } from 'node:http';
import { makePki, reply, startServer, type FakeApiServer, type Pki, type Seen } from './fake-apiserver.ts';

let pki: Pki;
let server: FakeApiServer;
let dnsOnly: FakeApiServer;

before(async () => {
  pki = makePki();
  server = await startServer(pki, pki.issue('server', { subject: '/CN=apiserver', san: 'IP:127.0.0.1' }));
  dnsOnly = await startServer(pki, pki.issue('dns', { subject: '/CN=api.test', san: 'DNS:api.test' }));
});
after(async () => {
  await server.close();
  await dnsOnly.close();
});

const tmp = (): string => mkdtempSync(join(tmpdir(), 'cairn-kc-'));
/** An environment with no kubeconfig, no home config and no ServiceAccount. */
const bare = (extra: Partial<Environment> = {}): Partial<Environment> => ({
  env: {},
  home: tmp(),
  serviceAccountDir: join(tmp(), 'none'),
  ...extra,
});

function kubeconfig(
  dir: string,
  cluster: Record<string, unknown>,
  user: Record<string, unknown>,
  namespace?: string,
): string {
  const file = join(dir, 'config');
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', ...(namespace && { namespace }) } }],
      'current-context': 'ctx',
    }),
  );
  return file;
}

async function rejection(p: Promise<unknown>): Promise<KubeApiError> {
  const err = await p.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof KubeApiError, String(err));
  return err;
}

test('a CA file and a client certificate named relative to the kubeconfig authenticate the client', async () => {
  const dir = tmp();
  mkdirSync(join(dir, 'pki'));
  const jane = pki.issue('jane', { subject: '/CN=jane/O=devs', clientAuth: true });
  writeFileSync(join(dir, 'pki', 'ca.crt'), pki.caPem);
  writeFileSync(join(dir, 'pki', 'jane.crt'), jane.cert);
  writeFileSync(join(dir, 'jane.key'), jane.key);
  const file = kubeconfig(
    dir,
    { server: server.url, 'certificate-authority': 'pki/ca.crt' },
    { 'client-certificate': 'pki/jane.crt', 'client-key': 'jane.key' },
    'team',
  );
  server.handle((_req, res) => reply(res, 200, { kind: 'ConfigMap', metadata: { name: 'x' } }));
  const client = createClient(loadConnection({ kubeconfig: file }, bare()), 'cairn-test/1');
  assert.equal(client.namespace, 'team');
  assert.equal(client.server, server.url);
  await client.get(K8S.configMaps, 'x');
  const last = server.seen.at(-1);
  assert.equal(last?.clientCn, 'jane');
  assert.equal(last?.url, '/api/v1/namespaces/team/configmaps/x', "the context's namespace by default");
  assert.equal(last?.headers['user-agent'], 'cairn-test/1');
  assert.equal(last?.headers.authorization, undefined);
  const other = createClient(loadConnection({ kubeconfig: file, namespace: 'other' }, bare()));
  assert.equal(other.namespace, 'other');
});

test('tls-server-name verifies a certificate issued for another name than the address', async () => {
  const dir = tmp();
  const ca = Buffer.from(pki.caPem).toString('base64');
  const without = kubeconfig(dir, { server: dnsOnly.url, 'certificate-authority-data': ca }, { token: 't' });
  const err = await rejection(
    createClient(loadConnection({ kubeconfig: without }, bare())).get(K8S.namespaces, 'x'),
  );
  assert.equal(err.statusCode, 0);
  assert.equal(errorClass(err), 'retryable');
  assert.ok(err.cause, 'the transport error is attached');
  const withName = kubeconfig(
    tmp(),
    { server: dnsOnly.url, 'certificate-authority-data': ca, 'tls-server-name': 'api.test' },
    { token: 't' },
  );
  dnsOnly.handle((_req, res) => reply(res, 200, {}));
  await createClient(loadConnection({ kubeconfig: withName }, bare())).get(K8S.namespaces, 'x');
});

test('an untrusted server is refused unless insecure-skip-tls-verify is set', async () => {
  const untrusted = kubeconfig(tmp(), { server: server.url }, { token: 'secret-token-value' });
  const err = await rejection(
    createClient(loadConnection({ kubeconfig: untrusted }, bare())).get(K8S.namespaces, 'x'),
  );
  assert.equal(err.statusCode, 0);
  assert.doesNotMatch(err.message, /secret-token-value/);
  const insecure = kubeconfig(
    tmp(),
    { server: server.url, 'insecure-skip-tls-verify': true },
    { username: 'ann', password: 'pw' },
  );
  server.handle((_req, res) => reply(res, 200, {}));
  await createClient(loadConnection({ kubeconfig: insecure }, bare())).get(K8S.namespaces, 'x');
  assert.equal(
    server.seen.at(-1)?.headers.authorization,
    `Basic ${Buffer.from('ann:pw').toString('base64')}`,
  );
});

test('$KUBECONFIG files are merged first-wins and missing ones skipped; ~/.kube/config is the fallback', async () => {
  const ca = Buffer.from(pki.caPem).toString('base64');
  const first = kubeconfig(
    tmp(),
    { server: server.url, 'certificate-authority-data': ca },
    { token: 'first' },
    'one',
  );
  const second = kubeconfig(
    tmp(),
    { server: 'https://127.0.0.1:1', 'certificate-authority-data': ca },
    { token: 'second' },
  );
  const env = { KUBECONFIG: ['/nonexistent/config', first, second].join(':') };
  server.handle((_req, res) => reply(res, 200, {}));
  const merged = createClient(loadConnection({}, bare({ env })));
  assert.equal(merged.server, server.url);
  await merged.get(K8S.namespaces, 'x');
  assert.equal(server.seen.at(-1)?.headers.authorization, 'Bearer first');

  const home = tmp();
  mkdirSync(join(home, '.kube'));
  writeFileSync(
    join(home, '.kube', 'config'),
    stringify({
      clusters: [{ name: 'h', cluster: { server: 'https://home:1' } }],
      contexts: [{ name: 'h', context: { cluster: 'h', user: '' } }],
      'current-context': 'h',
    }),
  );
  assert.equal(loadConnection({}, bare({ home })).server, 'https://home:1');
  assert.throws(() => loadConnection({}, bare()), /no Kubernetes configuration found/);
  assert.throws(
    () => loadConnection({}, bare({ env: { KUBECONFIG: '/nope/a:/nope/b' } })),
    /none of the kubeconfig files in \$KUBECONFIG exists: \/nope\/a, \/nope\/b/,
  );
  assert.throws(
    () => loadConnection({ kubeconfig: '/nope/c' }, bare()),
    /cannot read the kubeconfig \/nope\/c: ENOENT/,
  );
});

test('an auth-provider user is refused with exec credential plugins named as the fix', () => {
  const file = kubeconfig(
    tmp(),
    { server: server.url },
    { 'auth-provider': { name: 'gcp', config: { 'access-token': 'ya29.secret' } } },
  );
  assert.throws(
    () => loadConnection({ kubeconfig: file }, bare()),
    (err: Error) => {
      assert.match(err.message, /auth-provider "gcp".*not support.*exec/);
      assert.doesNotMatch(err.message, /ya29/);
      return true;
    },
  );
});

test('impersonation settings become Impersonate headers', async () => {
  const file = kubeconfig(
    tmp(),
    { server: server.url, 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') },
    { token: 'admin', as: 'jane', 'as-groups': ['devs', 'ops'], 'as-user-extra': { scopes: ['a', 'b'] } },
  );
  server.handle((_req, res) => reply(res, 200, {}));
  await createClient(loadConnection({ kubeconfig: file }, bare())).get(K8S.namespaces, 'x');
  const h = server.seen.at(-1)?.headers ?? {};
  assert.equal(h['impersonate-user'], 'jane');
  assert.equal(h['impersonate-group'], 'devs, ops');
  assert.equal(h['impersonate-extra-scopes'], 'a, b');
});

test('a token file is read on first use and read again after a 401', async () => {
  const dir = tmp();
  writeFileSync(join(dir, 'token'), 'old\n');
  const ca = Buffer.from(pki.caPem).toString('base64');
  const file = kubeconfig(
    dir,
    { server: server.url, 'certificate-authority-data': ca },
    { tokenFile: 'token' },
  );
  const client = createClient(loadConnection({ kubeconfig: file }, bare({ tokenRecheckMs: 3_600_000 })));
  const accept = (token: string) => (req: Seen, res: ServerResponse) =>
    req.headers.authorization === `Bearer ${token}`
      ? reply(res, 200, {})
      : reply(res, 401, { kind: 'Status', code: 401, message: 'Unauthorized', reason: 'Unauthorized' });
  const before = server.seen.length;
  server.handle(accept('old'));
  await client.get(K8S.namespaces, 'x');
  writeFileSync(join(dir, 'token'), 'new\n');
  server.handle(accept('new'));
  await client.get(K8S.namespaces, 'x');
  assert.deepEqual(
    server.seen.slice(before).map((s) => s.headers.authorization),
    ['Bearer old', 'Bearer old', 'Bearer new'],
    'the cached token until a 401, then one retry with the file read again',
  );
  server.handle(accept('never'));
  const refused = await rejection(client.get(K8S.namespaces, 'x'));
  assert.equal(refused.statusCode, 401, 'a second 401 is the answer, not a loop');
  assert.equal(server.seen.length - before, 5);
  const missing = kubeconfig(tmp(), { server: server.url }, { tokenFile: '/nonexistent/token' });
  await assert.rejects(
    createClient(loadConnection({ kubeconfig: missing }, bare())).get(K8S.namespaces, 'x'),
    /cannot read the token file \/nonexistent\/token: ENOENT/,
  );
});

test('inside a pod the ServiceAccount gives the server, CA, namespace and a token read again as it rotates', async () => {
  const sa = tmp();
  writeFileSync(join(sa, 'ca.crt'), pki.caPem);
  writeFileSync(join(sa, 'namespace'), 'jobs\n');
  writeFileSync(join(sa, 'token'), 'sa-token-1');
  const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(server.port) };
  const conn = loadConnection({}, bare({ env, serviceAccountDir: sa, tokenRecheckMs: 0 }));
  assert.equal(conn.server, server.url);
  const client = createClient(conn);
  assert.equal(client.namespace, 'jobs');
  server.handle((_req, res) => reply(res, 200, {}));
  await client.get(K8S.configMaps, 'x');
  assert.equal(server.seen.at(-1)?.headers.authorization, 'Bearer sa-token-1');
  assert.equal(server.seen.at(-1)?.url, '/api/v1/namespaces/jobs/configmaps/x');
  writeFileSync(join(sa, 'token'), 'sa-token-2');
  await client.get(K8S.configMaps, 'x');
  assert.equal(server.seen.at(-1)?.headers.authorization, 'Bearer sa-token-2');
  const ipv6 = loadConnection(
    {},
    bare({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      serviceAccountDir: sa,
    }),
  );
  assert.equal(ipv6.server, 'https://[fd00::1]:443');
  assert.throws(() => loadConnection({}, bare({ env })), /cannot read the ServiceAccount CA/);
});
