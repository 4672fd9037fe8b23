import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backupDeadline,
  formatGoDuration,
  incompleteSnapshotStatus,
  nextSessionStatus,
  parseGoDuration,
  skipReason,
  snapshotObject,
  snapshotsStep,
  executorStep,
  ulid,
  type ConfigurationObject,
  type SessionObject,
} from '../../../../src/reconcilers/backupsession/plan.ts';

const ns = 'demo';
const bc: ConfigurationObject = {
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupConfiguration',
  metadata: { name: 'bc', namespace: ns, uid: 'bc-uid' },
  spec: {
    target: { apiGroup: 'apps', kind: 'Deployment', name: 'web' },
    sessions: [{ name: 'frequent', repositories: [{ name: 'repo' }] }],
  },
  status: { phase: 'Ready' },
};

function run(name: string, created: string, status?: SessionObject['status']): SessionObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupSession',
    metadata: { name, namespace: ns, uid: `${name}-uid`, creationTimestamp: created },
    spec: { invoker: { kind: 'BackupConfiguration', name: 'bc' }, session: 'frequent' },
    ...(status ? { status } : {}),
  };
}

void test('a run starts when its BackupConfiguration is Ready and no earlier run of the session is unfinished', () => {
  const me = run('bc-frequent-2', '2026-01-01T00:00:02Z');
  const done = run('bc-frequent-1', '2026-01-01T00:00:01Z', { phase: 'Failed' });
  assert.equal(skipReason(me, bc, [me, done]), undefined);
});

void test('a run is skipped, naming why, when its BackupConfiguration is missing, paused or not Ready', () => {
  const me = run('bc-frequent-2', '2026-01-01T00:00:02Z');
  assert.match(skipReason(me, undefined, []) ?? '', /BackupConfiguration demo\/bc .* does not exist/);
  assert.match(skipReason(me, { ...bc, spec: { ...bc.spec, paused: true } }, []) ?? '', /is paused/);
  assert.match(
    skipReason(me, { ...bc, status: { phase: 'NotReady' } }, []) ?? '',
    /is not Ready \(phase NotReady\)/,
  );
});

void test('of two unfinished runs of a session only the earlier one starts, whatever order they are judged in', () => {
  const a = run('bc-frequent-1', '2026-01-01T00:00:01Z');
  const b = run('bc-frequent-2', '2026-01-01T00:00:01Z');
  assert.equal(skipReason(a, bc, [a, b]), undefined);
  assert.match(
    skipReason(b, bc, [a, b]) ?? '',
    /BackupSession demo\/bc-frequent-1 of session frequent is still running/,
  );
});

void test('a later run that has started blocks an earlier one that has not', () => {
  const started = run('bc-frequent-2', '2026-01-01T00:00:02Z', {
    conditions: [{ type: 'SnapshotsEnsured', status: 'True', lastTransitionTime: '2026-01-01T00:00:02Z' }],
  });
  const late = run('bc-frequent-1', '2026-01-01T00:00:01Z');
  assert.match(skipReason(late, bc, [late, started]) ?? '', /bc-frequent-2/);
});

void test('Go durations parse and print the way KubeStash writes them', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('90s'), 90_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('5 minutes'), undefined);
  assert.equal(formatGoDuration(32_400), '32s');
  assert.equal(formatGoDuration(125_000), '2m5s');
  assert.equal(formatGoDuration(3_603_000), '1h0m3s');
});

void test('the deadline is the creation time plus the run timeout, else the session timeout', () => {
  const me = run('x-1', '2026-01-01T00:00:00Z');
  assert.equal(backupDeadline(me, { name: 'frequent', backupTimeout: '30m' }), '2026-01-01T00:30:00Z');
  assert.equal(
    backupDeadline(
      { ...me, spec: { ...me.spec, backupTimeout: '1h' } },
      { name: 'frequent', backupTimeout: '30m' },
    ),
    '2026-01-01T01:00:00Z',
  );
  assert.equal(backupDeadline(me, { name: 'frequent' }), undefined);
});

void test('a ULID is 26 Crockford characters and sorts by time', () => {
  const a = ulid(new Date('2026-01-01T00:00:00Z'), new Uint8Array(10).fill(255));
  const b = ulid(new Date('2026-01-01T00:00:01Z'), new Uint8Array(10));
  assert.match(a, /^[0-9A-HJKMNP-TV-Z]{26}$/);
  assert.ok(a < b);
});

void test('a Snapshot is named per repository and run, owned by its Repository, labelled with the target', () => {
  const repository = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: 'gcs-repository', namespace: ns, uid: 'repo-uid' },
  };
  const me = run('cluster-resources-backup-frequent-backup-1708694700', '2026-01-01T00:00:00Z');
  const s = snapshotObject(me, bc, repository, new Date('2026-01-01T00:00:00Z'));
  assert.equal(s.metadata?.name, 'gcs-repository-cluster-resourcesckup-frequent-backup-1708694700');
  assert.deepEqual(s.metadata?.ownerReferences, [
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Repository',
      name: 'gcs-repository',
      uid: 'repo-uid',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(s.metadata?.labels, {
    'kubestash.com/repo-name': 'gcs-repository',
    'kubestash.com/app-ref-kind': 'Deployment',
    'kubestash.com/app-ref-name': 'web',
    'kubestash.com/app-ref-namespace': ns,
  });
  assert.equal(s.spec.backupSession, me.metadata?.name);
  assert.equal(s.spec.deletionPolicy, 'Delete');
  assert.equal(s.spec.version, 'v1');
});

void test('a Snapshot whose components never reported becomes BackupIncomplete and Failed; a reported one is left alone', () => {
  const now = new Date('2026-01-01T00:01:00Z');
  const pending = { metadata: { name: 's' }, status: { phase: 'Pending' } };
  const out = incompleteSnapshotStatus(pending, 'Job demo/x failed', now);
  assert.equal(out?.phase, 'Failed');
  assert.equal(out?.conditions[0]?.reason, 'BackupExecutorTerminatedBeforeCompletion');
  const reported = {
    metadata: { name: 's' },
    status: { components: { manifest: { phase: 'Succeeded' } }, totalComponents: 1 },
  };
  assert.equal(incompleteSnapshotStatus(reported, 'x', now), undefined);
});

void test('a run ends only after its executor ended and every Snapshot completed, with the final step and duration', () => {
  const me = run('x-1', '2026-01-01T00:00:00Z');
  const now = new Date('2026-01-01T00:00:42Z');
  const snap = (phase: string) => ({
    metadata: { name: 'r-x-1' },
    spec: { repository: 'r' },
    status: { phase },
  });
  const steps = [snapshotsStep(true, 'ok'), executorStep(true, 'ok')];
  const running = nextSessionStatus({
    session: me,
    snapshots: [snap('Pending')],
    steps,
    executorEnded: false,
    now,
  });
  assert.equal(running.phase, 'Pending');
  const stillRunning = nextSessionStatus({
    session: me,
    snapshots: [snap('Running')],
    steps,
    executorEnded: true,
    now,
  });
  assert.equal(stillRunning.phase, 'Running');
  const failed = nextSessionStatus({
    session: me,
    snapshots: [snap('Failed')],
    steps,
    executorEnded: true,
    now,
  });
  assert.equal(failed.phase, 'Failed');
  assert.equal(failed.duration, '42s');
  assert.equal(failed.totalSnapshots, 1);
  assert.ok(failed.conditions?.some((c) => c.type === 'MetricsPushed' && c.status === 'True'));
  const ok = nextSessionStatus({
    session: me,
    snapshots: [snap('Succeeded')],
    steps,
    executorEnded: true,
    now,
  });
  assert.equal(ok.phase, 'Succeeded');
});

void test('a run whose executor could not be made ends Failed even without Snapshots', () => {
  const me = run('x-1', '2026-01-01T00:00:00Z');
  const s = nextSessionStatus({
    session: me,
    snapshots: [],
    steps: [snapshotsStep(true, 'ok'), executorStep(false, 'Addon kubedump-addon does not exist')],
    executorEnded: true,
    now: new Date('2026-01-01T00:00:05Z'),
  });
  assert.equal(s.phase, 'Failed');
});
