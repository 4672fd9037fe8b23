// Snapshot status vocabulary and its phase rule.
import { hasCondition, isConditionFalse, isConditionTrue } from './conditions.ts';
import type { Condition } from './conditions.ts';

export const SnapshotPhase = {
  Pending: 'Pending',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
} as const;
export type SnapshotPhase = (typeof SnapshotPhase)[keyof typeof SnapshotPhase];

/** A component reports the same four phases as its Snapshot. */
export const ComponentPhase = SnapshotPhase;
export type ComponentPhase = SnapshotPhase;

export const SnapshotVerificationStatus = {
  Verified: 'Verified',
  NotVerified: 'NotVerified',
  VerificationFailed: 'VerificationFailed',
} as const;
export type SnapshotVerificationStatus =
  (typeof SnapshotVerificationStatus)[keyof typeof SnapshotVerificationStatus];

export const SnapshotCondition = {
  SnapshotMetadataUploaded: 'SnapshotMetadataUploaded',
  RecentSnapshotListUpdated: 'RecentSnapshotListUpdated',
  BackupIncomplete: 'BackupIncomplete',
} as const;

export const SnapshotReason = {
  SuccessfullyUploadedSnapshotMetadata: 'SuccessfullyUploadedSnapshotMetadata',
  FailedToUploadSnapshotMetadata: 'FailedToUploadSnapshotMetadata',
  SuccessfullyUpdatedRecentSnapshotList: 'SuccessfullyUpdatedRecentSnapshotList',
  FailedToUpdateRecentSnapshotList: 'FailedToUpdateRecentSnapshotList',
  BackupExecutorTerminatedBeforeCompletion: 'BackupExecutorTerminatedBeforeCompletion',
} as const;

export interface SnapshotComponentInput {
  phase?: string;
}

export interface SnapshotStatusInput {
  conditions?: readonly Condition[];
  components?: Readonly<Record<string, SnapshotComponentInput>>;
  totalComponents?: number;
}

/**
 * The phase the components alone imply: Pending before any reports; Succeeded when every expected
 * component succeeded; Failed as soon as one failed (a failed component can never be made good by the rest).
 *
 * The expected count is `totalComponents`, but never fewer than the components actually reported, so a
 * Snapshot written without `totalComponents` (older objects, synced from a backend) still completes.
 */
export function snapshotComponentsPhase(status: SnapshotStatusInput | undefined): SnapshotPhase {
  const components = Object.values(status?.components ?? {});
  if (components.length === 0) return SnapshotPhase.Pending;
  const expected = Math.max(status?.totalComponents ?? 0, components.length);
  const succeeded = components.filter((c) => c.phase === ComponentPhase.Succeeded).length;
  const failed = components.filter((c) => c.phase === ComponentPhase.Failed).length;
  if (succeeded === expected) return SnapshotPhase.Succeeded;
  if (failed > 0) return SnapshotPhase.Failed;
  return SnapshotPhase.Running;
}

/**
 * The Snapshot phase. A completed result is reported only after the operator has tried to upload the
 * Snapshot metadata (the condition exists), so a Snapshot never reads Succeeded before its record is on
 * the backend; a metadata or recent-list failure, or an executor that died mid-backup, fails it outright.
 */
export function snapshotPhase(status: SnapshotStatusInput | undefined): SnapshotPhase {
  const conditions = status?.conditions;
  if (
    isConditionFalse(conditions, SnapshotCondition.SnapshotMetadataUploaded) ||
    isConditionFalse(conditions, SnapshotCondition.RecentSnapshotListUpdated) ||
    isConditionTrue(conditions, SnapshotCondition.BackupIncomplete)
  ) {
    return SnapshotPhase.Failed;
  }
  const fromComponents = snapshotComponentsPhase(status);
  if (fromComponents === SnapshotPhase.Pending) return SnapshotPhase.Pending;
  if (hasCondition(conditions, SnapshotCondition.SnapshotMetadataUploaded)) return fromComponents;
  return SnapshotPhase.Running;
}
