import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S, type ResourceType } from '../../../../src/api/resource-type.ts';
import { silentLog } from '../../../../src/common/log.ts';
import { classifyReconcileError } from '../../../../src/controller/reconciler.ts';
import { KubeApiError } from '../../../../src/kube/errors.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';
import { renewBundle, type CertSettings } from '../../../../src/reconcilers/webhook-cert/cert-secret.ts';
import {
  WebhookCertReconciler,
  webhookCertKeys,
  type SecretObject,
  type WebhookCertOptions,
} from '../../../../src/reconcilers/webhook-cert/reconciler.ts';
import { FakeInformer } from '../../controller/fake-informer.ts';

const HOUR = 3_600_000;
const certs: CertSettings = {
  secret: { namespace: 'cairn-system', name: 'cert' },
  names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
  caValidityMs: 300 * HOUR,
  servingValidityMs: 30 * HOUR,
};
const configurations = { mutating: 'm', validating: 'v' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');

interface Call {
  verb: string;
  resource: ResourceType;
  body: unknown;
}

function setup(client: Partial<KubeClient> = {}) {
  const calls: Call[] = [];
  const record =
    (verb: string) =>
    (resource: ResourceType, body: unknown): Promise<unknown> => {
      calls.push({ verb, resource, body });
      return Promise.resolve(body);
    };
  const fake = {
    create: record('create'),
    replace: record('replace'),
    patch: (resource: ResourceType, _name: string, body: unknown) => record('patch')(resource, body),
    find: () => Promise.resolve(undefined),
    ...client,
  } as unknown as KubeClient;
  const sources = {
    secret: new FakeInformer<SecretObject>(K8S.secrets),
    mutating: new FakeInformer(K8S.mutatingWebhookConfigurations),
    validating: new FakeInformer(K8S.validatingWebhookConfigurations),
  };
  const o: WebhookCertOptions = {
    client: fake,
    sources,
    certs,
    configurations,
    log: silentLog,
    resyncMs: 60_000,
  };
  return { calls, sources, reconciler: new WebhookCertReconciler(o), keys: webhookCertKeys(o) };
}

async function storedSecret(): Promise<SecretObject> {
  const b = await renewBundle(undefined, { action: 'renew-all', reason: 'test' }, certs, new Date());
  return {
    metadata: { namespace: 'cairn-system', name: 'cert', resourceVersion: '5' },
    type: 'kubernetes.io/tls',
    data: Object.fromEntries(Object.entries(b).map(([k, v]: [string, string]) => [k, b64(v)])),
  };
}

const configuration = (name: string, caBundle?: string): KubeObject => ({
  metadata: { name },
  webhooks: [
    {
      name: 'a.example.com',
      clientConfig: { url: 'https://127.0.0.1/a', ...(caBundle ? { caBundle } : {}) },
    },
    {
      name: 'b.example.com',
      clientConfig: { url: 'https://127.0.0.1/b', ...(caBundle ? { caBundle } : {}) },
    },
  ],
});

void test('with no Secret the reconciler creates one with a new CA and asks to run again before renewal', async () => {
  const { calls, reconciler, keys } = setup();
  const result = await reconciler.reconcile(keys.secret);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.verb, 'create');
  const body = calls[0]?.body as SecretObject;
  assert.deepEqual(Object.keys(body.data ?? {}).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
  assert.equal(result?.requeueAfterMs, 60_000, 'capped by resyncMs: renewal is 20 h away');
});

void test('a usable Secret is kept: no write, requeued no later than its renewal', async () => {
  const { calls, reconciler, sources, keys } = setup();
  sources.secret.put(await storedSecret());
  const result = await reconciler.reconcile(keys.secret);
  assert.deepEqual(calls, []);
  assert.equal(result?.requeueAfterMs, 60_000);
});

void test('a configuration whose caBundle differs gets the Secret CA in every entry, guarded by name tests', async () => {
  const { calls, reconciler, sources, keys } = setup();
  const secret = await storedSecret();
  sources.secret.put(secret);
  sources.mutating.put(configuration('m', b64('tampered')));
  await reconciler.reconcile(keys.mutating);
  assert.equal(calls.length, 1);
  assert.equal(calls[0]?.verb, 'patch');
  assert.equal(calls[0]?.resource, K8S.mutatingWebhookConfigurations);
  const ops = calls[0]?.body as { op: string; path: string; value: string }[];
  assert.deepEqual(
    ops.map((o) => `${o.op} ${o.path}`),
    [
      'test /webhooks/0/name',
      'add /webhooks/0/clientConfig/caBundle',
      'test /webhooks/1/name',
      'add /webhooks/1/clientConfig/caBundle',
    ],
  );
  assert.equal(ops[1]?.value, secret.data?.['ca.crt']);
});

void test('a configuration already carrying the CA, a missing one, or no Secret yet, is left alone', async () => {
  const { calls, reconciler, sources, keys } = setup();
  await reconciler.reconcile(keys.validating);
  const secret = await storedSecret();
  sources.validating.put(configuration('v'));
  await reconciler.reconcile(keys.validating);
  sources.secret.put(secret);
  await reconciler.reconcile(keys.mutating);
  sources.validating.put(configuration('v', secret.data?.['ca.crt']));
  await reconciler.reconcile(keys.validating);
  assert.deepEqual(calls, []);
});

void test('a configuration that changed under the guarded patch is retried, not given up', async () => {
  const { reconciler, sources, keys } = setup({
    patch: () => Promise.reject(new KubeApiError('test failed', 422)),
  });
  sources.secret.put(await storedSecret());
  sources.mutating.put(configuration('m'));
  await assert.rejects(reconciler.reconcile(keys.mutating), (err) => {
    assert.equal(classifyReconcileError(err), 'retryable');
    return true;
  });
});

void test('a Secret written by another replica in between is used as it is', async () => {
  const theirs = await storedSecret();
  const { reconciler, keys } = setup({
    create: () => Promise.reject(new KubeApiError('exists', 409)),
    find: <T>() => Promise.resolve(theirs as T),
  });
  const result = await reconciler.reconcile(keys.secret);
  assert.ok(result?.requeueAfterMs);
});
