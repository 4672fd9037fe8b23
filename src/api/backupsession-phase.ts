// BackupSession status vocabulary and its phase rule.
import { hasCondition, isConditionFalse, isConditionTrue } from './conditions.ts';
import type { Condition } from './conditions.ts';
import { SnapshotPhase } from './snapshot-phase.ts';

export const BackupSessionPhase = {
  Pending: 'Pending',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Skipped: 'Skipped',
} as const;
export type BackupSessionPhase = (typeof BackupSessionPhase)[keyof typeof BackupSessionPhase];

export const BackupSessionCondition = {
  BackupSkipped: 'BackupSkipped',
  SessionHistoryCleaned: 'SessionHistoryCleaned',
  PreBackupHooksExecutionSucceeded: 'PreBackupHooksExecutionSucceeded',
  PostBackupHooksExecutionSucceeded: 'PostBackupHooksExecutionSucceeded',
  BackupExecutorEnsured: 'BackupExecutorEnsured',
  RetentionPolicyExecutorEnsured: 'RetentionPolicyExecutorEnsured',
  SnapshotsEnsured: 'SnapshotsEnsured',
  SnapshotCleanupIncomplete: 'SnapshotCleanupIncomplete',
  PodHasBeenInPendingStateForLongerThanExpected: 'PodHasBeenInPendingStateForLongerThanExpected',
  /** The final step of a session: its presence means every other step has run. */
  MetricsPushed: 'MetricsPushed',
} as const;

export const BackupSessionReason = {
  PreRequisitesNotSatisfied: 'PreRequisitesNotSatisfied',
  SuccessfullyCleanedSessionHistory: 'SuccessfullyCleanedSessionHistory',
  FailedToCleanSessionHistory: 'FailedToCleanSessionHistory',
  SuccessfullyExecutedPreBackupHooks: 'SuccessfullyExecutedPreBackupHooks',
  FailedToExecutePreBackupHooks: 'FailedToExecutePreBackupHooks',
  SuccessfullyExecutedPostBackupHooks: 'SuccessfullyExecutedPostBackupHooks',
  FailedToExecutePostBackupHooks: 'FailedToExecutePostBackupHooks',
  SuccessfullyEnsuredBackupExecutor: 'SuccessfullyEnsuredBackupExecutor',
  FailedToEnsureBackupExecutor: 'FailedToEnsureBackupExecutor',
  SuccessfullyEnsuredRetentionPolicyExecutor: 'SuccessfullyEnsuredRetentionPolicyExecutor',
  FailedToEnsureRetentionPolicyExecutor: 'FailedToEnsureRetentionPolicyExecutor',
  SuccessfullyEnsuredSnapshots: 'SuccessfullyEnsuredSnapshots',
  FailedToEnsureSnapshots: 'FailedToEnsureSnapshots',
  SnapshotCleanupTerminatedBeforeCompletion: 'SnapshotCleanupTerminatedBeforeCompletion',
  SuccessfullyPushedMetrics: 'SuccessfullyPushedMetrics',
  FailedToPushMetrics: 'FailedToPushMetrics',
} as const;

/** `status.retentionPolicy[].phase`. */
export const RetentionPolicyApplyPhase = {
  Pending: 'Pending',
  Applied: 'Applied',
  FailedToApply: 'FailedToApply',
} as const;
export type RetentionPolicyApplyPhase =
  (typeof RetentionPolicyApplyPhase)[keyof typeof RetentionPolicyApplyPhase];

export interface BackupSessionStatusInput {
  conditions?: readonly Condition[];
  snapshots?: readonly { phase?: string }[];
  /** JSON key `retentionPolicy`. */
  retentionPolicy?: readonly { phase?: string }[];
}

/** Succeeded, Failed and Skipped are final: a session in one of them never runs again. */
export function isBackupSessionCompleted(phase: string | undefined): boolean {
  return (
    phase === BackupSessionPhase.Succeeded ||
    phase === BackupSessionPhase.Failed ||
    phase === BackupSessionPhase.Skipped
  );
}

/**
 * The phase the session's snapshots alone imply: Pending while none exist or all are Pending, Running until
 * every one has finished, then Failed if any failed and Succeeded otherwise.
 */
export function backupSessionSnapshotsPhase(
  status: BackupSessionStatusInput | undefined,
): BackupSessionPhase {
  const snapshots = status?.snapshots ?? [];
  if (snapshots.every((s) => s.phase === SnapshotPhase.Pending)) return BackupSessionPhase.Pending;
  const failed = snapshots.filter((s) => s.phase === SnapshotPhase.Failed).length;
  const succeeded = snapshots.filter((s) => s.phase === SnapshotPhase.Succeeded).length;
  if (failed + succeeded !== snapshots.length) return BackupSessionPhase.Running;
  return failed > 0 ? BackupSessionPhase.Failed : BackupSessionPhase.Succeeded;
}

/**
 * The BackupSession phase. Step failures are judged only once the final step (MetricsPushed) has run, so
 * the post-backup work still happens and is recorded before the session reads Failed; a failure to push
 * metrics fails it at once. A completed result from the snapshots likewise waits for the final step.
 */
export function backupSessionPhase(status: BackupSessionStatusInput | undefined): BackupSessionPhase {
  const conditions = status?.conditions;
  const C = BackupSessionCondition;
  if (isConditionFalse(conditions, C.MetricsPushed)) return BackupSessionPhase.Failed;
  if (isConditionTrue(conditions, C.BackupSkipped)) return BackupSessionPhase.Skipped;

  const stepFailed =
    isConditionFalse(conditions, C.BackupExecutorEnsured) ||
    isConditionFalse(conditions, C.SnapshotsEnsured) ||
    isConditionFalse(conditions, C.PreBackupHooksExecutionSucceeded) ||
    isConditionFalse(conditions, C.PostBackupHooksExecutionSucceeded) ||
    (status?.retentionPolicy ?? []).some((r) => r.phase === RetentionPolicyApplyPhase.FailedToApply) ||
    isConditionFalse(conditions, C.SessionHistoryCleaned) ||
    isConditionTrue(conditions, C.SnapshotCleanupIncomplete);
  if (isConditionTrue(conditions, C.MetricsPushed) && stepFailed) return BackupSessionPhase.Failed;

  const fromSnapshots = backupSessionSnapshotsPhase(status);
  if (fromSnapshots === BackupSessionPhase.Pending || hasCondition(conditions, C.MetricsPushed)) {
    return fromSnapshots;
  }
  return BackupSessionPhase.Running;
}
