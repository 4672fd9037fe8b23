import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { issueCa, issueServing } from '../../../../src/reconcilers/webhook-cert/cert-issue.ts';
import {
  planCertificates,
  renewalDue,
  rotatedCaBundle,
  splitPem,
  type CertBundle,
} from '../../../../src/reconcilers/webhook-cert/cert-plan.ts';
import { renewBundle, type CertSettings } from '../../../../src/reconcilers/webhook-cert/cert-secret.ts';

const HOUR = 3_600_000;
const names = { dnsNames: ['cairn-webhook.cairn-system.svc', 'localhost'], ipAddresses: ['127.0.0.1'] };
const settings: CertSettings = {
  secret: { namespace: 'ns', name: 'cert' },
  names,
  caValidityMs: 300 * HOUR,
  servingValidityMs: 30 * HOUR,
};
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (hours: number): Date => new Date(t0.getTime() + hours * HOUR);

async function fresh(): Promise<CertBundle> {
  return renewBundle(undefined, { action: 'renew-all', reason: 'test' }, settings, t0);
}

void test('a new bundle is a CA and a serving certificate for every wanted name, signed by it', async () => {
  const b = await fresh();
  const ca = new X509Certificate(b['ca.crt']);
  const cert = new X509Certificate(b['tls.crt']);
  assert.equal(ca.ca, true);
  assert.equal(cert.ca, false);
  assert.equal(cert.verify(ca.publicKey), true);
  assert.equal(cert.checkHost('localhost', { subject: 'never' }), 'localhost');
  assert.equal(
    cert.checkHost('cairn-webhook.cairn-system.svc', { subject: 'never' }),
    'cairn-webhook.cairn-system.svc',
  );
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
  assert.deepEqual(planCertificates(b, names, t0), { action: 'keep' });
});

void test('the serving certificate is renewed once less than a third of its lifetime is left, keeping the CA', async () => {
  const b = await fresh();
  assert.equal(planCertificates(b, names, at(19)).action, 'keep');
  const plan = planCertificates(b, names, at(21));
  assert.equal(plan.action, 'renew-serving');
  const renewed = await renewBundle(b, plan, settings, at(21));
  assert.equal(renewed['ca.crt'], b['ca.crt']);
  assert.notEqual(renewed['tls.crt'], b['tls.crt']);
  assert.deepEqual(planCertificates(renewed, names, at(21)), { action: 'keep' });
});

void test('a name the certificate does not cover, a foreign signature or a wrong key renews the serving certificate', async () => {
  const b = await fresh();
  assert.deepEqual(planCertificates(b, { dnsNames: ['other.svc'], ipAddresses: [] }, t0), {
    action: 'renew-serving',
    reason: 'it does not cover other.svc',
  });
  const other = await fresh();
  assert.equal(
    planCertificates({ ...b, 'tls.crt': other['tls.crt'], 'tls.key': other['tls.key'] }, names, t0).action,
    'renew-serving',
  );
  assert.equal(planCertificates({ ...b, 'tls.key': other['tls.key'] }, names, t0).action, 'renew-serving');
});

void test('a missing, unreadable or expiring CA starts over, and the new bundle still trusts the old CA', async () => {
  assert.equal(planCertificates(undefined, names, t0).action, 'renew-all');
  const b = await fresh();
  assert.equal(planCertificates({ ...b, 'ca.crt': 'garbage' }, names, t0).action, 'renew-all');
  const late = at(201);
  const plan = planCertificates(b, names, late);
  assert.deepEqual(plan, { action: 'renew-all', reason: 'the CA is due for renewal' });
  const rotated = await renewBundle(b, plan, settings, late);
  const cas = splitPem(rotated['ca.crt']);
  assert.equal(cas.length, 2);
  assert.equal(cas[1], splitPem(b['ca.crt'])[0]);
  assert.equal(
    new X509Certificate(rotated['tls.crt']).verify(new X509Certificate(cas[0] ?? '').publicKey),
    true,
  );
});

void test('an expired previous CA is dropped from the bundle', async () => {
  const ca = await issueCa(t0, HOUR);
  const next = await issueCa(at(2), HOUR);
  assert.equal(splitPem(rotatedCaBundle(next.certPem, ca.certPem, at(2))).length, 1);
  assert.equal(splitPem(rotatedCaBundle(next.certPem, ca.certPem, at(0.5))).length, 2);
});

void test('a serving certificate never outlives its CA', async () => {
  const ca = await issueCa(t0, 10 * HOUR);
  const serving = await issueServing(ca, names, t0, 100 * HOUR);
  assert.ok(new X509Certificate(serving.certPem).validToDate <= new X509Certificate(ca.certPem).validToDate);
});

void test('renewalDue is true with less than a third of the lifetime left', async () => {
  const ca = new X509Certificate((await issueCa(t0, 30 * HOUR)).certPem);
  const start = ca.validFromDate.getTime();
  const life = ca.validToDate.getTime() - start;
  assert.equal(renewalDue(ca, new Date(start + life * 0.6)), false);
  assert.equal(renewalDue(ca, new Date(start + life * 0.7)), true);
});
