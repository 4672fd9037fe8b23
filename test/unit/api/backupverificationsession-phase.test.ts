import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BackupVerificationSessionCondition as C,
  backupVerificationSessionPhase,
} from '../../../src/api/backupverificationsession-phase.ts';
import type { Condition } from '../../../src/api/conditions.ts';
import { cond } from './helpers.ts';

const cleaned = cond(C.VerificationSessionHistoryCleaned, 'True');
const phase = (...conditions: Condition[]) => backupVerificationSessionPhase({ conditions });

void describe('BackupVerificationSession phase', () => {
  void test('is Running before any step has reported', () => {
    assert.equal(phase(), 'Running');
    assert.equal(backupVerificationSessionPhase(undefined), 'Running');
  });

  void test('is Running after a successful restore until the history was cleaned', () => {
    assert.equal(phase(cond(C.RestoreSucceeded, 'True'), cond(C.BackupVerified, 'True')), 'Running');
  });

  void test('waits for the history cleanup before reporting a failed restore', () => {
    assert.equal(phase(cond(C.RestoreSucceeded, 'False')), 'Running');
  });

  void test('is Succeeded once the history was cleaned and nothing failed', () => {
    assert.equal(
      phase(cond(C.RestoreSucceeded, 'True'), cond(C.BackupVerified, 'True'), cleaned),
      'Succeeded',
    );
  });

  void test('is Succeeded for a restore-only verification once the history was cleaned', () => {
    assert.equal(phase(cond(C.RestoreSucceeded, 'True'), cleaned), 'Succeeded');
  });

  void test('is Failed when the restore failed and the history was cleaned', () => {
    assert.equal(phase(cond(C.RestoreSucceeded, 'False'), cleaned), 'Failed');
  });

  void test('is Failed when the verification failed and the history was cleaned', () => {
    assert.equal(phase(cond(C.RestoreSucceeded, 'True'), cond(C.BackupVerified, 'False'), cleaned), 'Failed');
  });

  void test('is Failed as soon as the history cleanup failed', () => {
    assert.equal(phase(cond(C.VerificationSessionHistoryCleaned, 'False')), 'Failed');
  });

  void test('is Skipped when the snapshot was already verified', () => {
    assert.equal(phase(cond(C.BackupVerificationSkipped, 'True')), 'Skipped');
    assert.equal(phase(cond(C.BackupVerificationSkipped, 'True'), cleaned), 'Skipped');
  });

  void test('a failed history cleanup outranks a skip', () => {
    const failed = cond(C.VerificationSessionHistoryCleaned, 'False');
    assert.equal(phase(cond(C.BackupVerificationSkipped, 'True'), failed), 'Failed');
  });

  void test('an Unknown history cleanup is not yet the final step', () => {
    assert.equal(phase(cond(C.VerificationSessionHistoryCleaned, 'Unknown')), 'Running');
  });
});
