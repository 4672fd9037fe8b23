// Retention of old, failed and unfinished Snapshots (src/api/retention.ts): maxRetentionPeriod,
// failedSnapshots.last, in-progress Snapshots, and each repository and session judged on its own.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RetentionPolicySpec } from '../../../src/api/kinds/retentionpolicy.ts';
import { applyRetention } from '../../../src/api/retention.ts';
import { RetentionPeriodError } from '../../../src/api/retention-period.ts';
import { decision, kept, NOW, snap } from './retention-fixture.ts';

void describe('maxRetentionPeriod', () => {
  const snaps = [
    snap('old', '2026-01-01T00:00:00Z'),
    snap('edge', '2026-01-14T12:00:00Z'), // exactly 60 days before NOW
    snap('recent', '2026-03-01T00:00:00Z'),
    snap('newest', '2026-03-15T00:00:00Z'),
  ];

  void test('alone, keeps every successful Snapshot younger than the period and deletes older ones', () => {
    const result = applyRetention({ maxRetentionPeriod: '2mo' }, snaps, NOW);
    assert.deepEqual(result.toDelete, ['old']);
    assert.deepEqual(decision({ maxRetentionPeriod: '2mo' }, snaps, 'recent'), {
      name: 'recent',
      keep: true,
      reasons: ['within-period'],
    });
  });

  void test('keeps a Snapshot exactly as old as the period', () => {
    assert.equal(decision({ maxRetentionPeriod: '60d' }, snaps, 'edge').keep, true);
    assert.equal(decision({ maxRetentionPeriod: '60d' }, snaps, 'old').keep, false);
  });

  void test('deletes expired Snapshots even when a count rule selects them', () => {
    const d = decision({ maxRetentionPeriod: '30d', successfulSnapshots: { last: 5 } }, snaps, 'edge');
    assert.deepEqual(d, { name: 'edge', keep: false, reason: 'expired' });
    assert.deepEqual(kept({ maxRetentionPeriod: '30d', successfulSnapshots: { last: 5 } }, snaps), [
      'newest',
      'recent',
    ]);
  });

  void test('deletes expired failed Snapshots even within failedSnapshots.last', () => {
    const failed = [snap('f-old', '2025-12-01T00:00:00Z', 'Failed'), snap('ok', '2026-03-15T00:00:00Z')];
    assert.deepEqual(decision({ maxRetentionPeriod: '2mo', failedSnapshots: { last: 5 } }, failed, 'f-old'), {
      name: 'f-old',
      keep: false,
      reason: 'expired',
    });
  });

  void test('rejects an unreadable period with the error of the period parser', () => {
    assert.throws(() => applyRetention({ maxRetentionPeriod: '2months' }, snaps, NOW), RetentionPeriodError);
  });

  void test('applies the policy of the KubeStash kubedump guides (last 5, failed 2, 2mo)', () => {
    const policy: RetentionPolicySpec = {
      maxRetentionPeriod: '2mo',
      successfulSnapshots: { last: 5 },
      failedSnapshots: { last: 2 },
    };
    const hourlyRuns = Array.from({ length: 8 }, (_, i) =>
      snap(`ok-${i}`, `2026-03-15T0${i}:00:00Z`, i === 2 || i === 4 || i === 6 ? 'Failed' : 'Succeeded'),
    );
    const result = applyRetention(policy, [snap('ancient', '2025-06-01T00:00:00Z'), ...hourlyRuns], NOW);
    assert.deepEqual(result.toDelete.sort(), ['ancient', 'ok-2']);
  });
});

void describe('failedSnapshots.last', () => {
  const runs = [
    snap('f1', '2026-03-15T01:00:00Z', 'Failed'),
    snap('f2', '2026-03-15T02:00:00Z', 'Failed'),
    snap('f3', '2026-03-15T03:00:00Z', 'Failed'),
    snap('ok', '2026-03-15T04:00:00Z'),
  ];

  void test('keeps only the newest failed Snapshot when the policy does not say (the API default is 1)', () => {
    assert.deepEqual(kept({ successfulSnapshots: { last: 1 } }, runs), ['f3', 'ok']);
    assert.deepEqual(decision({ successfulSnapshots: { last: 1 } }, runs, 'f2'), {
      name: 'f2',
      keep: false,
      reason: 'beyond-failed-last',
    });
  });

  void test('keeps the N newest failed Snapshots', () => {
    assert.deepEqual(kept({ successfulSnapshots: { last: 1 }, failedSnapshots: { last: 2 } }, runs), [
      'f2',
      'f3',
      'ok',
    ]);
  });

  void test('deletes every failed Snapshot with last: 0', () => {
    assert.deepEqual(kept({ successfulSnapshots: { last: 1 }, failedSnapshots: { last: 0 } }, runs), ['ok']);
  });

  void test('deletes failed Snapshots of a repository that has no successful one', () => {
    const onlyFailed = runs.slice(0, 3);
    assert.deepEqual(kept({ successfulSnapshots: { last: 1 } }, onlyFailed), ['f3']);
  });
});

void describe('scope and in-progress Snapshots', () => {
  void test('keeps Pending, Running and phase-less Snapshots, however old', () => {
    const snaps = [
      snap('pending', '2020-01-01T00:00:00Z', 'Pending'),
      { ...snap('unknown', '2020-01-01T00:00:00Z'), phase: undefined },
      snap('running', '2020-01-01T00:00:00Z', 'Running'),
      snap('ok', '2026-03-15T00:00:00Z'),
    ];
    const result = applyRetention({ maxRetentionPeriod: '1d', successfulSnapshots: { last: 1 } }, snaps, NOW);
    assert.deepEqual(result.toDelete, []);
    assert.deepEqual(result.decisions[0], { name: 'pending', keep: true, reasons: ['in-progress'] });
  });

  void test('judges each repository and session on its own', () => {
    const snaps = [
      snap('a1', '2026-03-15T01:00:00Z', 'Succeeded', 'repo-a'),
      snap('a2', '2026-03-15T02:00:00Z', 'Succeeded', 'repo-a'),
      snap('b1', '2026-03-14T01:00:00Z', 'Succeeded', 'repo-b'),
      snap('b2', '2026-03-14T02:00:00Z', 'Succeeded', 'repo-b'),
      snap('a-weekly', '2026-03-15T00:30:00Z', 'Succeeded', 'repo-a', 'weekly'),
    ];
    assert.deepEqual(kept({ successfulSnapshots: { last: 1 } }, snaps), ['a-weekly', 'a2', 'b2']);
  });

  void test('keeps the newest successful Snapshot of every group, never only of the newest group', () => {
    const snaps = [
      snap('a-old', '2025-01-01T00:00:00Z', 'Succeeded', 'repo-a'),
      snap('b-old', '2025-01-01T00:00:00Z', 'Succeeded', 'repo-b'),
      snap('b-older', '2024-01-01T00:00:00Z', 'Succeeded', 'repo-b'),
    ];
    assert.deepEqual(kept({ maxRetentionPeriod: '1mo' }, snaps), ['a-old', 'b-old']);
  });

  void test('refuses to decide for a Snapshot without a valid time', () => {
    const bad = { ...snap('x', '2026-01-01T00:00:00Z'), time: new Date('not a date') };
    assert.throws(
      () => applyRetention({ successfulSnapshots: { last: 1 } }, [bad], NOW),
      /Snapshot x has no valid time/,
    );
  });
});
