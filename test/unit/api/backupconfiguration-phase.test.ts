import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BackupConfigurationCondition as C,
  BackupConfigurationSessionCondition as S,
  backupConfigurationPhase,
} from '../../../src/api/backupconfiguration-phase.ts';
import type { BackupConfigurationStatusInput } from '../../../src/api/backupconfiguration-phase.ts';
import { cond } from './helpers.ts';

const spec = { backends: [{}], sessions: [{}, {}] };
const scheduled = { conditions: [cond(S.SchedulerEnsured, 'True')] };
const ready: BackupConfigurationStatusInput = {
  targetFound: true,
  backends: [{ ready: true }],
  sessions: [scheduled, scheduled],
};

void describe('BackupConfiguration phase', () => {
  void test('is Ready when the target, every backend and every session scheduler are in place', () => {
    assert.equal(backupConfigurationPhase(spec, ready), 'Ready');
  });

  void test('is Invalid when validation failed, whatever else holds', () => {
    const status = { ...ready, conditions: [cond(C.ValidationPassed, 'False')] };
    assert.equal(backupConfigurationPhase(spec, status), 'Invalid');
  });

  void test('is Ready when validation passed explicitly', () => {
    const status = { ...ready, conditions: [cond(C.ValidationPassed, 'True')] };
    assert.equal(backupConfigurationPhase(spec, status), 'Ready');
  });

  void test('is NotReady until the target is known to exist', () => {
    assert.equal(backupConfigurationPhase(spec, { ...ready, targetFound: false }), 'NotReady');
    const { targetFound: _unused, ...noTarget } = ready;
    assert.equal(backupConfigurationPhase(spec, noTarget), 'NotReady');
  });

  void test('is NotReady while a backend is not ready', () => {
    assert.equal(backupConfigurationPhase(spec, { ...ready, backends: [{ ready: false }] }), 'NotReady');
    assert.equal(backupConfigurationPhase(spec, { ...ready, backends: [{}] }), 'NotReady');
  });

  void test('is NotReady while a backend of the spec has no status entry yet', () => {
    const twoBackends = { ...spec, backends: [{}, {}] };
    assert.equal(backupConfigurationPhase(twoBackends, ready), 'NotReady');
  });

  void test('is NotReady while a session of the spec has no status entry yet', () => {
    assert.equal(backupConfigurationPhase(spec, { ...ready, sessions: [scheduled] }), 'NotReady');
  });

  void test('is NotReady while a session scheduler is not ensured', () => {
    const failed = { conditions: [cond(S.SchedulerEnsured, 'False')] };
    assert.equal(backupConfigurationPhase(spec, { ...ready, sessions: [scheduled, failed] }), 'NotReady');
    assert.equal(backupConfigurationPhase(spec, { ...ready, sessions: [scheduled, {}] }), 'NotReady');
  });

  void test('is NotReady with no status at all', () => {
    assert.equal(backupConfigurationPhase(spec, undefined), 'NotReady');
  });

  void test('does not need the InitialBackupTriggered condition to be Ready', () => {
    const sessions = [
      { conditions: [cond(S.SchedulerEnsured, 'True'), cond(S.InitialBackupTriggered, 'False')] },
      scheduled,
    ];
    assert.equal(backupConfigurationPhase(spec, { ...ready, sessions }), 'Ready');
  });
});
