import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import { silentLog } from '../../../src/common/log.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { ServingCert } from '../../../src/operator/serving-cert.ts';
import type { CertBundle } from '../../../src/reconcilers/webhook-cert/cert-plan.ts';
import { renewBundle, type CertSettings } from '../../../src/reconcilers/webhook-cert/cert-secret.ts';
import type { SecretObject } from '../../../src/reconcilers/webhook-cert/reconciler.ts';
import { FakeInformer } from '../controller/fake-informer.ts';

const settings: CertSettings = {
  secret: { namespace: 'ns', name: 'cert' },
  names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
  caValidityMs: 3_600_000,
  servingValidityMs: 3_600_000,
};
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const secret = (b: CertBundle): SecretObject => ({
  metadata: { namespace: 'ns', name: 'cert' },
  data: Object.fromEntries(Object.entries(b).map(([k, v]: [string, string]) => [k, b64(v)])),
});
const configuration = (name: string, caPem: string): KubeObject => ({
  metadata: { name },
  webhooks: [{ name: 'w', clientConfig: { caBundle: b64(caPem) } }],
});

function setup() {
  const sources = {
    secret: new FakeInformer<SecretObject>(K8S.secrets),
    mutating: new FakeInformer(K8S.mutatingWebhookConfigurations),
    validating: new FakeInformer(K8S.validatingWebhookConfigurations),
  };
  const served: CertBundle[] = [];
  const s = new ServingCert({
    sources,
    secret: settings.secret,
    configurations: { mutating: 'm', validating: 'v' },
    log: silentLog,
    onServe: (b) => void served.push(b),
  });
  s.start();
  return { sources, served, s };
}

void test('a replica serves the first certificate the Secret holds, and is ready once both configurations trust it', async () => {
  const { sources, served, s } = setup();
  const first = s.first();
  assert.equal(s.notReadyReason(), 'no serving certificate yet');
  const b = await renewBundle(undefined, { action: 'renew-all', reason: 'test' }, settings, new Date());
  sources.secret.put(secret(b));
  assert.deepEqual(await first, b);
  assert.deepEqual(served, [b]);
  assert.match(s.notReadyReason() ?? '', /webhook configuration m, v not found/);
  sources.mutating.put(configuration('m', b['ca.crt']));
  sources.validating.put(configuration('v', 'not a CA'));
  assert.match(s.notReadyReason() ?? '', /webhook configuration v does not trust the serving certificate/);
  sources.validating.put(configuration('v', b['ca.crt']));
  assert.equal(s.notReadyReason(), undefined);
  s.stop();
});

void test('a certificate of a new CA is served only after both configurations carry that CA', async () => {
  const { sources, served, s } = setup();
  const old = await renewBundle(undefined, { action: 'renew-all', reason: 'test' }, settings, new Date());
  sources.mutating.put(configuration('m', old['ca.crt']));
  sources.validating.put(configuration('v', old['ca.crt']));
  sources.secret.put(secret(old));
  const next = await renewBundle(old, { action: 'renew-all', reason: 'test' }, settings, new Date());
  sources.secret.put(secret(next));
  assert.deepEqual(s.served, old);
  sources.mutating.put(configuration('m', next['ca.crt']));
  assert.deepEqual(s.served, old, 'one configuration still has the old CA only');
  sources.validating.put(configuration('v', next['ca.crt']));
  assert.deepEqual(s.served, next);
  assert.deepEqual(served, [old, next]);
  assert.equal(s.notReadyReason(), undefined);
  s.stop();
});

void test('waiting for a first certificate ends with an error when the start is abandoned', async () => {
  const { s } = setup();
  const abort = new AbortController();
  const first = s.first(abort.signal);
  abort.abort();
  await assert.rejects(first, /stopped while waiting for a serving certificate/);
});
