import assert from 'node:assert/strict';
import { test } from 'node:test';
import { age, describeView, table } from '../../../src/cli/backup/describe-view.ts';

const now = new Date('2026-12-03T12:00:00Z');

void test('ages read as seconds, minutes, hours, then days', () => {
  assert.equal(age('2026-12-03T11:59:30Z', now), '30s');
  assert.equal(age('2026-12-03T11:30:00Z', now), '30m');
  assert.equal(age('2026-12-03T06:00:00Z', now), '6h');
  assert.equal(age('2026-11-28T12:00:00Z', now), '5d');
  assert.equal(age(undefined, now), '-');
});

void test('a table aligns its columns and shows an empty cell as -', () => {
  assert.equal(
    table(
      ['A', 'LONGER'],
      [
        ['xx', ''],
        ['y', 'z'],
      ],
    ),
    'A   LONGER\nxx  -\ny   z',
  );
});

void test('describe shows the phase, backends, each session with its last run, Repositories and the newest runs', () => {
  const run = (name: string, created: string, phase: string) => ({
    metadata: { name, namespace: 'demo', creationTimestamp: created },
    spec: { invoker: { name: 'nightly' }, session: 'daily' },
    status: { phase, duration: '12s' },
  });
  const text = describeView({
    configuration: {
      metadata: { name: 'nightly', namespace: 'demo' },
      spec: {
        backends: [{ name: 's3', storageRef: { name: 'store' }, retentionPolicy: { name: 'keep' } }],
        sessions: [{ name: 'daily', scheduler: { schedule: '0 2 * * *' } }],
      },
      status: {
        phase: 'Ready',
        backends: [{ name: 's3', storage: { phase: 'Ready' } }],
        sessions: [{ name: 'daily', nextSchedule: '2026-12-04T02:00:00Z' }],
      },
    },
    sessions: [
      run('nightly-daily-1', '2026-12-02T02:00:00Z', 'Failed'),
      run('nightly-daily-2', '2026-12-03T02:00:00Z', 'Succeeded'),
    ],
    repositories: [
      {
        metadata: { name: 'manifests' },
        status: { phase: 'Ready', snapshotCount: 2, size: '1.2 MiB', lastBackupTime: '2026-12-03T02:00:12Z' },
      },
    ],
    snapshots: [
      {
        metadata: { name: 'manifests-nightly-daily-2' },
        spec: { backupSession: 'nightly-daily-2' },
        status: { phase: 'Succeeded' },
      },
      {
        metadata: { name: 'manifests-nightly-daily-1' },
        spec: { backupSession: 'nightly-daily-1' },
        status: { phase: 'Failed' },
      },
    ],
    now,
  });
  assert.match(text, /^BackupConfiguration demo\/nightly: Ready\n/);
  assert.match(text, /s3\s+demo\/store\s+Ready\s+demo\/keep/);
  assert.match(text, /daily\s+0 2 \* \* \*\s+2026-12-04T02:00:00Z\s+nightly-daily-2\s+Succeeded/);
  assert.match(text, /manifests\s+Ready\s+2\s+1\.2 MiB\s+9h ago/);
  assert.match(
    text,
    /Runs \(newest 2 of 2\):\nNAME.*\nnightly-daily-2\s+daily\s+Succeeded\s+12s\s+1\/1 Succeeded\s+10h\nnightly-daily-1\s+daily\s+Failed\s+12s\s+0\/1 Succeeded\s+34h/,
  );
});

void test('a configuration that is not Ready says which conditions are not True', () => {
  const text = describeView({
    configuration: {
      metadata: { name: 'x', namespace: 'demo' },
      spec: { paused: true },
      status: {
        phase: 'NotReady',
        conditions: [
          { type: 'ValidationPassed', status: 'False', message: 'BackupStorage demo/s does not exist' },
        ],
      },
    },
    sessions: [],
    repositories: [],
    snapshots: [],
    now,
  });
  assert.match(
    text,
    /^BackupConfiguration demo\/x: NotReady \(paused\)\n {2}ValidationPassed: BackupStorage demo\/s does not exist\n/,
  );
});
