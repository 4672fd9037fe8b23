// Which Snapshots a finishing BackupSession's retention deletes, per repository of its session (pure).
// Each repository's policy is the RetentionPolicy of the backend the repository is stored on
// (`spec.backends[].retentionPolicy` of the BackupConfiguration); the rules themselves are
// src/api/retention.ts. Snapshots are judged per repository and session (the reference's recommendation),
// so a policy never reaches the Snapshots another session took into the same repository.
//
// Idempotent: Snapshots already being deleted are no longer candidates, and applying a policy to the
// Snapshots it kept keeps them all, so running the plan again after a restart deletes nothing more.
import { RetentionPolicyApplyPhase } from '../../api/backupsession-phase.ts';
import type { RetentionPolicySpec } from '../../api/kinds/retentionpolicy.ts';
import { applyRetention, describeDecision, retentionCandidate } from '../../api/retention.ts';
import type { Snapshot } from '../../api/kinds/snapshot.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { ConfigurationObject, SessionSpec, SessionStatus } from './plan.ts';

/** One entry of `status.retentionPolicy[]`. */
export interface RetentionEntry {
  ref?: { name: string; namespace: string };
  repository: string;
  phase: RetentionPolicyApplyPhase;
  error?: string;
}

export interface RetentionPolicyObject extends KubeObject {
  spec?: RetentionPolicySpec;
}

/** What a Snapshot of the namespace offers retention. */
export type RetentionSnapshot = KubeObject & {
  spec?: { repository?: string; session?: string; deletionPolicy?: string };
  status?: { phase?: string; snapshotTime?: string };
};

/** The retention of one repository: the policy, what it deletes and why, or why it cannot be applied. */
export interface RepositoryRetention {
  repository: string;
  ref?: { name: string; namespace: string };
  /** Names of the Snapshots to delete (with deletionPolicy WipeOut), oldest decisions first. */
  toDelete: string[];
  /** A sentence per Snapshot judged, deletions first, for the Event. */
  decisions: string[];
  /** Set when the policy cannot be applied at all (nothing is deleted then). */
  error?: string;
}

export interface RetentionPlanInput {
  namespace: string;
  configuration: ConfigurationObject;
  spec: SessionSpec;
  /** Every Snapshot of the namespace (read fresh: the finishing run's own may be newer than the cache). */
  snapshots: readonly RetentionSnapshot[];
  policy: (name: string, namespace: string) => RetentionPolicyObject | undefined;
  /** The entries already written (a repository whose retention is Applied is not applied again). */
  previous?: SessionStatus['retentionPolicy'];
  now: Date;
}

type Backend = { name?: string; retentionPolicy?: { name?: string; namespace?: string } };

/** The backend a session repository is stored on: the one it names, else the configuration's first. */
function backendOf(configuration: ConfigurationObject, backend: string | undefined): Backend | undefined {
  const backends = (configuration.spec?.backends ?? []) as Backend[];
  return backend === undefined ? backends[0] : backends.find((b) => b.name === backend);
}

/** The retention of each repository of the session, in the session's order. */
export function retentionPlan(i: RetentionPlanInput): RepositoryRetention[] {
  const bc = `BackupConfiguration ${i.namespace}/${i.configuration.metadata?.name ?? ''}`;
  const out: RepositoryRetention[] = [];
  for (const r of i.spec.repositories ?? []) {
    const done = i.previous?.find((e) => e.repository === r.name);
    if (done?.phase === RetentionPolicyApplyPhase.Applied) continue;
    const backend = backendOf(i.configuration, r.backend);
    const named = backend?.retentionPolicy?.name;
    if (!backend || !named) {
      out.push({
        repository: r.name,
        toDelete: [],
        decisions: [],
        error: `${bc} has no retentionPolicy for backend ${r.backend ?? '(first)'} of repository ${r.name}: set spec.backends[].retentionPolicy`,
      });
      continue;
    }
    const ref = { name: named, namespace: backend.retentionPolicy?.namespace ?? i.namespace };
    const policy = i.policy(ref.name, ref.namespace);
    if (!policy) {
      out.push({
        repository: r.name,
        ref,
        toDelete: [],
        decisions: [],
        error: `RetentionPolicy ${ref.namespace}/${ref.name} of backend ${backend.name ?? ''} (${bc}) does not exist: create it or name another in spec.backends[].retentionPolicy`,
      });
      continue;
    }
    const candidates = i.snapshots
      .filter(
        (s) =>
          s.metadata?.namespace === i.namespace &&
          s.spec?.repository === r.name &&
          s.spec?.session === i.spec.name &&
          !s.metadata?.deletionTimestamp,
      )
      .map((s) => retentionCandidate(s as Snapshot));
    try {
      const result = applyRetention(policy.spec ?? {}, candidates, i.now);
      out.push({
        repository: r.name,
        ref,
        toDelete: result.toDelete,
        // Deletions first: an Event's note is cut at the API's limit, and they matter most.
        decisions: [
          ...result.decisions.filter((d) => !d.keep),
          ...result.decisions.filter((d) => d.keep),
        ].map(describeDecision),
      });
    } catch (err) {
      out.push({
        repository: r.name,
        ref,
        toDelete: [],
        decisions: [],
        error: `RetentionPolicy ${ref.namespace}/${ref.name} cannot be applied to Repository ${i.namespace}/${r.name}: ${err instanceof Error ? err.message : String(err)}`,
      });
    }
  }
  return out;
}

/**
 * The status entries: the previous Applied ones kept, then one per repository planned, Applied unless its
 * plan or one of its deletions (`failures`, by repository) failed.
 */
export function retentionEntries(
  previous: SessionStatus['retentionPolicy'],
  plans: readonly RepositoryRetention[],
  failures: ReadonlyMap<string, string>,
): RetentionEntry[] {
  const planned = new Set(plans.map((p) => p.repository));
  const kept = (previous ?? []).filter((e) => !planned.has(e.repository ?? '')) as RetentionEntry[];
  return [
    ...kept,
    ...plans.map((p): RetentionEntry => {
      const error = p.error ?? failures.get(p.repository);
      return {
        ...(p.ref ? { ref: p.ref } : {}),
        repository: p.repository,
        phase:
          error === undefined ? RetentionPolicyApplyPhase.Applied : RetentionPolicyApplyPhase.FailedToApply,
        ...(error !== undefined ? { error } : {}),
      };
    }),
  ];
}
