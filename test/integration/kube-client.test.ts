// Cairn's own Kubernetes client (src/kube) against the dev cluster: every verb, paging, patches,
// server-side apply, conditional writes, watches and the classification of the errors the server sends.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { K8S, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { kubeClient } from '../../src/kube/connect.ts';
import { discover } from '../../src/kube/discovery.ts';
import { errorClass, KubeApiError } from '../../src/kube/errors.ts';
import type { KubeClient, KubeObject, WatchEvent } from '../../src/kube/types.ts';
import { clusterTest } from '../harness/cluster.ts';

type ConfigMap = KubeObject & { data?: Record<string, string> };

const WIDGETS: ResourceType = {
  group: 'harness.cairn.dev',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

async function rejection(p: Promise<unknown>): Promise<KubeApiError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KubeApiError, `expected a KubeApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the call to fail');
}

async function makeConfigMaps(client: KubeClient, namespace: string, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `cm-${i}`);
  for (const name of names)
    await client.create(K8S.configMaps, { metadata: { name, namespace }, data: { i: name } });
  return names;
}

/** Collects the events of a watch in the background until the signal aborts. */
function collect<T = KubeObject>(
  iterable: AsyncIterable<WatchEvent<T>>,
): { events: WatchEvent<T>[]; done: Promise<void> } {
  const events: WatchEvent<T>[] = [];
  const done = (async () => {
    for await (const e of iterable) events.push(e);
  })();
  return { events, done };
}

clusterTest(
  'a ConfigMap is created, read, replaced and deleted, and delete says false the second time',
  async ({ client, namespace }) => {
    const created = await client.create<ConfigMap>(K8S.configMaps, {
      metadata: { name: 'one', namespace },
      data: { a: '1' },
    });
    assert.ok(created.metadata?.uid);
    const got = await client.get<ConfigMap>(K8S.configMaps, 'one', namespace);
    assert.deepEqual(got.data, { a: '1' });
    assert.equal(await client.find(K8S.configMaps, 'absent', namespace), undefined);
    const replaced = await client.replace<ConfigMap>(K8S.configMaps, { ...got, data: { a: '2' } });
    assert.equal(replaced.data?.a, '2');
    const stale = await rejection(client.replace<ConfigMap>(K8S.configMaps, { ...got, data: { a: '3' } }));
    assert.equal(stale.statusCode, 409, 'a replace with a stale resourceVersion is refused');
    assert.equal(errorClass(stale), 'conflict');
    assert.equal(await client.delete(K8S.configMaps, 'one', { namespace }), true);
    assert.equal(await client.delete(K8S.configMaps, 'one', { namespace }), false);
  },
);

clusterTest(
  'a list with limit 3 over 7 objects returns each once, page by page and through listAll',
  async ({ client, namespace }) => {
    const names = await makeConfigMaps(client, namespace, 7);
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await client.list(K8S.configMaps, {
        namespace,
        limit: 3,
        ...(cont && { continue: cont }),
      });
      pages++;
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith('cm-')));
      cont = page.metadata.continue;
    } while (cont);
    assert.ok(pages >= 3, `expected at least 3 pages of 3, got ${pages}`);
    assert.deepEqual(seen.sort(), names);
    const all = await client.listAll(K8S.configMaps, { namespace, limit: 3 });
    assert.deepEqual(
      all.items
        .map((c) => c.metadata?.name)
        .filter((n) => n?.startsWith('cm-'))
        .sort(),
      names,
    );
    assert.match(all.metadata.resourceVersion, /^\d+$/);
    const selected = await client.listAll(K8S.configMaps, { namespace, fieldSelector: 'metadata.name=cm-4' });
    assert.deepEqual(
      selected.items.map((c) => c.metadata?.name),
      ['cm-4'],
    );
  },
);

clusterTest(
  'listPages yields the raw pages with their resourceVersion and continue token',
  async ({ client, namespace }) => {
    const names = await makeConfigMaps(client, namespace, 7);
    const seen: string[] = [];
    const versions = new Set<string>();
    let pages = 0;
    for await (const page of client.listPages(K8S.configMaps, { namespace, limit: 3 })) {
      pages++;
      const parsed = JSON.parse(page.body.toString('utf8')) as {
        items: ConfigMap[];
        metadata: { continue?: string };
      };
      assert.equal(page.continue, parsed.metadata.continue || undefined);
      assert.match(page.resourceVersion, /^\d+$/);
      versions.add(page.resourceVersion);
      seen.push(...parsed.items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith('cm-')));
    }
    assert.ok(pages >= 3);
    assert.equal(versions.size, 1, 'every page of one list is at the same resourceVersion');
    assert.deepEqual(seen.sort(), names);
  },
);

clusterTest(
  'merge, JSON and strategic merge patches each apply their own semantics',
  async ({ client, namespace }) => {
    await client.create(K8S.configMaps, { metadata: { name: 'p', namespace }, data: { a: '1', b: '2' } });
    const merged = await client.patch<ConfigMap>(
      K8S.configMaps,
      'p',
      { data: { a: null, c: '3' } },
      { type: 'merge', namespace },
    );
    assert.deepEqual(merged.data, { b: '2', c: '3' });
    const jsonPatched = await client.patch<ConfigMap>(
      K8S.configMaps,
      'p',
      [
        { op: 'test', path: '/data/b', value: '2' },
        { op: 'replace', path: '/data/b', value: 'two' },
      ],
      { type: 'json', namespace },
    );
    assert.deepEqual(jsonPatched.data, { b: 'two', c: '3' });
    const failedTest = await rejection(
      client.patch(K8S.configMaps, 'p', [{ op: 'test', path: '/data/b', value: '2' }], {
        type: 'json',
        namespace,
      }),
    );
    assert.equal(
      errorClass(failedTest),
      'terminal',
      `a failed JSON patch test is terminal (${failedTest.statusCode})`,
    );
    // ServiceAccount.secrets merges by name under a strategic merge patch and is replaced by a merge patch.
    await client.create(K8S.serviceAccounts, {
      metadata: { name: 'sa', namespace },
      secrets: [{ name: 'a' }],
    });
    const strategic = await client.patch<{ secrets: { name: string }[] }>(
      K8S.serviceAccounts,
      'sa',
      { secrets: [{ name: 'b' }] },
      { type: 'strategic', namespace },
    );
    assert.deepEqual(strategic.secrets.map((s) => s.name).sort(), ['a', 'b']);
    const replacedList = await client.patch<{ secrets: { name: string }[] }>(
      K8S.serviceAccounts,
      'sa',
      { secrets: [{ name: 'c' }] },
      { type: 'merge', namespace },
    );
    assert.deepEqual(
      replacedList.secrets.map((s) => s.name),
      ['c'],
    );
  },
);

clusterTest(
  'server-side apply records its field manager, refuses a conflict without force and takes over with it',
  async ({ client, namespace }) => {
    const cm = (value: string): ConfigMap => ({
      metadata: { name: 'applied', namespace },
      data: { key: value },
    });
    const created = await client.apply(K8S.configMaps, cm('one'), { fieldManager: 'cairn-a' });
    assert.equal(created.data?.key, 'one');
    const again = await client.apply(K8S.configMaps, cm('two'), { fieldManager: 'cairn-a' });
    assert.equal(again.data?.key, 'two');
    const conflict = await rejection(client.apply(K8S.configMaps, cm('three'), { fieldManager: 'cairn-b' }));
    assert.equal(conflict.statusCode, 409);
    assert.equal(errorClass(conflict), 'conflict');
    assert.match(conflict.message, /conflict/i);
    const forced = await client.apply(K8S.configMaps, cm('three'), { fieldManager: 'cairn-b', force: true });
    assert.equal(forced.data?.key, 'three');
    const managers = ((forced.metadata?.managedFields ?? []) as { manager: string; operation: string }[]).map(
      (m) => `${m.manager}/${m.operation}`,
    );
    assert.ok(managers.includes('cairn-b/Apply'), `managedFields: ${managers.join(', ')}`);
    const dry = await client.apply(K8S.configMaps, cm('four'), { fieldManager: 'cairn-b', dryRun: true });
    assert.equal(dry.data?.key, 'four');
    assert.equal(
      (await client.get<ConfigMap>(K8S.configMaps, 'applied', namespace)).data?.key,
      'three',
      'a dry run stores nothing',
    );
  },
);

async function widgetCrd(client: KubeClient): Promise<void> {
  const crd = {
    metadata: { name: `widgets.${WIDGETS.group}` },
    spec: {
      group: WIDGETS.group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          subresources: { status: {} },
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: {
                spec: { type: 'object', properties: { size: { type: 'integer' } } },
                status: { type: 'object', properties: { phase: { type: 'string' } } },
              },
            },
          },
        },
      ],
    },
  };
  await client.apply(K8S.customResourceDefinitions, crd, { fieldManager: 'cairn-test', force: true });
  await waitFor(
    async () => {
      const got = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(
        K8S.customResourceDefinitions,
        crd.metadata.name,
      );
      return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? true
        : undefined;
    },
    { what: 'CRD Established', timeoutMs: 30_000 },
  );
}

clusterTest(
  'patchStatus changes only the status and refuses a stale resourceVersion with 409',
  async ({ client, namespace }) => {
    await widgetCrd(client);
    type Widget = KubeObject & { spec: { size: number }; status?: { phase?: string } };
    const body: Widget = {
      metadata: { name: 'w', namespace },
      spec: { size: 3 },
      status: { phase: 'ignored' },
    };
    const created = await waitFor(() => client.create<Widget>(WIDGETS, body), {
      what: 'create a Widget (discovery of the new CRD)',
      timeoutMs: 30_000,
    });
    assert.equal(created.status, undefined, 'status on create is ignored when the status subresource is on');
    const rv = created.metadata?.resourceVersion ?? '';
    const patched = await client.patchStatus<Widget>(
      WIDGETS,
      'w',
      namespace,
      { phase: 'Ready' },
      { resourceVersion: rv },
    );
    assert.equal(patched.status?.phase, 'Ready');
    assert.equal(patched.spec.size, 3);
    const stale = await rejection(
      client.patchStatus(WIDGETS, 'w', namespace, { phase: 'Stale' }, { resourceVersion: rv }),
    );
    assert.equal(stale.statusCode, 409);
    assert.equal(errorClass(stale), 'conflict');
    const unconditional = await client.patchStatus<Widget>(WIDGETS, 'w', namespace, { phase: 'Done' });
    assert.equal(unconditional.status?.phase, 'Done');
    // A status write through the subresource cannot change the spec.
    await client.patch(
      WIDGETS,
      'w',
      { spec: { size: 99 }, status: { phase: 'Again' } },
      { type: 'merge', namespace, subresource: 'status' },
    );
    const after = await client.get<Widget>(WIDGETS, 'w', namespace);
    assert.equal(after.spec.size, 3);
    assert.equal(after.status?.phase, 'Again');
    assert.equal(await client.delete(WIDGETS, 'w', { namespace }), true);
  },
);

clusterTest(
  'a watch reports ADDED, MODIFIED and DELETED after its resourceVersion and ends on abort',
  async ({ client, namespace }) => {
    const start = await client.list(K8S.configMaps, { namespace });
    const ac = new AbortController();
    const { events, done } = collect<ConfigMap>(
      client.watch<ConfigMap>(K8S.configMaps, {
        namespace,
        resourceVersion: start.metadata.resourceVersion,
        signal: ac.signal,
      }),
    );
    const seen = (): string[] => events.map((e) => `${e.type} ${e.object.metadata?.name}`);
    await client.create(K8S.configMaps, { metadata: { name: 'watched', namespace }, data: { v: '1' } });
    await client.patch(K8S.configMaps, 'watched', { data: { v: '2' } }, { type: 'merge', namespace });
    await client.delete(K8S.configMaps, 'watched', { namespace });
    await waitFor(() => (seen().includes('DELETED watched') ? true : undefined), {
      what: 'DELETED event',
      timeoutMs: 20_000,
    });
    assert.deepEqual(
      seen().filter((e) => e.endsWith(' watched')),
      ['ADDED watched', 'MODIFIED watched', 'DELETED watched'],
    );
    assert.equal(events.find((e) => e.type === 'MODIFIED')?.object.data?.v, '2');
    ac.abort();
    await done;
  },
);

clusterTest('a watch ends when the server closes it after timeoutSeconds', async ({ client, namespace }) => {
  const started = Date.now();
  const { events, done } = collect(client.watch(K8S.configMaps, { namespace, timeoutSeconds: 1 }));
  await done;
  assert.ok(Date.now() - started < 15_000, 'the server closed the watch after about a second');
  assert.ok(
    events.every((e) => e.type === 'ADDED'),
    'only the synthetic ADDED events of the current state',
  );
});

/** Compacts the dev cluster's etcd up to its current revision: older resourceVersions are gone for good. */
async function compactEtcd(client: KubeClient, namespace: string): Promise<void> {
  const info = JSON.parse(readFileSync(join(process.env.CAIRN_TEST_DIR ?? '', 'cluster.json'), 'utf8')) as {
    etcdClientPort: number;
  };
  const cm = await client.create<KubeObject>(K8S.configMaps, {
    metadata: { generateName: 'advance-', namespace },
  });
  const res = await fetch(`http://127.0.0.1:${info.etcdClientPort}/v3/kv/compaction`, {
    method: 'POST',
    body: JSON.stringify({ revision: cm.metadata?.resourceVersion, physical: true }),
  });
  assert.equal(res.status, 200, await res.text());
}

clusterTest(
  'a watch from a compacted resourceVersion fails with 410 Gone',
  async ({ client, namespace }, t) => {
    // Events bypass the watch cache, so the watch reaches etcd, which has compacted the old revision away.
    const old = (await client.list(K8S.events, { namespace })).metadata.resourceVersion;
    await client.create(K8S.configMaps, { metadata: { name: 'advance', namespace } });
    await compactEtcd(client, namespace);
    const outcome = await (async () => {
      try {
        for await (const e of client.watch(K8S.events, {
          namespace,
          resourceVersion: old,
          timeoutSeconds: 10,
        })) {
          if (e.type === 'ERROR')
            return { how: 'an ERROR event', code: (e.object as { code?: number }).code };
        }
        return { how: 'a clean end', code: undefined };
      } catch (err) {
        return { how: 'the connect status', code: err instanceof KubeApiError ? err.statusCode : undefined };
      }
    })();
    t.diagnostic(`a compacted resourceVersion arrives as ${outcome.how} with code ${outcome.code}`);
    assert.equal(outcome.code, 410, outcome.how);
    const expired = await rejection(
      client.list(K8S.events, { namespace, resourceVersion: old, resourceVersionMatch: 'Exact' }),
    );
    assert.equal(expired.statusCode, 410, 'an exact LIST at a compacted version is gone too');
    assert.equal(errorClass(expired), 'gone');
  },
);

clusterTest(
  'a watch aborted while connecting ends without an error or an unhandled rejection',
  async ({ client, namespace }) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown): void => void unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    try {
      const already = new AbortController();
      already.abort();
      const { events: none, done: doneAlready } = collect(
        client.watch(K8S.configMaps, { namespace, signal: already.signal }),
      );
      await doneAlready;
      assert.equal(none.length, 0);
      // A fresh client per attempt, so the abort lands while its TCP/TLS connection is still being made.
      for (let delayMs = 0; delayMs < 5; delayMs++) {
        const fresh = kubeClient({ kubeconfig: process.env.CAIRN_TEST_KUBECONFIG ?? '' });
        const ac = new AbortController();
        const it = fresh.watch(K8S.configMaps, { namespace, signal: ac.signal })[Symbol.asyncIterator]();
        const next = it.next();
        setTimeout(() => ac.abort(), delayMs);
        const started = Date.now();
        const result = await next;
        assert.equal(result.done, true);
        assert.ok(Date.now() - started < 2_000, 'the abort ends the watch promptly');
      }
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  },
);

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

clusterTest(
  'discovery finds built-in and KubeStash resources and reports a group version that is down',
  async ({ client }) => {
    const apiService = {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: 'v1.broken.cairn.dev' },
      spec: {
        group: 'broken.cairn.dev',
        version: 'v1',
        groupPriorityMinimum: 100,
        versionPriority: 10,
        insecureSkipTLSVerify: true,
        service: { name: 'nothing-serves-this', namespace: 'default', port: 443 },
      },
    };
    const apiServices: ResourceType = {
      group: 'apiregistration.k8s.io',
      version: 'v1',
      plural: 'apiservices',
      kind: 'APIService',
      namespaced: false,
    };
    await client.create(apiServices, apiService);
    try {
      for (const legacy of [false, true]) {
        const d = await waitFor(
          async () => {
            const found = await discover(client, { legacy });
            return found.failed.some((f) => f.groupVersion === 'broken.cairn.dev/v1') ? found : undefined;
          },
          { what: `the broken group version reported (legacy: ${legacy})`, timeoutMs: 30_000 },
        );
        const find = (group: string, plural: string) =>
          d.resources.find((r) => r.group === group && r.plural === plural && r.preferred);
        assert.deepEqual(
          { ...find('', 'pods'), verbs: [], subresources: [] },
          {
            group: '',
            version: 'v1',
            plural: 'pods',
            kind: 'Pod',
            namespaced: true,
            preferred: true,
            shortNames: ['po'],
            verbs: [],
            subresources: [],
          },
        );
        assert.ok(find('', 'pods')?.subresources.includes('status'));
        assert.ok(find('', 'pods')?.verbs.includes('watch'));
        assert.equal(find('batch', 'jobs')?.kind, 'Job');
        const bc = find('core.kubestash.com', 'backupconfigurations');
        assert.deepEqual([bc?.version, bc?.kind, bc?.namespaced], ['v1alpha1', 'BackupConfiguration', true]);
        assert.equal(find('', 'namespaces')?.namespaced, false);
        assert.ok(
          !d.resources.some((r) => r.plural.includes('/')),
          'subresources are not listed as resources',
        );
      }
    } finally {
      await client.delete(apiServices, apiService.metadata.name);
    }
  },
);
