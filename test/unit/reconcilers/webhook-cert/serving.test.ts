import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renewBundle, type CertSettings } from '../../../../src/reconcilers/webhook-cert/cert-secret.ts';
import {
  caBundleProblem,
  chooseServing,
  renewalInMs,
  servable,
} from '../../../../src/reconcilers/webhook-cert/serving.ts';

const HOUR = 3_600_000;
const settings: CertSettings = {
  secret: { namespace: 'ns', name: 'cert' },
  names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
  caValidityMs: 300 * HOUR,
  servingValidityMs: 30 * HOUR,
};
const t0 = new Date('2026-01-01T00:00:00Z');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const config = (name: string, caPem: string | undefined) => ({
  name,
  object: { webhooks: [{ name: 'w', clientConfig: caPem ? { caBundle: b64(caPem) } : {} }] },
});

const fresh = () => renewBundle(undefined, { action: 'renew-all', reason: 'test' }, settings, t0);

void test('the first usable bundle is served at once; an unusable one never', async () => {
  const b = await fresh();
  assert.equal(chooseServing(undefined, b, []), b);
  assert.equal(servable({ ...b, 'tls.key': (await fresh())['tls.key'] }), undefined, 'key of another cert');
  assert.equal(chooseServing(undefined, { 'tls.crt': b['tls.crt'] }, []), undefined);
});

void test('a certificate of a new CA is served only once every webhook entry trusts that CA', async () => {
  const old = await fresh();
  const next = await renewBundle(old, { action: 'renew-all', reason: 'test' }, settings, t0);
  assert.equal(chooseServing(old, next, [old['ca.crt']]), old, 'the API server only knows the old CA');
  assert.equal(chooseServing(old, next, [next['ca.crt'], old['ca.crt']]), old, 'one entry still lags');
  assert.equal(chooseServing(old, next, [next['ca.crt'], next['ca.crt']]), next);
  assert.equal(chooseServing(old, next, []), next, 'no configuration: nothing to protect');
});

void test('a renewed serving certificate of the same CA is served at once', async () => {
  const old = await fresh();
  const next = await renewBundle(old, { action: 'renew-serving', reason: 'test' }, settings, t0);
  assert.equal(chooseServing(old, next, [old['ca.crt']]), next);
});

void test('readiness names a missing configuration, then one that does not trust the served certificate', async () => {
  const b = await fresh();
  const other = await fresh();
  assert.equal(
    caBundleProblem([{ name: 'm', object: undefined }, config('v', b['ca.crt'])], b['tls.crt']),
    'webhook configuration m not found',
  );
  assert.equal(
    caBundleProblem([config('m', b['ca.crt']), config('v', other['ca.crt'])], b['tls.crt']),
    'webhook configuration v does not trust the serving certificate',
  );
  assert.equal(
    caBundleProblem([config('m', undefined), config('v', b['ca.crt'])], b['tls.crt'])?.includes('m'),
    true,
  );
  assert.equal(
    caBundleProblem([config('m', b['ca.crt']), config('v', b['ca.crt'])], b['tls.crt']),
    undefined,
  );
});

void test('the next renewal is due when a third of the serving lifetime is left', async () => {
  const b = await fresh();
  const ms = renewalInMs(b, t0);
  // Valid from t0 - 60 s (backdated) to t0 + 30 h: due at two thirds of that span.
  const span = 30 * HOUR + 60_000;
  assert.equal(Math.round(ms / 1000), Math.round((span * 2) / 3 - 60_000) / 1000);
  assert.equal(renewalInMs(b, new Date(t0.getTime() + 29 * HOUR)), 0);
});
