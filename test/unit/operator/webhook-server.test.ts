import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { renewBundle } from '../../../src/reconcilers/webhook-cert/cert-secret.ts';
import { silentLog } from '../../../src/common/log.ts';
import { createWebhookServer } from '../../../src/operator/webhook-server.ts';
import type { ClusterReader } from '../../../src/webhooks/routes.ts';
import { ROUTES } from '../../../src/webhooks/routes.ts';

const names = { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] };
const settings = {
  secret: { namespace: 'n', name: 's' },
  names,
  caValidityMs: 100 * 3_600_000,
  servingValidityMs: 3_600_000,
};

const reader: ClusterReader = {
  list: () => Promise.resolve([]),
  get: () => Promise.resolve(undefined),
  namespace: (name) => Promise.resolve({ name, labels: {} }),
};

function post(
  port: number,
  ca: string,
  path: string,
  body: string,
): Promise<{ status: number; body: string; peerCert: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca,
        headers: { 'content-type': 'application/json' },
        agent: false,
      },
      (res) => {
        let text = '';
        const peer = res.socket as unknown as { getPeerX509Certificate(): X509Certificate | undefined };
        const peerCert = peer.getPeerX509Certificate()?.fingerprint256 ?? '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, peerCert }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

void test('the webhook server answers reviews over TLS and serves a renewed certificate without a restart', async () => {
  const first = await renewBundle(undefined, { action: 'renew-all', reason: 't' }, settings, new Date());
  const ws = createWebhookServer({
    routes: ROUTES,
    reader,
    log: silentLog,
    tls: { cert: first['tls.crt'], key: first['tls.key'] },
  });
  await new Promise<void>((r) => ws.server.listen(0, '127.0.0.1', r));
  const port = (ws.server.address() as AddressInfo).port;
  try {
    const review = JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'abc',
        operation: 'CREATE',
        namespace: 'demo',
        name: 'rp',
        resource: { group: 'storage.kubestash.com', version: 'v1alpha1', resource: 'retentionpolicies' },
        object: { metadata: { name: 'rp', namespace: 'demo' }, spec: { usagePolicy: {} } },
      },
    });
    const denied = await post(
      port,
      first['ca.crt'],
      '/validate/storage.kubestash.com/retentionpolicies',
      review,
    );
    assert.equal(denied.status, 200);
    const out = JSON.parse(denied.body) as {
      response: { uid: string; allowed: boolean; status: { message: string } };
    };
    assert.equal(out.response.uid, 'abc');
    assert.equal(out.response.allowed, false);
    assert.match(out.response.status.message, /^spec\.maxRetentionPeriod:/);

    assert.equal((await post(port, first['ca.crt'], '/nowhere', review)).status, 404);
    assert.equal(
      (
        await post(
          port,
          first['ca.crt'],
          '/validate/storage.kubestash.com/retentionpolicies',
          '{"kind":"Pod"}',
        )
      ).status,
      400,
    );

    const renewed = await renewBundle(first, { action: 'renew-serving', reason: 't' }, settings, new Date());
    ws.setCertificate({ cert: renewed['tls.crt'], key: renewed['tls.key'] });
    const after = await post(
      port,
      renewed['ca.crt'],
      '/validate/storage.kubestash.com/retentionpolicies',
      review,
    );
    assert.equal(after.peerCert, new X509Certificate(renewed['tls.crt']).fingerprint256);
    assert.notEqual(after.peerCert, new X509Certificate(first['tls.crt']).fingerprint256);
  } finally {
    await new Promise<void>((r) => ws.server.close(() => r()));
  }
});

void test('a default missing from the cache is looked up again from the API server; a complete decision is not', async () => {
  const first = await renewBundle(undefined, { action: 'renew-all', reason: 't' }, settings, new Date());
  const policy = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace: 'demo' },
    spec: { default: true, usagePolicy: { allowedNamespaces: { from: 'Same' } } },
  };
  let confirmCalls = 0;
  // The API server already holds the default RetentionPolicy; the cache has not seen it yet.
  const live: ClusterReader = {
    list: (r) => {
      confirmCalls++;
      return Promise.resolve(r.plural === 'retentionpolicies' ? [policy] : []);
    },
    get: () => Promise.resolve(undefined),
    namespace: (name) => Promise.resolve({ name, labels: { 'kubernetes.io/metadata.name': name } }),
  };
  const ws = createWebhookServer({
    routes: ROUTES,
    reader,
    confirm: live,
    log: silentLog,
    tls: { cert: first['tls.crt'], key: first['tls.key'] },
  });
  await new Promise<void>((r) => ws.server.listen(0, '127.0.0.1', r));
  const port = (ws.server.address() as AddressInfo).port;
  const review = (backend: Record<string, unknown>): string =>
    JSON.stringify({
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u1',
        operation: 'CREATE',
        namespace: 'demo',
        name: 'bc',
        resource: { group: 'core.kubestash.com', version: 'v1alpha1', resource: 'backupconfigurations' },
        object: {
          metadata: { name: 'bc', namespace: 'demo' },
          spec: { backends: [{ name: 's3', storageRef: { name: 'st', namespace: 'demo' }, ...backend }] },
        },
      },
    });
  const path = '/mutate/core.kubestash.com/backupconfigurations';
  try {
    const needsDefault = await post(port, first['ca.crt'], path, review({}));
    const response = (JSON.parse(needsDefault.body) as { response: { patch?: string } }).response;
    assert.ok(response.patch, 'the default found through the API server is patched in');
    assert.match(Buffer.from(response.patch, 'base64').toString(), /"name":"keep"/);
    assert.ok(confirmCalls > 0);

    confirmCalls = 0;
    const complete = await post(port, first['ca.crt'], path, review({ retentionPolicy: { name: 'own' } }));
    assert.equal(complete.status, 200);
    assert.equal(confirmCalls, 0, 'a backend that names its policy needs no lookup from the API server');
  } finally {
    await new Promise<void>((r) => ws.server.close(() => r()));
  }
});
