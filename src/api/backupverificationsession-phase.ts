// BackupVerificationSession status vocabulary and its phase rule.
import { isConditionFalse, isConditionTrue } from './conditions.ts';
import type { Condition } from './conditions.ts';

export const BackupVerificationSessionPhase = {
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Skipped: 'Skipped',
} as const;
export type BackupVerificationSessionPhase =
  (typeof BackupVerificationSessionPhase)[keyof typeof BackupVerificationSessionPhase];

export const BackupVerificationSessionCondition = {
  BackupVerificationSkipped: 'BackupVerificationSkipped',
  /** The final step of a verification: its presence means every other step has run. */
  VerificationSessionHistoryCleaned: 'VerificationSessionHistoryCleaned',
  VerificationExecutorEnsured: 'VerificationExecutorEnsured',
  RestoreSucceeded: 'RestoreSucceeded',
  BackupVerified: 'BackupVerified',
} as const;

export const BackupVerificationSessionReason = {
  SnapshotAlreadyVerified: 'SnapshotAlreadyVerified',
  SuccessfullyCleanedVerificationSessionHistory: 'SuccessfullyCleanedVerificationSessionHistory',
  FailedToCleanVerificationSessionHistory: 'FailedToCleanVerificationSessionHistory',
  SuccessfullyEnsuredVerificationExecutor: 'SuccessfullyEnsuredVerificationExecutor',
  FailedToEnsureVerificationExecutor: 'FailedToEnsureVerificationExecutor',
  SuccessfullyRestoredBackup: 'SuccessfullyRestoredBackup',
  FailedToRestoreBackup: 'FailedToRestoreBackup',
  SuccessfullyVerifiedBackup: 'SuccessfullyVerifiedBackup',
  FailedToVerifyBackup: 'FailedToVerifyBackup',
} as const;

export interface BackupVerificationSessionStatusInput {
  conditions?: readonly Condition[];
}

/**
 * The BackupVerificationSession phase. A verdict is given only after the final step (history cleanup)
 * succeeded; until then the session is Running. A failed cleanup fails it at once; an already verified
 * snapshot makes it Skipped.
 */
export function backupVerificationSessionPhase(
  status: BackupVerificationSessionStatusInput | undefined,
): BackupVerificationSessionPhase {
  const conditions = status?.conditions;
  const C = BackupVerificationSessionCondition;
  if (isConditionFalse(conditions, C.VerificationSessionHistoryCleaned)) {
    return BackupVerificationSessionPhase.Failed;
  }
  if (isConditionTrue(conditions, C.BackupVerificationSkipped)) return BackupVerificationSessionPhase.Skipped;
  if (!isConditionTrue(conditions, C.VerificationSessionHistoryCleaned)) {
    return BackupVerificationSessionPhase.Running;
  }
  if (isConditionFalse(conditions, C.RestoreSucceeded) || isConditionFalse(conditions, C.BackupVerified)) {
    return BackupVerificationSessionPhase.Failed;
  }
  return BackupVerificationSessionPhase.Succeeded;
}
