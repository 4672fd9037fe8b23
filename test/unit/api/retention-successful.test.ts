// Retention of successful Snapshots (src/api/retention.ts): successfulSnapshots.last, the hourly to yearly
// bucket rules with restic's keep semantics in UTC, ISO weeks and bucket keys, and how a decision is worded.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { applyRetention, bucketOf, describeDecision, isoWeek } from '../../../src/api/retention.ts';
import { decision, kept, NOW, snap } from './retention-fixture.ts';

void describe('successfulSnapshots.last', () => {
  const four = [
    snap('s1', '2026-03-15T08:00:00Z'),
    snap('s2', '2026-03-15T09:00:00Z'),
    snap('s3', '2026-03-15T10:00:00Z'),
    snap('s4', '2026-03-15T11:00:00Z'),
  ];

  void test('last: 2 over four sessions leaves the two newest Snapshots', () => {
    const result = applyRetention({ successfulSnapshots: { last: 2 } }, four, NOW);
    assert.deepEqual(result.toDelete.sort(), ['s1', 's2']);
    assert.deepEqual(kept({ successfulSnapshots: { last: 2 } }, four), ['s3', 's4']);
  });

  void test('returns one decision per candidate in the order given, each with its reason', () => {
    const result = applyRetention({ successfulSnapshots: { last: 2 } }, four, NOW);
    assert.deepEqual(result.decisions, [
      { name: 's1', keep: false, reason: 'not-selected' },
      { name: 's2', keep: false, reason: 'not-selected' },
      { name: 's3', keep: true, reasons: ['last'] },
      { name: 's4', keep: true, reasons: ['last', 'newest-successful'] },
    ]);
  });

  void test('orders by time, not by the order given', () => {
    assert.deepEqual(kept({ successfulSnapshots: { last: 1 } }, [...four].reverse()), ['s4']);
  });

  void test('breaks a tie in time by name, the later name being the newer', () => {
    const tied = [
      snap('repo-b-1700000001', '2026-03-15T10:00:00Z'),
      snap('repo-b-1700000000', '2026-03-15T10:00:00Z'),
    ];
    assert.deepEqual(kept({ successfulSnapshots: { last: 1 } }, tied), ['repo-b-1700000001']);
  });

  void test('keeps everything when there are fewer Snapshots than last', () => {
    assert.deepEqual(kept({ successfulSnapshots: { last: 10 } }, four), ['s1', 's2', 's3', 's4']);
  });

  void test('never deletes the newest successful Snapshot, even with every count at 0 and an expired period', () => {
    const old = [snap('a', '2025-01-01T00:00:00Z'), snap('b', '2025-01-02T00:00:00Z')];
    const d = decision({ maxRetentionPeriod: '1d', successfulSnapshots: { last: 0 } }, old, 'b');
    assert.deepEqual(d, { name: 'b', keep: true, reasons: ['newest-successful'] });
    assert.deepEqual(kept({ maxRetentionPeriod: '1d', successfulSnapshots: { last: 0 } }, old), ['b']);
  });

  void test('does not count failed or in-progress Snapshots toward last', () => {
    const mixed = [
      snap('ok1', '2026-03-15T08:00:00Z'),
      snap('ok2', '2026-03-15T09:00:00Z'),
      snap('bad', '2026-03-15T10:00:00Z', 'Failed'),
      snap('running', '2026-03-15T11:00:00Z', 'Running'),
    ];
    assert.deepEqual(kept({ successfulSnapshots: { last: 2 }, failedSnapshots: { last: 0 } }, mixed), [
      'ok1',
      'ok2',
      'running',
    ]);
  });
});

void describe('bucket rules (restic keep semantics, UTC)', () => {
  void test('daily keeps the newest Snapshot of each of the N most recent days that have one', () => {
    const snaps = [
      snap('d10-a', '2026-03-10T01:00:00Z'),
      snap('d10-b', '2026-03-10T23:00:00Z'),
      snap('d12-a', '2026-03-12T05:00:00Z'),
      snap('d12-b', '2026-03-12T06:00:00Z'),
      // no Snapshot on the 13th: an empty day uses up no count
      snap('d14', '2026-03-14T07:00:00Z'),
      snap('d09', '2026-03-09T07:00:00Z'),
    ];
    assert.deepEqual(kept({ successfulSnapshots: { daily: 3 } }, snaps), ['d10-b', 'd12-b', 'd14']);
  });

  void test('hourly keeps only the newest Snapshot within one hour', () => {
    const snaps = [
      snap('h10-00', '2026-03-15T10:00:00Z'),
      snap('h10-30', '2026-03-15T10:30:00Z'),
      snap('h10-59', '2026-03-15T10:59:59Z'),
      snap('h11-00', '2026-03-15T11:00:00Z'),
      snap('h09-45', '2026-03-15T09:45:00Z'),
    ];
    assert.deepEqual(kept({ successfulSnapshots: { hourly: 2 } }, snaps), ['h10-59', 'h11-00']);
  });

  void test('weekly cuts weeks on Monday as ISO 8601 does, across a year boundary', () => {
    const snaps = [
      snap('sun-2024-w52', '2024-12-29T12:00:00Z'),
      snap('mon-2025-w01', '2024-12-30T12:00:00Z'),
      snap('sat-2024-w52', '2024-12-28T12:00:00Z'),
      snap('mon-2024-w52', '2024-12-23T00:00:00Z'),
      snap('sun-2024-w51', '2024-12-22T23:59:59Z'),
    ];
    const now = new Date('2025-01-01T00:00:00Z');
    assert.deepEqual(kept({ successfulSnapshots: { weekly: 2 } }, snaps, now), [
      'mon-2025-w01',
      'sun-2024-w52',
    ]);
    assert.deepEqual(kept({ successfulSnapshots: { weekly: 3 } }, snaps, now), [
      'mon-2025-w01',
      'sun-2024-w51',
      'sun-2024-w52',
    ]);
  });

  void test('monthly and yearly keep the newest Snapshot of each month and year', () => {
    const snaps = [
      snap('2024-11', '2024-11-30T00:00:00Z'),
      snap('2024-12-early', '2024-12-01T00:00:00Z'),
      snap('2024-12-late', '2024-12-31T23:59:59Z'),
      snap('2025-01', '2025-01-01T00:00:00Z'),
      snap('2025-02', '2025-02-10T00:00:00Z'),
    ];
    const now = new Date('2025-03-01T00:00:00Z');
    assert.deepEqual(kept({ successfulSnapshots: { monthly: 3 } }, snaps, now), [
      '2024-12-late',
      '2025-01',
      '2025-02',
    ]);
    assert.deepEqual(kept({ successfulSnapshots: { yearly: 2 } }, snaps, now), ['2024-12-late', '2025-02']);
  });

  void test('cuts days in UTC, so 23:30Z and 00:30Z the next day are two days', () => {
    const snaps = [snap('late', '2026-03-13T23:30:00Z'), snap('early', '2026-03-14T00:30:00Z')];
    assert.deepEqual(kept({ successfulSnapshots: { daily: 2 } }, snaps), ['early', 'late']);
  });

  void test('keeps a Snapshot selected by any rule and names every rule that selected it', () => {
    const snaps = [
      snap('jan', '2026-01-20T00:00:00Z'),
      snap('feb', '2026-02-20T00:00:00Z'),
      snap('mar-1', '2026-03-14T00:00:00Z'),
      snap('mar-2', '2026-03-15T00:00:00Z'),
    ];
    const policy = { successfulSnapshots: { last: 1, daily: 2, monthly: 3 } };
    const result = applyRetention(policy, snaps, NOW);
    assert.deepEqual(
      result.decisions.map((d) => (d.keep ? `${d.name}:${d.reasons.join('+')}` : `${d.name}:-`)),
      ['jan:monthly', 'feb:monthly', 'mar-1:daily', 'mar-2:last+daily+monthly+newest-successful'],
    );
  });

  void test('treats a count of 0 as no rule', () => {
    const snaps = [snap('a', '2026-03-14T00:00:00Z'), snap('b', '2026-03-15T00:00:00Z')];
    assert.deepEqual(kept({ successfulSnapshots: { last: 1, daily: 0 } }, snaps), ['b']);
  });
});

void describe('buckets and ISO weeks', () => {
  const weeks: [string, number, number][] = [
    ['2021-01-03T12:00:00Z', 2020, 53], // Sunday: still the last week of 2020
    ['2021-01-04T00:00:00Z', 2021, 1],
    ['2024-12-30T00:00:00Z', 2025, 1], // Monday of the week holding 2 January 2025
    ['2026-01-01T00:00:00Z', 2026, 1], // a Thursday
    ['2027-01-01T00:00:00Z', 2026, 53], // a Friday
    ['2026-03-15T12:00:00Z', 2026, 11],
  ];
  for (const [when, year, week] of weeks) {
    void test(`puts ${when} in ISO week ${year}-W${week}`, () => {
      assert.deepEqual(isoWeek(new Date(when)), { year, week });
    });
  }

  void test('gives each rule a key that identifies its bucket', () => {
    const t = new Date('2026-03-15T07:45:00Z');
    assert.equal(bucketOf('hourly', t), 2026031507);
    assert.equal(bucketOf('daily', t), 20260315);
    assert.equal(bucketOf('weekly', t), 202611);
    assert.equal(bucketOf('monthly', t), 202603);
    assert.equal(bucketOf('yearly', t), 2026);
  });
});

void describe('describeDecision', () => {
  void test('says why a Snapshot is kept or deleted, in words', () => {
    assert.equal(
      describeDecision({ name: 's', keep: true, reasons: ['last', 'daily'] }),
      's kept (last, daily)',
    );
    assert.equal(
      describeDecision({ name: 's', keep: false, reason: 'expired' }),
      's deleted (older than maxRetentionPeriod)',
    );
  });
});
