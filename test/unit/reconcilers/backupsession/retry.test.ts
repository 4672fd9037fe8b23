import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  retryDecision,
  type RetryConfiguration,
  type RetrySession,
} from '../../../../src/reconcilers/backupsession/retry.ts';

const bc = (
  over: Partial<NonNullable<RetryConfiguration['spec']>> = {},
  delay?: string,
): RetryConfiguration => ({
  metadata: { name: 'nightly', namespace: 'demo', uid: 'bc-uid' },
  spec: {
    sessions: [
      { name: 'daily', retryConfig: { maxRetry: 2, ...(delay ? { delay } : {}) }, backupTimeout: '1h' },
    ],
    ...over,
  },
});

const failed = (status: NonNullable<RetrySession['status']> = {}, retryLeft = 2): RetrySession => ({
  metadata: {
    name: 'nightly-daily-1764720000',
    namespace: 'demo',
    creationTimestamp: '2025-12-03T00:00:00Z',
  },
  spec: { invoker: { kind: 'BackupConfiguration', name: 'nightly' }, session: 'daily', retryLeft },
  status: { phase: 'Failed', duration: '30s', ...status },
});

const at = (iso: string): Date => new Date(iso);

test('a failed run with retries left is scheduled at its end plus the delay', () => {
  assert.deepEqual(retryDecision(failed(), bc({}, '5m'), at('2025-12-03T00:01:00Z')), {
    kind: 'schedule',
    nextRetry: '2025-12-03T00:05:30Z',
    afterMs: 270_000,
  });
});

test('a retry without delay is due at once, but never in the second its failed run was created', () => {
  const quick = failed({ duration: '0s' });
  const d = retryDecision(quick, bc(), at('2025-12-03T00:00:00Z'));
  assert.deepEqual(d, { kind: 'schedule', nextRetry: '2025-12-03T00:00:01Z', afterMs: 1_000 });
});

test('a recorded retry time not yet come is waited for', () => {
  const d = retryDecision(
    failed({ nextRetry: '2025-12-03T00:05:30Z' }),
    bc({}, '5m'),
    at('2025-12-03T00:05:00Z'),
  );
  assert.deepEqual(d, { kind: 'wait', afterMs: 30_000 });
});

test('a due retry is a new run of the same session with one retry fewer, named from the recorded time', () => {
  const d = retryDecision(
    failed({ nextRetry: '2025-12-03T00:05:30Z' }),
    bc({}, '5m'),
    at('2025-12-03T00:06:00Z'),
  );
  assert.equal(d.kind, 'create');
  if (d.kind !== 'create') return;
  const s = d.session as RetrySession;
  assert.equal(s.metadata?.name, `nightly-daily-${Date.parse('2025-12-03T00:05:30Z') / 1000}`);
  assert.equal(s.metadata?.namespace, 'demo');
  assert.deepEqual(s.spec, {
    invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'nightly' },
    session: 'daily',
    retryLeft: 1,
    backupTimeout: '1h',
  });
  assert.equal(s.metadata?.ownerReferences?.[0]?.uid, 'bc-uid');
  assert.equal(s.metadata?.ownerReferences?.[0]?.controller, true);
  // Asked again (the status write was lost), the same object comes out.
  assert.deepEqual(
    retryDecision(failed({ nextRetry: '2025-12-03T00:05:30Z' }), bc({}, '5m'), at('2025-12-03T00:09:00Z')),
    d,
  );
});

test('no retry for a run that succeeded, has none left, was retried, or whose configuration is paused or gone', () => {
  const now = at('2025-12-03T01:00:00Z');
  assert.equal(retryDecision({ ...failed(), status: { phase: 'Succeeded' } }, bc(), now).kind, 'none');
  assert.equal(retryDecision({ ...failed(), status: { phase: 'Skipped' } }, bc(), now).kind, 'none');
  assert.equal(retryDecision(failed({}, 0), bc(), now).kind, 'none');
  assert.equal(retryDecision(failed({ retried: true }), bc(), now).kind, 'none');
  assert.equal(retryDecision(failed(), bc({ paused: true }), now).kind, 'none');
  assert.equal(retryDecision(failed(), undefined, now).kind, 'none');
  assert.equal(retryDecision(failed(), bc({ sessions: [] }), now).kind, 'none');
});
