import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { projectRoot } from '../../../src/devcluster/toolchain.ts';
import { caBundlePatch, webhookConfigurations } from '../../../src/webhooks/configurations.ts';
import { deployConfigurationsYaml } from '../../../src/webhooks/deploy-manifest.ts';
import { ROUTES } from '../../../src/webhooks/routes.ts';
import { applyPatch } from './helpers.ts';

void test('every route is registered once, in the configuration of its type, for CREATE and UPDATE', () => {
  const [mutating, validating] = webhookConfigurations({ url: 'https://127.0.0.1:9443/' });
  assert.ok(mutating && validating);
  assert.equal(mutating.webhooks.length + validating.webhooks.length, ROUTES.length);
  for (const w of [...mutating.webhooks, ...validating.webhooks]) {
    assert.equal(w.failurePolicy, 'Fail');
    assert.equal(w.sideEffects, 'None');
    assert.deepEqual((w.rules as { operations: string[] }[])[0]?.operations, ['CREATE', 'UPDATE']);
  }
  assert.deepEqual(
    mutating.webhooks.map((w) => (w.rules as { resources: string[] }[])[0]?.resources[0]).sort(),
    ['backupconfigurations', 'backupstorages', 'retentionpolicies'],
  );
});

void test('the BackupVerifier webhook is registered under the CRD plural backupverifier', () => {
  const [, validating] = webhookConfigurations({ url: 'https://x' });
  const resources = validating?.webhooks.flatMap(
    (w) => (w.rules as { resources: string[] }[])[0]?.resources ?? [],
  );
  assert.ok(resources?.includes('backupverifier'));
  assert.ok(!resources?.includes('backupverifiers'));
});

void test('a URL target joins the base URL and the route path; a Service target carries the path', () => {
  const [m] = webhookConfigurations({ url: 'https://127.0.0.1:9443/' }, 'Q0E=');
  assert.deepEqual(m?.webhooks[0]?.clientConfig, {
    url: 'https://127.0.0.1:9443/mutate/storage.kubestash.com/backupstorages',
    caBundle: 'Q0E=',
  });
  const [s] = webhookConfigurations({ service: { namespace: 'ns', name: 'svc', port: 443 } });
  assert.deepEqual(s?.webhooks[0]?.clientConfig, {
    service: {
      namespace: 'ns',
      name: 'svc',
      port: 443,
      path: '/mutate/storage.kubestash.com/backupstorages',
    },
  });
});

void test('deploy/webhooks/configurations.yaml is what the code generates', () => {
  const file = readFileSync(`${projectRoot}deploy/webhooks/configurations.yaml`, 'utf8');
  assert.equal(file, deployConfigurationsYaml(), 'regenerate it: see src/webhooks/deploy-manifest.ts');
});

void test('caBundlePatch sets the bundle on every entry that lacks it, guarded by the entry name', () => {
  const [v] = webhookConfigurations({ url: 'https://x' });
  assert.ok(v);
  v.webhooks[1]!.clientConfig = { url: 'https://x/y', caBundle: 'TkVX' };
  const ops = caBundlePatch(v, 'TkVX');
  assert.equal(ops.length, (v.webhooks.length - 1) * 2);
  assert.deepEqual(ops[0], { op: 'test', path: '/webhooks/0/name', value: v.webhooks[0]!.name });
  const patched = applyPatch(v, ops);
  for (const w of patched.webhooks as { clientConfig: { caBundle: string } }[])
    assert.equal(w.clientConfig.caBundle, 'TkVX');
  assert.deepEqual(caBundlePatch(patched, 'TkVX'), []);
});
