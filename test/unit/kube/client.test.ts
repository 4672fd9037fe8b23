import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { createClient } from '../../../src/kube/client.ts';
import { staticCredentials } from '../../../src/kube/credentials.ts';
import { errorClass, KubeApiError } from '../../../src/kube/errors.ts';
import type { KubeClient, KubeObject, WatchEvent } from '../../../src/kube/types.ts';
import { makePki, reply, startServer, type FakeApiServer, type Seen } from './fake-apiserver.ts';

let server: FakeApiServer;
let client: KubeClient;
before(async () => {
  const pki = makePki();
  server = await startServer(pki, pki.issue('server', { subject: '/CN=apiserver', san: 'IP:127.0.0.1' }));
  client = createClient({
    server: server.url,
    ca: pki.caPem,
    insecureSkipTlsVerify: false,
    namespace: 'home',
    credentials: staticCredentials({ authorization: 'Bearer admin-token' }),
  });
});
after(() => server.close());

const last = (): Seen => {
  const s = server.seen.at(-1);
  assert.ok(s);
  return s;
};
const echo = (req: Seen, res: ServerResponse): void => reply(res, 200, req.body ? JSON.parse(req.body) : {});

test('writes send JSON to the right URL with their query parameters', async () => {
  server.handle(echo);
  const created = await client.create<KubeObject>(
    KUBESTASH.repositories,
    { metadata: { name: 'r', namespace: 'ns' } },
    { fieldManager: 'cairn', dryRun: true },
  );
  assert.equal(last().method, 'POST');
  assert.equal(
    last().url,
    '/apis/storage.kubestash.com/v1alpha1/namespaces/ns/repositories?fieldManager=cairn&dryRun=All',
  );
  assert.equal(last().headers['content-type'], 'application/json');
  assert.equal(created.apiVersion, 'storage.kubestash.com/v1alpha1', 'apiVersion and kind are filled in');
  assert.equal(created.kind, 'Repository');
  await client.replace(K8S.configMaps, { metadata: { name: 'c', resourceVersion: '5' }, data: {} });
  assert.equal(last().method, 'PUT');
  assert.equal(
    last().url,
    '/api/v1/namespaces/home/configmaps/c',
    "the client's namespace when the object has none",
  );
  await client.get(K8S.namespaces, 'n', 'ignored');
  assert.equal(last().url, '/api/v1/namespaces/n');
  assert.equal(last().headers.authorization, 'Bearer admin-token');
  assert.match(String(last().headers['user-agent']), /^cairn/);
});

test('each patch type sends its content type; apply adds the field manager and force', async () => {
  server.handle(echo);
  const types = {
    merge: 'application/merge-patch+json',
    json: 'application/json-patch+json',
    strategic: 'application/strategic-merge-patch+json',
    apply: 'application/apply-patch+yaml',
  } as const;
  for (const [type, contentType] of Object.entries(types) as [keyof typeof types, string][]) {
    await client.patch(
      K8S.jobs,
      'j',
      { spec: {} },
      { type, namespace: 'ns', fieldManager: 'm', force: true },
    );
    assert.equal(last().headers['content-type'], contentType);
    assert.equal(
      last().url,
      `/apis/batch/v1/namespaces/ns/jobs/j?fieldManager=m${type === 'apply' ? '&force=true' : ''}`,
    );
  }
  const applied = await client.apply(
    K8S.configMaps,
    { metadata: { name: 'a', namespace: 'ns' }, data: { k: 'v' } },
    { fieldManager: 'cairn', force: true },
  );
  assert.equal(last().url, '/api/v1/namespaces/ns/configmaps/a?fieldManager=cairn&force=true');
  assert.equal(last().headers['content-type'], 'application/apply-patch+yaml');
  assert.deepEqual(applied, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', namespace: 'ns' },
    data: { k: 'v' },
  });
});

test('patchStatus merges into /status and carries the resourceVersion as a precondition', async () => {
  server.handle(echo);
  await client.patchStatus(
    KUBESTASH.backupSessions,
    's',
    'ns',
    { phase: 'Running' },
    { resourceVersion: '12' },
  );
  assert.equal(last().url, '/apis/core.kubestash.com/v1alpha1/namespaces/ns/backupsessions/s/status');
  assert.equal(last().headers['content-type'], 'application/merge-patch+json');
  assert.deepEqual(JSON.parse(last().body), {
    metadata: { resourceVersion: '12' },
    status: { phase: 'Running' },
  });
  await client.patchStatus(KUBESTASH.backupSessions, 's', 'ns', { phase: 'Done' });
  assert.deepEqual(JSON.parse(last().body), { status: { phase: 'Done' } });
});

test('delete sends DeleteOptions and says false for an object already gone', async () => {
  server.handle((req, res) =>
    req.url.includes('/gone')
      ? reply(res, 404, {
          kind: 'Status',
          code: 404,
          reason: 'NotFound',
          message: 'configmaps "gone" not found',
        })
      : reply(res, 200, {}),
  );
  assert.equal(
    await client.delete(K8S.configMaps, 'c', {
      namespace: 'ns',
      propagationPolicy: 'Foreground',
      preconditions: { uid: 'u1' },
    }),
    true,
  );
  assert.equal(last().method, 'DELETE');
  assert.deepEqual(JSON.parse(last().body), {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    propagationPolicy: 'Foreground',
    preconditions: { uid: 'u1' },
  });
  assert.equal(await client.delete(K8S.configMaps, 'gone', { namespace: 'ns' }), false);
  assert.equal(await client.find(K8S.configMaps, 'gone', 'ns'), undefined);
});

test('listAll follows continue tokens with the default page size and keeps the first resourceVersion', async () => {
  server.handle((req, res) => {
    const url = new URL(req.url, 'https://x');
    const cont = url.searchParams.get('continue');
    const page = cont ? Number(cont) : 0;
    reply(res, 200, {
      metadata: { resourceVersion: String(100 + page), ...(page < 2 && { continue: String(page + 1) }) },
      items: [{ metadata: { name: `p${page}` } }],
    });
  });
  const before = server.seen.length;
  const all = await client.listAll(K8S.pods, { labelSelector: 'app=x', resourceVersion: '0' });
  assert.deepEqual(
    all.items.map((i) => i.metadata?.name),
    ['p0', 'p1', 'p2'],
  );
  assert.equal(all.metadata.resourceVersion, '100');
  assert.deepEqual(
    server.seen.slice(before).map((s) => s.url),
    [
      '/api/v1/pods?labelSelector=app%3Dx&limit=500&resourceVersion=0',
      '/api/v1/pods?labelSelector=app%3Dx&limit=500&continue=1',
      '/api/v1/pods?labelSelector=app%3Dx&limit=500&continue=2',
    ],
    'a continued page does not repeat the resourceVersion (the server refuses both)',
  );
  const pages = [];
  for await (const p of client.listPages(K8S.pods, { limit: 1 }))
    pages.push([
      p.resourceVersion,
      p.continue,
      (JSON.parse(p.body.toString()) as { items: unknown[] }).items.length,
    ]);
  assert.deepEqual(pages, [
    ['100', '1', 1],
    ['101', '2', 1],
    ['102', undefined, 1],
  ]);
});

test('a Status body becomes a KubeApiError with its message, a non-JSON body one with the HTTP status', async () => {
  server.handle((_req, res) =>
    reply(res, 422, {
      kind: 'Status',
      status: 'Failure',
      code: 422,
      reason: 'Invalid',
      message: 'ConfigMap "Bad" is invalid',
    }),
  );
  const invalid = await client.get(K8S.configMaps, 'x', 'ns').catch((e: unknown) => e);
  assert.ok(invalid instanceof KubeApiError);
  assert.equal(invalid.message, 'ConfigMap "Bad" is invalid');
  assert.equal(invalid.reason, 'Invalid');
  assert.equal(errorClass(invalid), 'terminal');
  server.handle((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/html' });
    res.end('<html>upstream down, Authorization: Bearer leaked-token</html>');
  });
  const unavailable = await client.get(K8S.configMaps, 'x', 'ns').catch((e: unknown) => e);
  assert.ok(unavailable instanceof KubeApiError);
  assert.equal(unavailable.statusCode, 503);
  assert.equal(errorClass(unavailable), 'retryable');
  assert.match(
    unavailable.message,
    /GET \/api\/v1\/namespaces\/ns\/configmaps\/x: 503 Service Unavailable: <html>upstream down/,
  );
  assert.doesNotMatch(unavailable.message, /leaked-token|admin-token/);
});

test('a refused connection is a KubeApiError with status 0, classified retryable, with the cause attached', async () => {
  const nowhere = createClient({
    server: 'https://127.0.0.1:1',
    insecureSkipTlsVerify: false,
    namespace: 'x',
    credentials: staticCredentials({ authorization: 'Bearer admin-token' }),
  });
  const err = await nowhere.request({ method: 'GET', path: '/version' }).catch((e: unknown) => e);
  assert.ok(err instanceof KubeApiError);
  assert.equal(err.statusCode, 0);
  assert.equal(errorClass(err), 'retryable');
  assert.match(err.message, /ECONNREFUSED/);
  assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  assert.doesNotMatch(err.message, /admin-token/);
});

test('an aborted request rejects with the abort reason, not as a retryable API error', async () => {
  server.handle(() => undefined);
  const ac = new AbortController();
  const pending = client.get(K8S.configMaps, 'x', 'ns', ac.signal);
  setTimeout(() => ac.abort(), 20);
  await assert.rejects(pending, { name: 'AbortError' });
});

/** Starts a watch response and hands the response to `feed`. */
function streaming(feed: (res: ServerResponse) => void): void {
  server.handle((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    feed(res);
  });
}

const ev = (type: string, name: string): string =>
  JSON.stringify({ type, object: { metadata: { name } } }) + '\n';

test('a watch yields events split across writes and ends when the server closes the stream', async () => {
  streaming((res) => {
    const text = ev('ADDED', 'a') + ev('MODIFIED', 'a') + ev('BOOKMARK', '') + ev('DELETED', 'a');
    let i = 0;
    const step = (): void => {
      if (i >= text.length) return void res.end();
      res.write(text.slice(i, i + 7));
      i += 7;
      setImmediate(step);
    };
    step();
  });
  const got: string[] = [];
  for await (const e of client.watch(K8S.configMaps, {
    namespace: 'ns',
    resourceVersion: '5',
    allowWatchBookmarks: true,
  }))
    got.push(`${e.type} ${e.object.metadata?.name}`);
  assert.deepEqual(got, ['ADDED a', 'MODIFIED a', 'BOOKMARK ', 'DELETED a']);
  assert.equal(
    last().url,
    '/api/v1/namespaces/ns/configmaps?watch=1&resourceVersion=5&allowWatchBookmarks=true',
  );
});

test('a watch whose connection breaks mid-stream throws a retryable KubeApiError', async () => {
  streaming((res) => {
    res.write(ev('ADDED', 'a'));
    setTimeout(() => res.socket?.destroy(), 20);
  });
  const got: WatchEvent[] = [];
  const err = await (async () => {
    for await (const e of client.watch(K8S.configMaps, {})) got.push(e);
  })().catch((e: unknown) => e);
  assert.equal(got.length, 1);
  assert.ok(err instanceof KubeApiError, String(err));
  assert.equal(errorClass(err), 'retryable');
});

test('a watch refused at connect throws the Status of the response', async () => {
  server.handle((_req, res) =>
    reply(res, 410, {
      kind: 'Status',
      code: 410,
      reason: 'Expired',
      message: 'too old resource version: 1 (5)',
    }),
  );
  const err = await (async () => {
    for await (const _ of client.watch(K8S.configMaps, { resourceVersion: '1' })) assert.fail('no events');
  })().catch((e: unknown) => e);
  assert.ok(err instanceof KubeApiError);
  assert.equal(err.statusCode, 410);
  assert.equal(errorClass(err), 'gone');
  assert.equal(err.message, 'too old resource version: 1 (5)');
});

test('aborting a watch ends it quietly, both before the response and while events stream', async () => {
  server.handle(() => undefined);
  const early = new AbortController();
  const waiting = client.watch(K8S.configMaps, { signal: early.signal })[Symbol.asyncIterator]().next();
  setTimeout(() => early.abort(), 30);
  assert.deepEqual(await waiting, { done: true, value: undefined });

  streaming((res) => res.write(ev('ADDED', 'a')));
  const late = new AbortController();
  const got: KubeObject[] = [];
  for await (const e of client.watch(K8S.configMaps, { signal: late.signal })) {
    got.push(e.object);
    late.abort();
  }
  assert.equal(got.length, 1);
});
