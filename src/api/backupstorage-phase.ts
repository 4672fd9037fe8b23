// BackupStorage status vocabulary and its phase rule.
import { ConditionStatus, findCondition, isConditionTrue } from './conditions.ts';
import type { Condition } from './conditions.ts';

export const BackupStoragePhase = {
  Ready: 'Ready',
  NotReady: 'NotReady',
} as const;
export type BackupStoragePhase = (typeof BackupStoragePhase)[keyof typeof BackupStoragePhase];

export const BackupStorageCondition = {
  BackendInitialized: 'BackendInitialized',
  BackendSecretFound: 'BackendSecretFound',
} as const;

export const BackupStorageReason = {
  BackendInitializationSucceeded: 'BackendInitializationSucceeded',
  BackendInitializationFailed: 'BackendInitializationFailed',
  BackendSecretAvailable: 'BackendSecretAvailable',
  BackendSecretNotAvailable: 'BackendSecretNotAvailable',
} as const;

export interface BackupStorageStatusInput {
  conditions?: readonly Condition[];
}

/**
 * Ready only once the backend is initialised and the credential Secret is not reported missing. A storage
 * without a Secret (credential-less mode) never gets BackendSecretFound, and that absence must not block it.
 */
export function backupStoragePhase(status: BackupStorageStatusInput | undefined): BackupStoragePhase {
  const conditions = status?.conditions;
  const secret = findCondition(conditions, BackupStorageCondition.BackendSecretFound);
  const secretOk = secret === undefined || secret.status === ConditionStatus.True;
  return isConditionTrue(conditions, BackupStorageCondition.BackendInitialized) && secretOk
    ? BackupStoragePhase.Ready
    : BackupStoragePhase.NotReady;
}
