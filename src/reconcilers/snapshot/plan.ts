// The Snapshot's derived status (pure): its phase from its components and conditions, and its integrity
// and size from its components. The backup Job writes the components; the BackupSession reconciler writes
// BackupIncomplete; this plan only derives, so running it twice changes nothing.
import type { Condition } from '../../api/conditions.ts';
import { snapshotPhase } from '../../api/snapshot-phase.ts';
import { snapshotIntegrity, snapshotSize } from '../../api/snapshot-summary.ts';

export interface SnapshotStatusInput {
  phase?: string;
  size?: string;
  integrity?: boolean;
  conditions?: Condition[];
  totalComponents?: number;
  components?: Record<
    string,
    { phase?: string; integrity?: boolean; size?: string; resticStats?: unknown[] }
  >;
}

/** The fields to patch into the status, or undefined when the stored values are already the derived ones. */
export function derivedSnapshotStatus(
  status: SnapshotStatusInput | undefined,
): { phase: string; size?: string; integrity?: boolean } | undefined {
  const phase = snapshotPhase(status);
  const size = snapshotSize(status?.components);
  const integrity = snapshotIntegrity(status?.components);
  const patch: { phase: string; size?: string; integrity?: boolean } = { phase };
  if (size !== undefined) patch.size = size;
  if (integrity !== undefined) patch.integrity = integrity;
  const same =
    status?.phase === phase &&
    (size === undefined || status.size === size) &&
    (integrity === undefined || status.integrity === integrity);
  return same ? undefined : patch;
}
