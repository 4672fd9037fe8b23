import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { K8S } from '../../../src/api/resource-type.ts';
import { createClient } from '../../../src/kube/client.ts';
import { loadConnection } from '../../../src/kube/connection.ts';
import { tokenFileCredentials } from '../../../src/kube/credentials.ts';
import { execCredentials } from '../../../src/kube/exec-credential.ts';
import type { ExecConfig } from '../../../src/kube/kubeconfig.ts';
import { makePki, reply, startServer, type FakeApiServer, type Pki } from './fake-apiserver.ts';

let pki: Pki;
let server: FakeApiServer;
before(async () => {
  pki = makePki();
  server = await startServer(pki, pki.issue('server', { subject: '/CN=apiserver', san: 'IP:127.0.0.1' }));
});
after(() => server.close());

const V1 = 'client.authentication.k8s.io/v1';

/**
 * A plugin in a fresh directory: each run counts itself, records its arguments, environment and
 * KUBERNETES_EXEC_INFO, and prints `response` with @N@ replaced by the run number (or fails as told).
 */
function plugin(
  response: unknown,
  fail?: { code: number; stderr: string },
): { dir: string; runs: () => number; file: (n: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-exec-'));
  writeFileSync(join(dir, 'response'), typeof response === 'string' ? response : JSON.stringify(response));
  const script = [
    '#!/bin/sh',
    'd=$(dirname "$0")',
    'n=$(( $(cat "$d/count" 2>/dev/null || echo 0) + 1 ))',
    'echo $n > "$d/count"',
    'printf "%s" "$KUBERNETES_EXEC_INFO" > "$d/info"',
    'echo "$@" > "$d/args"',
    'printf "%s" "$PLUGIN_VAR" > "$d/env"',
    fail ? `printf '%s' '${fail.stderr}' >&2; exit ${fail.code}` : 'sed "s/@N@/$n/g" "$d/response"',
  ];
  writeFileSync(join(dir, 'plugin.sh'), script.join('\n') + '\n');
  chmodSync(join(dir, 'plugin.sh'), 0o755);
  return {
    dir,
    runs: () => Number(readFileSync(join(dir, 'count'), 'utf8')),
    file: (n) => readFileSync(join(dir, n), 'utf8'),
  };
}

function kubeconfigWithExec(dir: string, exec: Record<string, unknown>): string {
  const file = join(dir, 'config');
  const cluster = {
    server: server.url,
    'certificate-authority-data': Buffer.from(pki.caPem).toString('base64'),
  };
  writeFileSync(
    file,
    stringify({
      clusters: [{ name: 'c', cluster }],
      users: [{ name: 'u', user: { exec } }],
      contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
      'current-context': 'x',
    }),
  );
  return file;
}

const credential = (status: Record<string, unknown>, apiVersion = V1): unknown => ({
  apiVersion,
  kind: 'ExecCredential',
  status,
});
const noEnv = { env: { PATH: process.env.PATH }, home: tmpdir(), serviceAccountDir: '/nonexistent' };

test('an exec plugin runs once with its args, env and cluster info, and its token is kept', async () => {
  const p = plugin(credential({ token: 'tok-@N@' }));
  const file = kubeconfigWithExec(p.dir, {
    apiVersion: V1,
    command: './plugin.sh',
    args: ['get-token', '--cluster', 'dev'],
    env: [{ name: 'PLUGIN_VAR', value: 'from-kubeconfig' }],
    interactiveMode: 'Never',
    provideClusterInfo: true,
  });
  const client = createClient(loadConnection({ kubeconfig: file }, noEnv));
  server.handle((_req, res) => reply(res, 200, {}));
  await client.get(K8S.namespaces, 'a');
  await client.get(K8S.namespaces, 'b');
  assert.equal(p.runs(), 1, 'a token without expiry is kept');
  assert.equal(server.seen.at(-1)?.headers.authorization, 'Bearer tok-1');
  assert.equal(p.file('args').trim(), 'get-token --cluster dev');
  assert.equal(p.file('env'), 'from-kubeconfig');
  const info = JSON.parse(p.file('info')) as {
    apiVersion: string;
    kind: string;
    spec: { interactive: boolean; cluster: Record<string, unknown> };
  };
  assert.equal(info.apiVersion, V1);
  assert.equal(info.spec.interactive, false);
  assert.equal(info.spec.cluster.server, server.url);
  assert.equal(
    Buffer.from(String(info.spec.cluster['certificate-authority-data']), 'base64').toString(),
    pki.caPem,
  );
});

test('after a 401 the plugin runs once more and the request is retried once', async () => {
  const p = plugin(credential({ token: 'tok-@N@' }, 'client.authentication.k8s.io/v1beta1'));
  const file = kubeconfigWithExec(p.dir, {
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: join(p.dir, 'plugin.sh'),
  });
  const client = createClient(loadConnection({ kubeconfig: file }, noEnv));
  server.handle((req, res) =>
    req.headers.authorization === 'Bearer tok-2'
      ? reply(res, 200, { ok: 1 })
      : reply(res, 401, { kind: 'Status', code: 401, message: 'Unauthorized' }),
  );
  assert.deepEqual(await client.request({ method: 'GET', path: '/version' }), { ok: 1 });
  assert.equal(p.runs(), 2);
  const info = JSON.parse(p.file('info')) as { spec: Record<string, unknown> };
  assert.equal(info.spec.cluster, undefined, 'no cluster info unless provideClusterInfo');
  server.handle((_req, res) => reply(res, 401, { kind: 'Status', code: 401, message: 'Unauthorized' }));
  await assert.rejects(client.get(K8S.namespaces, 'x'), { statusCode: 401 });
  assert.equal(p.runs(), 3, 'one more run for the next 401, no loop');
});

test('a plugin token is kept until shortly before it expires', async () => {
  const expires = Date.parse('2030-01-01T00:00:00Z');
  const p = plugin(credential({ token: 'tok-@N@', expirationTimestamp: '2030-01-01T00:00:00Z' }));
  let now = expires - 600_000;
  const exec: ExecConfig = {
    apiVersion: V1,
    command: join(p.dir, 'plugin.sh'),
    args: [],
    env: [],
    provideClusterInfo: false,
    interactiveMode: 'Never',
  };
  const creds = execCredentials(exec, { now: () => now, env: noEnv.env });
  assert.equal((await creds.current()).authorization, 'Bearer tok-1');
  now = expires - 60_000;
  assert.equal((await creds.current()).authorization, 'Bearer tok-1');
  now = expires - 29_000;
  assert.equal((await creds.current()).authorization, 'Bearer tok-2', 'renewed within 30 s of expiry');
  const both = await Promise.all([creds.invalidate() && creds.current(), creds.current()]);
  assert.equal(p.runs(), 3, 'concurrent callers share one run');
  assert.deepEqual(both[0], both[1]);
});

test('a client certificate from the plugin authenticates the connection', async () => {
  const jane = pki.issue('exec-jane', { subject: '/CN=exec-jane', clientAuth: true });
  const p = plugin(credential({ clientCertificateData: jane.cert, clientKeyData: jane.key }));
  const file = kubeconfigWithExec(p.dir, {
    apiVersion: V1,
    command: join(p.dir, 'plugin.sh'),
    interactiveMode: 'IfAvailable',
  });
  server.handle((_req, res) => reply(res, 200, {}));
  await createClient(loadConnection({ kubeconfig: file }, noEnv)).get(K8S.namespaces, 'x');
  assert.equal(server.seen.at(-1)?.clientCn, 'exec-jane');
  assert.equal(server.seen.at(-1)?.headers.authorization, undefined);
});

test('a failing plugin is reported with its exit code and its stderr redacted', async () => {
  const p = plugin('', { code: 3, stderr: 'login failed: token=abcd1234 for from-kubeconfig-secret' });
  const file = kubeconfigWithExec(p.dir, {
    apiVersion: V1,
    command: join(p.dir, 'plugin.sh'),
    env: [{ name: 'PLUGIN_VAR', value: 'from-kubeconfig-secret' }],
    interactiveMode: 'Never',
  });
  await assert.rejects(
    createClient(loadConnection({ kubeconfig: file }, noEnv)).get(K8S.namespaces, 'x'),
    (err: Error) => {
      assert.match(err.message, /exec credential plugin "plugin.sh" failed \(exit code 3\): login failed/);
      assert.doesNotMatch(err.message, /abcd1234|from-kubeconfig-secret/);
      return true;
    },
  );
});

test('a plugin that is not installed is reported with its install hint', async () => {
  const file = kubeconfigWithExec(mkdtempSync(join(tmpdir(), 'cairn-exec-')), {
    apiVersion: V1,
    command: 'cairn-no-such-plugin',
    installHint: 'install it with: brew install cairn-no-such-plugin',
    interactiveMode: 'Never',
  });
  await assert.rejects(
    createClient(loadConnection({ kubeconfig: file }, noEnv)).get(K8S.namespaces, 'x'),
    /could not be started: ENOENT\ninstall it with: brew/,
  );
});

test('output that is not an ExecCredential of the configured version is refused without quoting it', async () => {
  for (const [out, why] of [
    ['token: s3cret', /did not print an ExecCredential as JSON/],
    [
      credential({ token: 's3cret' }, 'client.authentication.k8s.io/v1beta1'),
      /answered with apiVersion "client.authentication.k8s.io\/v1beta1" instead of/,
    ],
    [credential({}), /neither a token nor a client certificate/],
    [credential({ token: 's3cret', expirationTimestamp: 'soon' }), /expirationTimestamp that is not a time/],
  ] as const) {
    const p = plugin(out);
    const exec: ExecConfig = {
      apiVersion: V1,
      command: join(p.dir, 'plugin.sh'),
      args: [],
      env: [],
      provideClusterInfo: false,
      interactiveMode: 'Never',
    };
    await assert.rejects(execCredentials(exec, { env: noEnv.env }).current(), (err: Error) => {
      assert.match(err.message, why);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    });
  }
});

test('a plugin that hangs is killed after the timeout', async () => {
  const p = plugin(credential({ token: 't' }));
  writeFileSync(join(p.dir, 'plugin.sh'), '#!/bin/sh\nexec sleep 30\n');
  const exec: ExecConfig = {
    apiVersion: V1,
    command: join(p.dir, 'plugin.sh'),
    args: [],
    env: [],
    provideClusterInfo: false,
    interactiveMode: 'Never',
  };
  await assert.rejects(
    execCredentials(exec, { env: noEnv.env, timeoutMs: 200 }).current(),
    /failed \(killed by SIGKILL\)/,
  );
});

test('a plugin that must prompt (interactiveMode Always) or has an unknown apiVersion is refused up front', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-exec-'));
  const always = kubeconfigWithExec(dir, { apiVersion: V1, command: 'kubelogin', interactiveMode: 'Always' });
  assert.throws(
    () => loadConnection({ kubeconfig: always }, noEnv),
    /interactiveMode Always, but Cairn never prompts/,
  );
  const alpha = kubeconfigWithExec(dir, {
    apiVersion: 'client.authentication.k8s.io/v1alpha1',
    command: 'x',
  });
  assert.throws(
    () => loadConnection({ kubeconfig: alpha }, noEnv),
    /asks for apiVersion "client.authentication.k8s.io\/v1alpha1"; supported/,
  );
});

test('a token file is read again at most every recheck interval', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-token-'));
  const path = join(dir, 'token');
  writeFileSync(path, 'one');
  let now = 0;
  const creds = tokenFileCredentials(path, { recheckMs: 5_000, now: () => now });
  assert.equal((await creds.current()).authorization, 'Bearer one');
  writeFileSync(path, 'two');
  now = 4_999;
  assert.equal((await creds.current()).authorization, 'Bearer one', 'not read again yet');
  now = 5_000;
  assert.equal((await creds.current()).authorization, 'Bearer two');
  writeFileSync(path, '');
  now = 20_000;
  assert.equal((await creds.current()).authorization, 'Bearer two', 'an empty file keeps the last token');
});
