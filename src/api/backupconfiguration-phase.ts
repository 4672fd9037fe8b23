// BackupConfiguration status vocabulary and its phase rule.
import { isConditionFalse, isConditionTrue } from './conditions.ts';
import type { Condition } from './conditions.ts';

export const BackupConfigurationPhase = {
  NotReady: 'NotReady',
  Ready: 'Ready',
  Invalid: 'Invalid',
} as const;
export type BackupConfigurationPhase =
  (typeof BackupConfigurationPhase)[keyof typeof BackupConfigurationPhase];

/** Conditions on the BackupConfiguration itself. */
export const BackupConfigurationCondition = {
  ValidationPassed: 'ValidationPassed',
} as const;

/** Conditions in `status.sessions[].conditions`. */
export const BackupConfigurationSessionCondition = {
  SchedulerEnsured: 'SchedulerEnsured',
  InitialBackupTriggered: 'InitialBackupTriggered',
} as const;

export const BackupConfigurationReason = {
  ResourceValidationPassed: 'ResourceValidationPassed',
  ResourceValidationFailed: 'ResourceValidationFailed',
  SchedulerEnsured: 'SchedulerEnsured',
  SchedulerNotEnsured: 'SchedulerNotEnsured',
  SuccessfullyTriggeredInitialBackup: 'SuccessfullyTriggeredInitialBackup',
  FailedToTriggerInitialBackup: 'FailedToTriggerInitialBackup',
} as const;

export interface BackupConfigurationSpecInput {
  backends?: readonly unknown[];
  sessions?: readonly unknown[];
}

export interface BackupConfigurationStatusInput {
  conditions?: readonly Condition[];
  targetFound?: boolean;
  backends?: readonly { ready?: boolean }[];
  sessions?: readonly { conditions?: readonly Condition[] }[];
}

/**
 * Invalid when validation failed. Ready only when the target was found, every backend of the spec has a
 * ready status entry, and every session of the spec has its scheduler ensured; counts must match so that a
 * backend or session added to the spec keeps the phase NotReady until the operator has processed it.
 */
export function backupConfigurationPhase(
  spec: BackupConfigurationSpecInput | undefined,
  status: BackupConfigurationStatusInput | undefined,
): BackupConfigurationPhase {
  if (isConditionFalse(status?.conditions, BackupConfigurationCondition.ValidationPassed)) {
    return BackupConfigurationPhase.Invalid;
  }
  const backends = status?.backends ?? [];
  const sessions = status?.sessions ?? [];
  const ready =
    status?.targetFound === true &&
    backends.length === (spec?.backends?.length ?? 0) &&
    backends.every((b) => b.ready === true) &&
    sessions.length === (spec?.sessions?.length ?? 0) &&
    sessions.every((s) =>
      isConditionTrue(s.conditions, BackupConfigurationSessionCondition.SchedulerEnsured),
    );
  return ready ? BackupConfigurationPhase.Ready : BackupConfigurationPhase.NotReady;
}
