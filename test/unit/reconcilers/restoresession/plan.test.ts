import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  latestSnapshot,
  resolveDataSource,
  totalComponents,
} from '../../../../src/reconcilers/restoresession/data-source.ts';
import {
  componentsFinished,
  executorStep,
  incompleteStep,
  invalidReason,
  nextRestoreStatus,
  restoreDeadline,
  validationStep,
  type RestoreSessionObject,
  type SnapshotObj,
} from '../../../../src/reconcilers/restoresession/plan.ts';

const now = new Date('2026-01-01T00:10:00Z');

function session(
  spec: RestoreSessionObject['spec'] = {},
  status?: RestoreSessionObject['status'],
): RestoreSessionObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'RestoreSession',
    metadata: { name: 'rs', namespace: 'demo', uid: 'rs-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      dataSource: { repository: 'repo', snapshot: 'latest' },
      addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] },
      ...spec,
    },
    ...(status ? { status } : {}),
  };
}

function snap(
  name: string,
  phase: string | undefined,
  time?: string,
  repository = 'repo',
  created = '2026-01-01T00:00:00Z',
): SnapshotObj {
  return {
    metadata: { name, namespace: 'demo', creationTimestamp: created },
    spec: { repository },
    status: {
      ...(phase ? { phase } : {}),
      ...(time ? { snapshotTime: time } : {}),
      components: { manifest: {} },
    },
  };
}

const resolve = (
  rs: RestoreSessionObject,
  snapshots: SnapshotObj[],
  o: Partial<Parameters<typeof resolveDataSource>[0]> = {},
) =>
  resolveDataSource({
    rs,
    snapshots,
    repository: (n) => (n === 'repo' ? { metadata: { name: 'repo', namespace: 'demo' } } : undefined),
    addonFound: true,
    functionsMissing: [],
    keepResolved: false,
    ...o,
  });

void test('a valid spec passes validation', () => {
  assert.equal(invalidReason(session()), undefined);
  assert.equal(invalidReason(session({ dataSource: { snapshot: 'repo-bc-1' } })), undefined);
});

void test('each invalid spec is refused with a message naming the field and the fix', () => {
  const cases: [RestoreSessionObject['spec'], RegExp][] = [
    [{ dataSource: { repository: 'repo' } }, /spec\.dataSource\.snapshot is required/],
    [{ dataSource: { snapshot: 'latest' } }, /spec\.dataSource\.repository is required when .* latest/],
    [{ dataSource: { repository: 'r', snapshot: 's', pitr: {} } }, /spec\.dataSource\.pitr is not supported/],
    [{ addon: { tasks: [{ name: 'x' }] } }, /spec\.addon\.name is required/],
    [{ addon: { name: 'a', tasks: [] } }, /spec\.addon\.tasks must name/],
    [{ hooks: { preRestore: [{}] } }, /spec\.hooks are not run/],
    [{ restoreTimeout: 'soon' }, /spec\.restoreTimeout "soon" is not a duration: write e\.g\. 30m/],
  ];
  for (const [spec, re] of cases) assert.match(invalidReason(session(spec)) ?? '', re, JSON.stringify(spec));
});

void test('an invalid spec makes the phase Invalid', () => {
  const rs = session({ restoreTimeout: 'x' });
  const status = nextRestoreStatus({
    rs,
    status: undefined,
    steps: [validationStep(invalidReason(rs))],
    finished: false,
    now,
  });
  assert.equal(status.phase, 'Invalid');
  assert.equal(status.conditions?.[0]?.reason, 'ResourceValidationFailed');
});

void test('the deadline is the creation time plus restoreTimeout', () => {
  assert.equal(restoreDeadline(session({ restoreTimeout: '1h30m' })), '2026-01-01T01:30:00Z');
  assert.equal(restoreDeadline(session()), undefined);
});

void test('latest is the newest Succeeded Snapshot of the repository, by snapshot time then creation time', () => {
  const snaps = [
    snap('old', 'Succeeded', '2026-01-01T00:01:00Z'),
    snap('newest-failed', 'Failed', '2026-01-01T00:09:00Z'),
    snap('newest-running', 'Running', '2026-01-01T00:09:30Z'),
    snap('other-repo', 'Succeeded', '2026-01-01T00:09:59Z', 'other'),
    snap('new-a', 'Succeeded', '2026-01-01T00:05:00Z', 'repo', '2026-01-01T00:05:00Z'),
    snap('new-b', 'Succeeded', '2026-01-01T00:05:00Z', 'repo', '2026-01-01T00:05:01Z'),
  ];
  assert.equal(latestSnapshot(snaps, 'repo')?.metadata?.name, 'new-b');
  assert.equal(latestSnapshot(snaps.slice(1, 4), 'repo'), undefined);
});

void test('a latest without a Succeeded Snapshot waits and says so', () => {
  const ds = resolve(session(), [snap('running', 'Running', '2026-01-01T00:01:00Z')]);
  assert.match(ds.wait ?? '', /Repository demo\/repo has no Succeeded Snapshot yet/);
  assert.deepEqual(ds.dependencies[0], {
    apiGroup: 'storage.kubestash.com',
    kind: 'Snapshot',
    namespace: 'demo',
    name: 'latest',
    found: false,
  });
});

void test('a named Snapshot that does not exist, a missing Addon and a missing Function are waited for', () => {
  const ds = resolve(session({ dataSource: { snapshot: 'gone' } }), [], {
    addonFound: false,
    functionsMissing: ['kubedump-restore'],
  });
  assert.match(ds.wait ?? '', /Snapshot demo\/gone does not exist: waiting/);
  assert.match(ds.wait ?? '', /Addon kubedump-addon does not exist/);
  assert.match(ds.wait ?? '', /Function kubedump-restore of Addon kubedump-addon does not exist/);
  assert.equal(ds.dependencies[1]?.found, false);
});

void test('a named Snapshot still being backed up is waited for; a failed one ends the restore', () => {
  assert.match(
    resolve(session({ dataSource: { snapshot: 's' } }), [snap('s', 'Running')]).wait ?? '',
    /is Running: waiting/,
  );
  const failed = resolve(session({ dataSource: { snapshot: 's' } }), [snap('s', 'Failed')]);
  assert.match(failed.fail ?? '', /Snapshot demo\/s failed/);
});

void test('a Snapshot of another repository than the one named ends the restore', () => {
  const ds = resolve(session({ dataSource: { repository: 'repo', snapshot: 's' } }), [
    snap('s', 'Succeeded', undefined, 'other'),
  ]);
  assert.match(ds.fail ?? '', /belongs to Repository other, not repo/);
});

void test('a named Snapshot without a repository finds the repository through the Snapshot', () => {
  const ds = resolve(session({ dataSource: { snapshot: 's' } }), [snap('s', 'Succeeded')]);
  assert.equal(ds.wait, undefined);
  assert.equal(ds.repository?.metadata?.name, 'repo');
  assert.equal(ds.dependencies[0]?.found, true);
});

void test('once the Job exists the Snapshot resolved earlier is kept, even when a newer one succeeded', () => {
  const rs = session({}, { dependencies: [{ kind: 'Snapshot', name: 'first', found: true }] });
  const snaps = [
    snap('first', 'Succeeded', '2026-01-01T00:01:00Z'),
    snap('second', 'Succeeded', '2026-01-01T00:02:00Z'),
  ];
  assert.equal(resolve(rs, snaps, { keepResolved: true }).snapshot?.metadata?.name, 'first');
  assert.equal(resolve(rs, snaps).snapshot?.metadata?.name, 'second');
});

void test('totalComponents counts the named components, else the Snapshot components, at least one', () => {
  assert.equal(
    totalComponents(session({ dataSource: { snapshot: 's', components: ['a', 'b'] } }), undefined),
    2,
  );
  assert.equal(totalComponents(session(), snap('s', 'Succeeded')), 1);
  assert.equal(totalComponents(session(), undefined), 1);
});

void test('components are finished once every expected one reported a final phase', () => {
  assert.equal(componentsFinished({ totalComponents: 1 }), false);
  assert.equal(
    componentsFinished({ totalComponents: 1, components: { manifest: { phase: 'Running' } } }),
    false,
  );
  assert.equal(
    componentsFinished({ totalComponents: 1, components: { manifest: { phase: 'Failed' } } }),
    true,
  );
  assert.equal(componentsFinished({ totalComponents: 2, components: { a: { phase: 'Succeeded' } } }), false);
});

void test('a waiting session stays Pending with RestoreExecutorEnsured False and its reason', () => {
  const rs = session();
  const status = nextRestoreStatus({
    rs,
    status: undefined,
    steps: [validationStep(undefined), executorStep(false, 'Waiting: no Snapshot')],
    finished: false,
    now,
  });
  assert.equal(status.phase, 'Pending');
  assert.equal(status.conditions?.find((c) => c.type === 'RestoreExecutorEnsured')?.status, 'False');
  assert.equal(status.duration, undefined);
});

void test('a running restore keeps the components the Job wrote and is Running', () => {
  const rs = session({}, { components: { manifest: { phase: 'Running' } } });
  const status = nextRestoreStatus({
    rs,
    status: rs.status,
    steps: [validationStep(undefined), executorStep(true, 'ok')],
    totalComponents: 1,
    finished: false,
    now,
  });
  assert.equal(status.phase, 'Running');
  assert.deepEqual(status.components, { manifest: { phase: 'Running' } });
});

void test('a restore whose component succeeded ends Succeeded with the final step and its duration', () => {
  const rs = session({}, { components: { manifest: { phase: 'Succeeded', duration: '3s' } } });
  const status = nextRestoreStatus({
    rs,
    status: rs.status,
    steps: [validationStep(undefined), executorStep(true, 'ok')],
    totalComponents: 1,
    pausedBackups: [{ kind: 'BackupConfiguration', name: 'bc', namespace: 'demo' }],
    finished: true,
    now,
  });
  assert.equal(status.phase, 'Succeeded');
  assert.equal(status.duration, '10m0s');
  assert.equal(status.conditions?.at(-1)?.type, 'MetricsPushed');
  assert.equal(status.pausedBackups?.length, 1);
});

void test('a Job that ended before the components reported leaves the restore Failed with the reason', () => {
  const rs = session({}, { components: { manifest: { phase: 'Running' } } });
  const status = nextRestoreStatus({
    rs,
    status: rs.status,
    steps: [validationStep(undefined), executorStep(true, 'ok'), incompleteStep('Job gone')],
    totalComponents: 1,
    finished: true,
    now,
  });
  assert.equal(status.phase, 'Failed');
  const c = status.conditions?.find((x) => x.type === 'RestoreIncomplete');
  assert.equal(c?.status, 'True');
  assert.equal(c?.reason, 'RestoreExecutorTerminatedBeforeCompletion');
});

void test('a restore whose Job could not be made ends Failed once finished', () => {
  const rs = session();
  const status = nextRestoreStatus({
    rs,
    status: undefined,
    steps: [validationStep(undefined), executorStep(false, 'no task')],
    finished: true,
    now,
  });
  assert.equal(status.phase, 'Failed');
});
