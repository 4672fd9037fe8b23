// The pure decisions of a RestoreSession besides its data source (data-source.ts): whether its spec can run,
// its deadline, when its components are final, its steps, and the status it writes. No I/O: the reconciler
// reads the caches, asks these functions, and writes what they return.
import { ConditionStatus, setCondition, type Condition } from '../../api/conditions.ts';
import { LATEST_SNAPSHOT } from '../../api/kinds/restoresession.ts';
import {
  RestoreSessionCondition as C,
  RestoreSessionPhase,
  RestoreSessionReason as R,
  restoreSessionPhase,
} from '../../api/restoresession-phase.ts';
import type { KubeObject } from '../../kube/types.ts';
import { formatGoDuration, parseGoDuration } from '../backupsession/plan.ts';

/** A typed object reference as the RestoreSession writes it (target, pausedBackups). */
export interface TypedRef {
  apiGroup?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

export interface TaskRef {
  name: string;
  params?: Record<string, unknown>;
  variables?: { name: string; value?: string; valueFrom?: unknown }[];
  addonVolumes?: { name: string; source?: Record<string, unknown> }[];
}

export interface RestoreAddonInfo {
  name?: string;
  tasks?: TaskRef[];
  containerRuntimeSettings?: Record<string, unknown>;
  jobTemplate?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: Record<string, unknown> & { serviceAccountName?: string };
  };
}

export interface ComponentStatus {
  phase?: string;
  duration?: string;
  error?: string;
}

export interface Dependency {
  apiGroup?: string;
  kind?: string;
  namespace?: string;
  name: string;
  found?: boolean;
}

export interface RestoreStatus {
  phase?: string;
  targetFound?: boolean;
  duration?: string;
  restoreDeadline?: string;
  totalComponents?: number;
  components?: Record<string, ComponentStatus>;
  dependencies?: Dependency[];
  pausedBackups?: TypedRef[];
  conditions?: Condition[];
}

export interface RestoreSessionObject extends KubeObject {
  spec?: {
    target?: TypedRef;
    dataSource?: {
      namespace?: string;
      repository?: string;
      snapshot?: string;
      pitr?: unknown;
      components?: string[];
      encryptionSecret?: { name: string; namespace?: string };
    };
    addon?: RestoreAddonInfo;
    hooks?: { preRestore?: unknown[]; postRestore?: unknown[] };
    restoreTimeout?: string;
  };
  status?: RestoreStatus;
}

export interface SnapshotObj extends KubeObject {
  spec?: { repository?: string };
  status?: {
    phase?: string;
    snapshotTime?: string;
    totalComponents?: number;
    components?: Record<string, unknown>;
  };
}

export interface RepositoryObj extends KubeObject {
  spec?: {
    storageRef?: { name: string; namespace?: string };
    encryptionSecret?: { name: string; namespace?: string };
  };
}

/** A condition of a session without its transition time, as the plans state them. */
export type Step = Omit<Condition, 'lastTransitionTime'>;

/** Reason of RestoreIncomplete when restoreTimeout passes before the components reported (Cairn's own). */
export const RESTORE_DEADLINE_EXCEEDED = 'RestoreDeadlineExceeded';

export function isRestoreCompleted(phase: string | undefined): boolean {
  return (
    phase === RestoreSessionPhase.Succeeded ||
    phase === RestoreSessionPhase.Failed ||
    phase === RestoreSessionPhase.Unknown
  );
}

/**
 * Why the spec cannot run, naming the field and the fix; undefined when it can. The CRD's rules catch the
 * data-source mistakes at admission, but CRDs of other origins may not carry them, so they are checked
 * again; what Cairn does not do (point-in-time recovery, restore hooks) is refused rather than ignored.
 */
export function invalidReason(rs: RestoreSessionObject): string | undefined {
  const ds = rs.spec?.dataSource;
  if (!ds) return 'spec.dataSource is required: name the repository and the snapshot (or latest) to restore';
  if (ds.pitr !== undefined) {
    return 'spec.dataSource.pitr is not supported by Cairn (manifest restores have no point in time): name a Snapshot in spec.dataSource.snapshot instead';
  }
  if (!ds.snapshot) {
    return 'spec.dataSource.snapshot is required: name a Snapshot, or use snapshot: latest with spec.dataSource.repository';
  }
  if (ds.snapshot === LATEST_SNAPSHOT && !ds.repository) {
    return 'spec.dataSource.repository is required when spec.dataSource.snapshot is latest: name the Repository whose latest Snapshot to restore';
  }
  const addon = rs.spec?.addon;
  if (!addon?.name) {
    return 'spec.addon.name is required: name the Addon that restores, e.g. kubedump-addon';
  }
  if (!addon.tasks?.length) {
    return 'spec.addon.tasks must name at least one restore task of the Addon, e.g. {name: manifest-restore}';
  }
  if ((rs.spec?.hooks?.preRestore?.length ?? 0) + (rs.spec?.hooks?.postRestore?.length ?? 0) > 0) {
    return 'spec.hooks are not run by Cairn for a RestoreSession yet: remove them, and run the steps before or after the restore yourself';
  }
  if (rs.spec?.restoreTimeout !== undefined && parseGoDuration(rs.spec.restoreTimeout) === undefined) {
    return `spec.restoreTimeout ${JSON.stringify(rs.spec.restoreTimeout)} is not a duration: write e.g. 30m or 1h30m`;
  }
  return undefined;
}

/** `creationTimestamp + restoreTimeout` (RFC 3339, seconds), or undefined without a timeout. */
export function restoreDeadline(rs: RestoreSessionObject): string | undefined {
  const created = Date.parse(rs.metadata?.creationTimestamp ?? '');
  const timeout = parseGoDuration(rs.spec?.restoreTimeout);
  if (Number.isNaN(created) || timeout === undefined) return undefined;
  return new Date(created + timeout).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Whether every expected component reported a final phase (Succeeded, Failed or Unknown). */
export function componentsFinished(status: RestoreStatus | undefined): boolean {
  const comps = Object.values(status?.components ?? {});
  const final = new Set<string>([
    RestoreSessionPhase.Succeeded,
    RestoreSessionPhase.Failed,
    RestoreSessionPhase.Unknown,
  ]);
  const done = comps.filter((c) => final.has(c.phase ?? '')).length;
  return done > 0 && done >= Math.max(status?.totalComponents ?? 1, comps.length);
}

export function validationStep(why: string | undefined): Step {
  return why === undefined
    ? {
        type: C.ValidationPassed,
        status: ConditionStatus.True,
        reason: R.ResourceValidationPassed,
        message: 'The RestoreSession passed validation.',
      }
    : {
        type: C.ValidationPassed,
        status: ConditionStatus.False,
        reason: R.ResourceValidationFailed,
        message: why,
      };
}

export function executorStep(ok: boolean, message: string): Step {
  return {
    type: C.RestoreExecutorEnsured,
    status: ok ? ConditionStatus.True : ConditionStatus.False,
    reason: ok ? R.SuccessfullyEnsuredRestoreExecutor : R.FailedToEnsureRestoreExecutor,
    message,
  };
}

export function targetStep(found: boolean, message: string): Step {
  return {
    type: C.RestoreTargetFound,
    status: found ? ConditionStatus.True : ConditionStatus.False,
    reason: found ? 'TargetAvailable' : R.UnableToCheckTargetAvailability,
    message,
  };
}

/** RestoreIncomplete=True: the executor ended (or the deadline passed) before the components reported. */
export function incompleteStep(
  message: string,
  reason: string = R.RestoreExecutorTerminatedBeforeCompletion,
): Step {
  return { type: C.RestoreIncomplete, status: ConditionStatus.True, reason, message };
}

/** The sentence every incomplete restore ends with: how to finish the work. */
export const FINISH_HINT =
  'create a new RestoreSession for the same Snapshot to finish the work: the restore skips the objects that already exist';

export interface RestoreState {
  rs: RestoreSessionObject;
  /** The session's status as read (the freshest: the Job writes components into it). */
  status: RestoreStatus | undefined;
  steps: readonly Step[];
  deadline?: string;
  dependencies?: Dependency[];
  totalComponents?: number;
  targetFound?: boolean;
  pausedBackups?: TypedRef[];
  /** The restore has ended: write the final step (MetricsPushed) and the duration. */
  finished: boolean;
  now: Date;
}

/**
 * The next status: the steps' conditions over the previous ones, what was resolved, the components as the
 * Job reported them; once finished, the final step and the duration; and the phase derived from all of it.
 */
export function nextRestoreStatus(s: RestoreState): RestoreStatus {
  const now = (): Date => s.now;
  const previous = s.status ?? {};
  let conditions = previous.conditions ?? [];
  for (const step of s.steps) conditions = setCondition(conditions, step, now);
  const status: RestoreStatus = {
    ...previous,
    ...(s.deadline ? { restoreDeadline: s.deadline } : {}),
    ...(s.dependencies ? { dependencies: s.dependencies } : {}),
    ...(s.totalComponents !== undefined ? { totalComponents: s.totalComponents } : {}),
    ...(s.targetFound !== undefined ? { targetFound: s.targetFound } : {}),
    ...(s.pausedBackups?.length ? { pausedBackups: s.pausedBackups } : {}),
    conditions,
  };
  if (s.finished) {
    status.conditions = setCondition(
      conditions,
      {
        type: C.MetricsPushed,
        status: ConditionStatus.True,
        reason: 'NoMetricsToPush',
        message:
          'The final step of the restore: Cairn pushes no session metrics (no Pushgateway is configured).',
      },
      now,
    );
    const created = Date.parse(s.rs.metadata?.creationTimestamp ?? '');
    if (!Number.isNaN(created)) status.duration = formatGoDuration(s.now.getTime() - created);
  }
  status.phase = restoreSessionPhase(status);
  return status;
}
