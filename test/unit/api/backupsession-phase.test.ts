import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BackupSessionCondition as C,
  backupSessionPhase,
  backupSessionSnapshotsPhase,
  isBackupSessionCompleted,
} from '../../../src/api/backupsession-phase.ts';
import type { Condition } from '../../../src/api/conditions.ts';
import { cond } from './helpers.ts';

const ensured = [cond(C.BackupExecutorEnsured, 'True'), cond(C.SnapshotsEnsured, 'True')];
const pushed = cond(C.MetricsPushed, 'True');

function session(phases: string[], conditions: Condition[] = ensured) {
  return { conditions, snapshots: phases.map((phase, i) => ({ name: `snap-${i}`, phase })) };
}

void describe('BackupSession phase from snapshots (upstream vectors)', () => {
  void test('is Pending when every snapshot is Pending', () => {
    assert.equal(backupSessionPhase(session(['Pending', 'Pending', 'Pending'])), 'Pending');
  });

  void test('is Running when any snapshot is Running', () => {
    assert.equal(backupSessionPhase(session(['Pending', 'Running', 'Failed', 'Succeeded'])), 'Running');
  });

  void test('is Running when any snapshot has not completed', () => {
    assert.equal(backupSessionPhase(session(['Pending', 'Succeeded', 'Failed', 'Succeeded'])), 'Running');
  });

  void test('is Running when every snapshot completed but the final step has not run', () => {
    assert.equal(backupSessionPhase(session(['Succeeded', 'Succeeded', 'Failed', 'Succeeded'])), 'Running');
  });

  void test('is Failed when every snapshot completed with a failure and metrics were pushed', () => {
    assert.equal(
      backupSessionPhase(session(['Succeeded', 'Succeeded', 'Failed'], [...ensured, pushed])),
      'Failed',
    );
  });

  void test('is Failed when every snapshot failed and metrics were pushed', () => {
    assert.equal(backupSessionPhase(session(['Failed', 'Failed', 'Failed'], [...ensured, pushed])), 'Failed');
  });

  void test('is Succeeded when every snapshot succeeded and metrics were pushed', () => {
    const s = session(['Succeeded', 'Succeeded', 'Succeeded'], [...ensured, pushed]);
    assert.equal(backupSessionPhase(s), 'Succeeded');
  });
});

void describe('BackupSession phase from conditions', () => {
  void test('is Pending with no snapshots and no conditions', () => {
    assert.equal(backupSessionPhase(undefined), 'Pending');
    assert.equal(backupSessionPhase({}), 'Pending');
  });

  void test('is Failed as soon as pushing metrics failed', () => {
    const s = session(['Succeeded'], [...ensured, cond(C.MetricsPushed, 'False')]);
    assert.equal(backupSessionPhase(s), 'Failed');
  });

  void test('is Skipped when the backup was skipped', () => {
    assert.equal(backupSessionPhase(session([], [cond(C.BackupSkipped, 'True')])), 'Skipped');
  });

  void test('a failed metrics push outranks a skip', () => {
    const conditions = [cond(C.BackupSkipped, 'True'), cond(C.MetricsPushed, 'False')];
    assert.equal(backupSessionPhase(session([], conditions)), 'Failed');
  });

  const failingSteps: [string, Condition][] = [
    ['the backup executor could not be ensured', cond(C.BackupExecutorEnsured, 'False')],
    ['the snapshots could not be ensured', cond(C.SnapshotsEnsured, 'False')],
    ['pre-backup hooks failed', cond(C.PreBackupHooksExecutionSucceeded, 'False')],
    ['post-backup hooks failed', cond(C.PostBackupHooksExecutionSucceeded, 'False')],
    ['session history cleanup failed', cond(C.SessionHistoryCleaned, 'False')],
    ['snapshot cleanup was incomplete', cond(C.SnapshotCleanupIncomplete, 'True')],
  ];
  for (const [what, failure] of failingSteps) {
    void test(`is Failed after the final step when ${what}`, () => {
      assert.equal(backupSessionPhase(session(['Succeeded'], [failure, pushed])), 'Failed');
    });

    void test(`waits for the final step before failing when ${what}`, () => {
      assert.equal(backupSessionPhase(session(['Succeeded'], [failure])), 'Running');
    });
  }

  void test('is Failed after the final step when a retention policy failed to apply', () => {
    const s = {
      ...session(['Succeeded'], [...ensured, pushed]),
      retentionPolicy: [{ phase: 'FailedToApply' }],
    };
    assert.equal(backupSessionPhase(s), 'Failed');
  });

  void test('applied and pending retention policies do not fail the session', () => {
    const retentionPolicy = [{ phase: 'Applied' }, { phase: 'Pending' }];
    const s = { ...session(['Succeeded'], [...ensured, pushed]), retentionPolicy };
    assert.equal(backupSessionPhase(s), 'Succeeded');
  });

  void test('is Running when metrics were pushed but a snapshot is still running', () => {
    assert.equal(backupSessionPhase(session(['Running'], [...ensured, pushed])), 'Running');
  });

  void test('is Pending when metrics were pushed but no snapshot exists', () => {
    assert.equal(backupSessionPhase(session([], [pushed])), 'Pending');
  });

  void test('a BackupSkipped condition that is False does not skip', () => {
    const s = session(['Succeeded'], [cond(C.BackupSkipped, 'False'), pushed]);
    assert.equal(backupSessionPhase(s), 'Succeeded');
  });
});

void describe('BackupSession helpers', () => {
  void test('the snapshots alone give Succeeded once all succeeded, without waiting for the final step', () => {
    assert.equal(backupSessionSnapshotsPhase(session(['Succeeded'])), 'Succeeded');
    assert.equal(backupSessionSnapshotsPhase(undefined), 'Pending');
  });

  void test('Succeeded, Failed and Skipped are the completed phases', () => {
    assert.deepEqual(
      ['Pending', 'Running', 'Succeeded', 'Failed', 'Skipped', undefined].map(isBackupSessionCompleted),
      [false, false, true, true, true, false],
    );
  });
});
