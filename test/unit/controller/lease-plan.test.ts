import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  microTime,
  observe,
  planLease,
  releasedSpec,
  type Lease,
} from '../../../src/controller/lease-plan.ts';

const now = new Date('2026-05-01T10:00:00.123Z');
const lease = (holder: string, extra: Lease['spec'] = {}): Lease => ({
  metadata: { name: 'l', namespace: 'ns', resourceVersion: '7' },
  spec: {
    holderIdentity: holder,
    leaseDurationSeconds: 15,
    renewTime: '2026-05-01T09:59:59.000000Z',
    leaseTransitions: 2,
    ...extra,
  },
});

void test('MicroTime has exactly six fractional digits, as the API server parses it', () => {
  assert.equal(microTime(now), '2026-05-01T10:00:00.123000Z');
});

void test('with no lease, the candidate creates one holding it', () => {
  const step = planLease(undefined, observe(undefined, undefined, 0), 'me', 15_000, now, 0);
  assert.equal(step.action, 'create');
  assert.equal(step.action === 'create' && step.spec.holderIdentity, 'me');
  assert.equal(step.action === 'create' && step.spec.leaseDurationSeconds, 15);
  assert.equal(step.action === 'create' && step.spec.leaseTransitions, 0);
});

void test('the holder renews: same acquire time and transitions, a new renew time', () => {
  const l = lease('me', { acquireTime: '2026-05-01T09:00:00.000000Z' });
  const step = planLease(l, observe(l, undefined, 0), 'me', 15_000, now, 0);
  assert.deepEqual(step, {
    action: 'update',
    why: 'renew',
    spec: { ...l.spec, renewTime: microTime(now) },
  });
});

void test('a released lease (no holder) is acquired at once, counting a transition', () => {
  const l = lease('');
  const step = planLease(l, observe(l, undefined, 0), 'me', 15_000, now, 0);
  assert.equal(step.action === 'update' && step.why, 'acquire');
  assert.equal(step.action === 'update' && step.spec.leaseTransitions, 3);
  assert.equal(step.action === 'update' && step.spec.holderIdentity, 'me');
});

void test("another holder's lease is waited for until its duration passed since its record was seen to change", () => {
  const l = lease('other');
  const seen = observe(l, undefined, 1000);
  const wait = planLease(l, seen, 'me', 15_000, now, 1000 + 14_000);
  assert.deepEqual(wait, { action: 'wait', holder: 'other', expiresInMs: 1000 });
  // Still the same record 15 s after it was first seen: the holder stopped renewing.
  const later = observe(l, seen, 1000 + 15_000);
  assert.equal(later, seen, 'an unchanged record keeps its first sighting');
  const take = planLease(l, later, 'me', 15_000, now, 1000 + 15_000);
  assert.equal(take.action === 'update' && take.why, 'take-over');
});

void test('a renewal by the holder restarts the wait, whatever the clocks of the two machines say', () => {
  const l = lease('other');
  const seen = observe(l, undefined, 0);
  const renewed = lease('other', { renewTime: '2020-01-01T00:00:00.000000Z' });
  const again = observe(renewed, seen, 14_000);
  assert.equal(again.atMs, 14_000);
  const step = planLease(renewed, again, 'me', 15_000, now, 20_000);
  assert.equal(step.action, 'wait');
});

void test("the holder's own lease duration decides its expiry, not the candidate's", () => {
  const l = lease('other', { leaseDurationSeconds: 60 });
  const seen = observe(l, undefined, 0);
  assert.equal(planLease(l, seen, 'me', 15_000, now, 30_000).action, 'wait');
  assert.equal(planLease(l, seen, 'me', 15_000, now, 60_000).action, 'update');
});

void test('a released lease names no holder and keeps its transitions', () => {
  const spec = releasedSpec(lease('me').spec, now);
  assert.equal(spec.holderIdentity, '');
  assert.equal(spec.leaseTransitions, 2);
  assert.equal(spec.leaseDurationSeconds, 1);
});
