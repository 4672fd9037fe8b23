import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient } from '../../../src/kube/client.ts';
import { staticCredentials } from '../../../src/kube/credentials.ts';
import { discover } from '../../../src/kube/discovery.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import { makePki, reply, startServer, type FakeApiServer } from './fake-apiserver.ts';

let server: FakeApiServer;
let client: KubeClient;
before(async () => {
  const pki = makePki();
  server = await startServer(pki, pki.issue('server', { subject: '/CN=apiserver', san: 'IP:127.0.0.1' }));
  client = createClient({
    server: server.url,
    ca: pki.caPem,
    insecureSkipTlsVerify: false,
    namespace: 'x',
    credentials: staticCredentials({}),
  });
});
after(() => server.close());

/** A server without aggregated discovery: the classic documents, one group version of which fails. */
const classic: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'] },
  '/apis': {
    kind: 'APIGroupList',
    groups: [
      {
        name: 'apps',
        versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      },
      {
        name: 'metrics.example.com',
        versions: [{ groupVersion: 'metrics.example.com/v1beta1', version: 'v1beta1' }],
        preferredVersion: { groupVersion: 'metrics.example.com/v1beta1', version: 'v1beta1' },
      },
    ],
  },
  '/api/v1': {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      { name: 'pods', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
      { name: 'pods/status', namespaced: true, kind: 'Pod', verbs: ['get', 'patch'] },
      { name: 'nodes', namespaced: false, kind: 'Node', verbs: ['get'] },
    ],
  },
  '/apis/apps/v1': {
    kind: 'APIResourceList',
    resources: [{ name: 'deployments', namespaced: true, kind: 'Deployment', verbs: ['get'] }],
  },
};

test('without aggregated discovery, each group version is read and one that fails is reported', async () => {
  server.handle((req, res) => {
    const body = classic[req.url];
    if (body) reply(res, 200, body);
    else reply(res, 503, { kind: 'Status', code: 503, message: 'service unavailable' });
  });
  const d = await discover(client);
  assert.deepEqual(d.failed, [
    { groupVersion: 'metrics.example.com/v1beta1', message: 'service unavailable' },
  ]);
  assert.deepEqual(
    d.resources.map((r) => [
      r.group,
      r.version,
      r.plural,
      r.kind,
      r.namespaced,
      r.preferred,
      r.subresources.join(),
    ]),
    [
      ['', 'v1', 'nodes', 'Node', false, true, ''],
      ['', 'v1', 'pods', 'Pod', true, true, 'status'],
      ['apps', 'v1', 'deployments', 'Deployment', true, true, ''],
    ],
  );
  assert.match(
    String(server.seen.find((s) => s.url === '/apis')?.headers.accept),
    /as=APIGroupDiscoveryList/,
  );
});

test('the aggregated document gives every group version in two requests, stale ones reported', async () => {
  const resource = (plural: string, kind: string, scope: string) => ({
    resource: plural,
    responseKind: { kind },
    scope,
    verbs: ['get'],
    subresources: [{ subresource: 'status' }],
  });
  server.handle((req, res) => {
    const items =
      req.url === '/api'
        ? [
            {
              metadata: {},
              versions: [{ version: 'v1', resources: [resource('pods', 'Pod', 'Namespaced')] }],
            },
          ]
        : [
            {
              metadata: { name: 'autoscaling' },
              versions: [
                {
                  version: 'v2',
                  resources: [resource('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced')],
                },
                {
                  version: 'v1',
                  resources: [resource('horizontalpodautoscalers', 'HorizontalPodAutoscaler', 'Namespaced')],
                },
              ],
            },
            { metadata: { name: 'down.example.com' }, versions: [{ version: 'v1', freshness: 'Stale' }] },
          ];
    reply(res, 200, { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', items });
  });
  const before = server.seen.length;
  const d = await discover(client);
  assert.equal(server.seen.length - before, 2);
  assert.deepEqual(
    d.failed.map((f) => f.groupVersion),
    ['down.example.com/v1'],
  );
  assert.deepEqual(
    d.resources.map((r) => `${r.group}/${r.version}/${r.plural} ${r.preferred} ${r.subresources.join()}`),
    [
      '/v1/pods true status',
      'autoscaling/v1/horizontalpodautoscalers false status',
      'autoscaling/v2/horizontalpodautoscalers true status',
    ],
  );
});
