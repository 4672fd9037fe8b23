import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RetentionPolicySpec } from '../../../src/api/kinds/retentionpolicy.ts';
import type { Snapshot } from '../../../src/api/kinds/snapshot.ts';
import {
  applyRetention,
  bucketOf,
  describeDecision,
  isoWeek,
  retentionCandidate,
  type RetentionCandidate,
} from '../../../src/api/retention.ts';
import { RetentionPeriodError } from '../../../src/api/retention-period.ts';
import { projectRoot } from '../../../src/devcluster/toolchain.ts';

const NOW = new Date('2026-03-15T12:00:00Z');

function snap(name: string, time: string, phase = 'Succeeded', repository = 'repo', session = 'daily') {
  return { name, repository, session, phase, time: new Date(time) } satisfies RetentionCandidate;
}

/** The names kept, sorted, for compact assertions. */
function kept(policy: RetentionPolicySpec, candidates: RetentionCandidate[], now = NOW): string[] {
  return applyRetention(policy, candidates, now)
    .decisions.filter((d) => d.keep)
    .map((d) => d.name)
    .sort();
}

function decision(policy: RetentionPolicySpec, candidates: RetentionCandidate[], name: string, now = NOW) {
  const d = applyRetention(policy, candidates, now).decisions.find((x) => x.name === name);
  assert.ok(d, `no decision for ${name}`);
  return d;
}

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

void describe('retentionCandidate', () => {
  const base = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name: 'gcs-repo-bc-frequent-backup-1708694700', creationTimestamp: '2024-02-23T13:25:00Z' },
    spec: { repository: 'gcs-repo', session: 'frequent-backup' },
  } as Snapshot;

  void test('takes the time from status.snapshotTime when the Snapshot has one', () => {
    const c = retentionCandidate({
      ...base,
      status: { phase: 'Succeeded', snapshotTime: '2024-02-23T13:25:07Z' },
    });
    assert.deepEqual(c, {
      name: 'gcs-repo-bc-frequent-backup-1708694700',
      repository: 'gcs-repo',
      session: 'frequent-backup',
      phase: 'Succeeded',
      time: new Date('2024-02-23T13:25:07Z'),
    });
  });

  void test('falls back to the creation time, and counts a status-less Snapshot as in progress', () => {
    const c = retentionCandidate(base);
    assert.deepEqual(c.time, new Date('2024-02-23T13:25:00Z'));
    assert.equal(c.phase, undefined);
    assert.deepEqual(applyRetention({ successfulSnapshots: { last: 1 } }, [c], NOW).decisions[0]?.keep, true);
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

void describe("the RetentionPolicies of KubeStash's guides", () => {
  const docs = process.env.CAIRN_KUBESTASH_DOCS ?? join(projectRoot, '..', 'shared', 'kubestash-docs');
  const files = [
    'kubedump-v1/cluster/02-retentionpolicy.yaml',
    'kubedump-v1/namespace/02-retentionpolicy.yaml',
    'kubedump-v1/application/02-retentionpolicy.yaml',
    'cluster-resources/full-cluster-backup-and-restore/03-retentionpolicy.inline.yaml',
    'cluster-resources/filtering-demonstration/05-retentionpolicy.yaml',
  ];
  for (const file of files) {
    void test(`${file} keeps its last successful and failed Snapshots of ten hourly sessions`, () => {
      const policy = (parse(readFileSync(join(docs, file), 'utf8')) as { spec: RetentionPolicySpec }).spec;
      const runs = Array.from({ length: 10 }, (_, i) =>
        snap(`run-${i}`, `2026-03-15T0${i}:00:00Z`, i % 3 === 1 ? 'Failed' : 'Succeeded'),
      );
      const result = applyRetention(policy, runs, NOW);
      const keptOf = (phase: string) =>
        result.decisions.filter((d, i) => d.keep && runs[i]?.phase === phase).map((d) => d.name);
      const last = policy.successfulSnapshots?.last ?? 0;
      const failedLast = policy.failedSnapshots?.last ?? 1;
      assert.deepEqual(
        keptOf('Succeeded'),
        ['run-0', 'run-2', 'run-3', 'run-5', 'run-6', 'run-8', 'run-9'].slice(-last),
      );
      assert.deepEqual(keptOf('Failed'), ['run-1', 'run-4', 'run-7'].slice(-failedLast));
    });
  }
});
