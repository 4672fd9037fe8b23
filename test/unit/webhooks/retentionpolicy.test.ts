import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decisionMessage } from '../../../src/webhooks/decision.ts';
import { mutateRetentionPolicy, validateRetentionPolicy } from '../../../src/webhooks/retentionpolicy.ts';
import { applyPatch, object, policy, same } from './helpers.ts';

void describe('mutateRetentionPolicy', () => {
  void test('defaults usagePolicy to Same and failedSnapshots to last: 1', () => {
    const rp = object('RetentionPolicy', 'demo', 'keep', { maxRetentionPeriod: '30d' });
    const out = applyPatch(rp, mutateRetentionPolicy(rp).patch);
    assert.deepEqual(out.spec, {
      maxRetentionPeriod: '30d',
      usagePolicy: same,
      failedSnapshots: { last: 1 },
    });
  });

  void test('keeps what is set', () => {
    const rp = object('RetentionPolicy', 'demo', 'keep', { usagePolicy: same, failedSnapshots: { last: 4 } });
    assert.deepEqual(mutateRetentionPolicy(rp).patch, []);
  });
});

void describe('validateRetentionPolicy', () => {
  const check = (spec: Record<string, unknown>, policies: unknown[] = []) =>
    validateRetentionPolicy({
      operation: 'CREATE',
      namespace: 'demo',
      object: object('RetentionPolicy', 'demo', 'p', spec),
      policies,
    });

  void test('allows a period or keep counts', () => {
    assert.equal(check({ maxRetentionPeriod: '30d12h30m' }).allowed, true);
    assert.equal(check({ maxRetentionPeriod: '2mo' }).allowed, true);
    assert.equal(check({ successfulSnapshots: { last: 5 } }).allowed, true);
  });

  void test('rejects a policy that says nothing about what to keep, naming both fields', () => {
    const d = check({ usagePolicy: same });
    assert.equal(d.allowed, false);
    assert.match(
      decisionMessage(d),
      /^spec\.maxRetentionPeriod: is not set and neither is spec\.successfulSnapshots/,
    );
    assert.match(
      decisionMessage(check({ successfulSnapshots: {} })),
      /spec\.successfulSnapshots sets no keep rule/,
    );
  });

  void test('rejects a malformed period with the offending token', () => {
    const d = check({ maxRetentionPeriod: '30x' });
    assert.equal(d.allowed, false);
    assert.match(
      decisionMessage(d),
      /^spec\.maxRetentionPeriod: invalid retention period "30x": "x" is not a unit/,
    );
    assert.equal(check({ maxRetentionPeriod: '1d1d' }).allowed, false);
  });

  void test('rejects a period that is not longer than zero', () => {
    assert.match(decisionMessage(check({ maxRetentionPeriod: '0d' })), /is not longer than zero/);
    assert.match(decisionMessage(check({ maxRetentionPeriod: '-1d' })), /is not longer than zero/);
  });

  void test('rejects a second default in the namespace but not one elsewhere', () => {
    const others = [policy('demo', 'old', { default: true }), policy('x', 'y', { default: true })];
    assert.match(
      decisionMessage(check({ maxRetentionPeriod: '1d', default: true }, others)),
      /^spec\.default: RetentionPolicy "demo\/old" is already the default/,
    );
    assert.equal(check({ maxRetentionPeriod: '1d', default: true }, [others[1]]).allowed, true);
  });
});
