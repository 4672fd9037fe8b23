import assert from 'node:assert/strict';
import { test } from 'node:test';
import { validateBackupVerifier } from '../../../src/webhooks/backupverifier.ts';
import { decisionMessage } from '../../../src/webhooks/decision.ts';
import { restoreSessionHookRefs, validateRestoreSession } from '../../../src/webhooks/restoresession.ts';
import { all, namespace, object, same } from './helpers.ts';

const rs = object('RestoreSession', 'app', 'rs', {
  dataSource: { repository: 'repo', snapshot: 'latest' },
  addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] },
  hooks: { postRestore: [{ name: 'notify', hookTemplate: { name: 'notify', namespace: 'hooks' } }] },
});

void test('a RestoreSession may use a hook template whose policy allows its namespace', () => {
  assert.deepEqual(restoreSessionHookRefs(rs, 'app'), [{ namespace: 'hooks', name: 'notify' }]);
  const ok = validateRestoreSession({
    namespace: namespace('app'),
    object: rs,
    hookTemplates: [object('HookTemplate', 'hooks', 'notify', { usagePolicy: all })],
  });
  assert.equal(ok.allowed, true);
});

void test('a RestoreSession is rejected when a hook template forbids its namespace', () => {
  const d = validateRestoreSession({
    namespace: namespace('app'),
    object: rs,
    hookTemplates: [object('HookTemplate', 'hooks', 'notify', { usagePolicy: same })],
  });
  assert.match(
    decisionMessage(d),
    /^spec\.hooks\.postRestore\[0\]\.hookTemplate: HookTemplate "hooks\/notify" does not allow namespace "app"/,
  );
});

void test('a missing hook template is a warning, not a rejection', () => {
  const d = validateRestoreSession({ namespace: namespace('app'), object: rs, hookTemplates: [] });
  assert.equal(d.allowed, true);
  assert.equal(d.warnings.length, 1);
});

const verifier = (spec: Record<string, unknown>) =>
  object('BackupVerifier', 'app', 'v', {
    restoreOption: { addonInfo: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] } },
    scheduler: { schedule: '0 3 * * *', jobTemplate: {} },
    type: 'RestoreOnly',
    ...spec,
  });

void test('a BackupVerifier needs a scheduler (the rule KubeStash intended)', () => {
  assert.equal(validateBackupVerifier(verifier({})).allowed, true);
  assert.match(
    decisionMessage(validateBackupVerifier(verifier({ scheduler: undefined }))),
    /^spec\.scheduler: is required/,
  );
});

void test('Query needs query and function; Script needs script.location and function', () => {
  const q = decisionMessage(validateBackupVerifier(verifier({ type: 'Query' })));
  assert.match(q, /^spec\.query: is required for type Query/m);
  assert.match(q, /^spec\.function: is required for type Query/m);
  const s = decisionMessage(validateBackupVerifier(verifier({ type: 'Script', script: {} })));
  assert.match(s, /^spec\.script\.location: is required for type Script/m);
  assert.equal(
    validateBackupVerifier(verifier({ type: 'Script', function: 'f', script: { location: '/x.sh' } }))
      .allowed,
    true,
  );
});

void test('restoreOption, addonInfo and type are required', () => {
  assert.match(
    decisionMessage(validateBackupVerifier(verifier({ restoreOption: undefined }))),
    /^spec\.restoreOption: is required/m,
  );
  assert.match(
    decisionMessage(validateBackupVerifier(verifier({ restoreOption: {} }))),
    /^spec\.restoreOption\.addonInfo: is required/m,
  );
  assert.match(
    decisionMessage(validateBackupVerifier(verifier({ type: undefined }))),
    /^spec\.type: is required/m,
  );
});

void test('a BackupVerifier schedule no CronJob accepts is refused naming spec.scheduler.schedule', () => {
  for (const schedule of ['every night', '0 3 * * 8', 'CRON_TZ=Europe/Berlin 0 3 * * *']) {
    const msg = decisionMessage(
      validateBackupVerifier(verifier({ scheduler: { schedule, jobTemplate: {} } })),
    );
    assert.match(msg, /^spec\.scheduler\.schedule: .* is not a schedule a CronJob accepts: /, schedule);
    assert.match(msg, /e\.g\. "\*\/5 \* \* \* \*"/, schedule);
  }
  const old = verifier({ scheduler: { schedule: 'every night', jobTemplate: {} } });
  assert.equal(validateBackupVerifier(old, old).allowed, true, 'an unchanged schedule is not checked again');
});
