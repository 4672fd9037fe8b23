import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigurationObject, SessionSpec } from '../../../../src/reconcilers/backupsession/plan.ts';
import {
  retentionEntries,
  retentionPlan,
  type RetentionPolicyObject,
  type RetentionSnapshot,
} from '../../../../src/reconcilers/backupsession/retention-plan.ts';

const NS = 'demo';
const now = new Date('2026-03-01T12:00:00Z');

const configuration: ConfigurationObject = {
  metadata: { name: 'bc', namespace: NS },
  spec: {
    backends: [
      { name: 'main', storageRef: { name: 'store' }, retentionPolicy: { name: 'keep-two' } },
      { name: 'other', storageRef: { name: 'store2' }, retentionPolicy: { name: 'gone', namespace: 'ops' } },
    ] as never,
  },
};
const spec: SessionSpec = {
  name: 'frequent',
  repositories: [
    { name: 'repo-a', backend: 'main' },
    { name: 'repo-b', backend: 'other' },
  ],
};
const policies: Record<string, RetentionPolicyObject> = {
  [`${NS}/keep-two`]: {
    metadata: { name: 'keep-two', namespace: NS },
    spec: { successfulSnapshots: { last: 2 }, failedSnapshots: { last: 1 } },
  },
};
const policy = (n: string, ns: string) => policies[`${ns}/${n}`];

const snap = (
  name: string,
  minute: number,
  phase: string,
  extra: { repository?: string; session?: string; deleting?: boolean } = {},
): RetentionSnapshot => ({
  metadata: {
    name,
    namespace: NS,
    ...(extra.deleting ? { deletionTimestamp: '2026-03-01T11:59:00Z' } : {}),
  },
  spec: { repository: extra.repository ?? 'repo-a', session: extra.session ?? 'frequent' },
  status: { phase, snapshotTime: `2026-03-01T11:${String(minute).padStart(2, '0')}:00Z` },
});

void test('last 2 over four successful Snapshots of a repository deletes the two oldest', () => {
  const snapshots = [snap('s1', 1, 'Succeeded'), snap('s2', 2, 'Succeeded'), snap('s3', 3, 'Succeeded')];
  snapshots.push(snap('s4', 4, 'Succeeded'));
  const [a] = retentionPlan({ namespace: NS, configuration, spec, snapshots, policy, now });
  assert.equal(a?.repository, 'repo-a');
  assert.deepEqual(a?.ref, { name: 'keep-two', namespace: NS });
  assert.deepEqual([...(a?.toDelete ?? [])].sort(), ['s1', 's2']);
  assert.equal(a?.error, undefined);
  assert.equal(a?.decisions.length, 4);
  assert.match(a?.decisions[0] ?? '', /^s[12] deleted \(selected by no successfulSnapshots rule\)$/);
  assert.match(a?.decisions[3] ?? '', /^s[34] kept/);
});

void test('failed Snapshots beyond failedSnapshots.last go, the newest failed one stays, and successful ones are counted apart', () => {
  const snapshots = [
    snap('f1', 1, 'Failed'),
    snap('s2', 2, 'Succeeded'),
    snap('f3', 3, 'Failed'),
    snap('s4', 4, 'Succeeded'),
  ];
  const [a] = retentionPlan({ namespace: NS, configuration, spec, snapshots, policy, now });
  assert.deepEqual(a?.toDelete, ['f1']);
});

void test('Snapshots of other repositories and sessions, and Snapshots already being deleted, are not candidates', () => {
  const snapshots = [
    snap('old-other-session', 0, 'Succeeded', { session: 'hourly' }),
    snap('old-other-repo', 0, 'Succeeded', { repository: 'repo-c' }),
    snap('deleting', 0, 'Succeeded', { deleting: true }),
    snap('s1', 1, 'Succeeded'),
    snap('s2', 2, 'Succeeded'),
  ];
  const [a] = retentionPlan({ namespace: NS, configuration, spec, snapshots, policy, now });
  assert.deepEqual(a?.toDelete, []);
});

void test('applying the plan again to what it kept deletes nothing more', () => {
  const snapshots = [1, 2, 3, 4, 5].map((m) => snap(`s${m}`, m, m === 3 ? 'Failed' : 'Succeeded'));
  const [first] = retentionPlan({ namespace: NS, configuration, spec, snapshots, policy, now });
  const left = snapshots.filter((s) => !first?.toDelete.includes(s.metadata?.name ?? ''));
  const [second] = retentionPlan({ namespace: NS, configuration, spec, snapshots: left, policy, now });
  assert.deepEqual(second?.toDelete, []);
  assert.deepEqual(
    left.map((s) => s.metadata?.name),
    ['s3', 's4', 's5'],
  );
});

void test('a repository whose RetentionPolicy does not exist is planned as an error naming the policy and the fix', () => {
  const plans = retentionPlan({ namespace: NS, configuration, spec, snapshots: [], policy, now });
  const b = plans.find((p) => p.repository === 'repo-b');
  assert.deepEqual(b?.toDelete, []);
  assert.match(b?.error ?? '', /RetentionPolicy ops\/gone of backend other .* does not exist: create it/);
});

void test('a repository whose retention is already Applied is not planned again', () => {
  const previous = [{ repository: 'repo-a', phase: 'Applied', ref: { name: 'keep-two', namespace: NS } }];
  const snapshots = [1, 2, 3].map((m) => snap(`s${m}`, m, 'Succeeded'));
  const plans = retentionPlan({ namespace: NS, configuration, spec, snapshots, policy, previous, now });
  assert.deepEqual(
    plans.map((p) => p.repository),
    ['repo-b'],
  );
  const entries = retentionEntries(previous, plans, new Map());
  assert.deepEqual(
    entries.map((e) => [e.repository, e.phase]),
    [
      ['repo-a', 'Applied'],
      ['repo-b', 'FailedToApply'],
    ],
  );
});

void test('an unreadable maxRetentionPeriod is an error, not a guess', () => {
  policies[`${NS}/bad`] = {
    metadata: { name: 'bad', namespace: NS },
    spec: { maxRetentionPeriod: '3 fortnights' },
  };
  const bad: ConfigurationObject = {
    ...configuration,
    spec: { backends: [{ name: 'main', retentionPolicy: { name: 'bad' } }] as never },
  };
  const [a] = retentionPlan({
    namespace: NS,
    configuration: bad,
    spec: { name: 'frequent', repositories: [{ name: 'repo-a' }] },
    snapshots: [snap('s1', 1, 'Succeeded'), snap('s2', 2, 'Succeeded')],
    policy,
    now,
  });
  assert.deepEqual(a?.toDelete, []);
  assert.match(a?.error ?? '', /RetentionPolicy demo\/bad cannot be applied to Repository demo\/repo-a/);
});

void test('entries are Applied, or FailedToApply with the deletion failure of their repository', () => {
  const plans = [
    { repository: 'repo-a', ref: { name: 'p', namespace: NS }, toDelete: ['s1'], decisions: [] },
    { repository: 'repo-b', ref: { name: 'p', namespace: NS }, toDelete: ['t1'], decisions: [] },
  ];
  const entries = retentionEntries(undefined, plans, new Map([['repo-b', 'Snapshot demo/t1: forbidden']]));
  assert.deepEqual(entries, [
    { ref: { name: 'p', namespace: NS }, repository: 'repo-a', phase: 'Applied' },
    {
      ref: { name: 'p', namespace: NS },
      repository: 'repo-b',
      phase: 'FailedToApply',
      error: 'Snapshot demo/t1: forbidden',
    },
  ]);
});
