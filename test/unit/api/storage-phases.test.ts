import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BackupStorageCondition as BS, backupStoragePhase } from '../../../src/api/backupstorage-phase.ts';
import { RepositoryCondition, repositoryPhase } from '../../../src/api/repository-phase.ts';
import { cond } from './helpers.ts';

void describe('BackupStorage phase', () => {
  void test('is Ready when the backend is initialised and the secret was found', () => {
    const conditions = [cond(BS.BackendInitialized, 'True'), cond(BS.BackendSecretFound, 'True')];
    assert.equal(backupStoragePhase({ conditions }), 'Ready');
  });

  void test('is Ready when the backend is initialised and no secret condition exists (credential-less mode)', () => {
    assert.equal(backupStoragePhase({ conditions: [cond(BS.BackendInitialized, 'True')] }), 'Ready');
  });

  void test('is NotReady when the secret is missing even if the backend was initialised', () => {
    const conditions = [cond(BS.BackendInitialized, 'True'), cond(BS.BackendSecretFound, 'False')];
    assert.equal(backupStoragePhase({ conditions }), 'NotReady');
  });

  void test('is NotReady when the secret condition is Unknown', () => {
    const conditions = [cond(BS.BackendInitialized, 'True'), cond(BS.BackendSecretFound, 'Unknown')];
    assert.equal(backupStoragePhase({ conditions }), 'NotReady');
  });

  void test('is NotReady before the backend is initialised or when initialisation failed', () => {
    assert.equal(backupStoragePhase(undefined), 'NotReady');
    assert.equal(backupStoragePhase({}), 'NotReady');
    assert.equal(backupStoragePhase({ conditions: [cond(BS.BackendInitialized, 'False')] }), 'NotReady');
  });
});

void describe('Repository phase', () => {
  void test('is Ready exactly when RepositoryInitialized is True', () => {
    const C = RepositoryCondition.RepositoryInitialized;
    assert.equal(repositoryPhase({ conditions: [cond(C, 'True')] }), 'Ready');
    assert.equal(repositoryPhase({ conditions: [cond(C, 'False')] }), 'NotReady');
    assert.equal(repositoryPhase({ conditions: [cond(C, 'Unknown')] }), 'NotReady');
    assert.equal(repositoryPhase({}), 'NotReady');
    assert.equal(repositoryPhase(undefined), 'NotReady');
  });
});
