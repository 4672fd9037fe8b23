import assert from 'node:assert/strict';
import { test } from 'node:test';
import { usageAllowed, usageFrom, usageRefusal } from '../../../src/api/usage-policy.ts';
import { all, namespace, same, selector } from '../webhooks/helpers.ts';

const holder = (usagePolicy: unknown) => ({
  kind: 'BackupStorage',
  namespace: 'demo',
  name: 's3',
  usagePolicy,
});

void test('Same allows only the holder namespace', () => {
  assert.equal(usageAllowed(holder(same), namespace('demo')), true);
  assert.equal(usageAllowed(holder(same), namespace('prod')), false);
});

void test('an absent policy or from counts as Same', () => {
  assert.equal(usageFrom(undefined), 'Same');
  assert.equal(usageFrom({ allowedNamespaces: {} }), 'Same');
  assert.equal(usageAllowed(holder(undefined), namespace('demo')), true);
  assert.equal(usageAllowed(holder(undefined), namespace('prod')), false);
});

void test('All allows every namespace', () => {
  assert.equal(usageAllowed(holder(all), namespace('prod')), true);
});

void test('Selector is evaluated against the labels of the referring Namespace object', () => {
  assert.equal(usageAllowed(holder(selector('prod')), namespace('prod')), true);
  assert.equal(usageAllowed(holder(selector('prod')), namespace('dev')), false);
  const byLabel = { allowedNamespaces: { from: 'Selector', selector: { matchLabels: { backup: 'yes' } } } };
  assert.equal(usageAllowed(holder(byLabel), namespace('x', { backup: 'yes' })), true);
  assert.equal(usageAllowed(holder(byLabel), namespace('x')), false);
});

void test('Selector without a selector, or an unknown from, allows nothing', () => {
  assert.equal(usageAllowed(holder({ allowedNamespaces: { from: 'Selector' } }), namespace('demo')), false);
  assert.equal(usageAllowed(holder({ allowedNamespaces: { from: 'Everyone' } }), namespace('demo')), false);
});

void test('the refusal names the holder, the policy, and how to fix it', () => {
  assert.deepEqual(usageRefusal(holder(same), namespace('prod')), {
    problem:
      'BackupStorage "demo/s3" does not allow namespace "prod" (usagePolicy.allowedNamespaces.from: Same)',
    fix: 'add "prod" to its usagePolicy (from: All, or from: Selector with a selector that matches namespace "prod") or use a BackupStorage in "prod"',
  });
  assert.match(
    usageRefusal(holder(selector('x')), namespace('prod')).problem,
    /labels of namespace "prod" do not match/,
  );
});
