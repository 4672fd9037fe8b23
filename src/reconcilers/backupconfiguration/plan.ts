// The decision of one BackupConfiguration reconcile: from the configuration and what it depends on (read
// from caches), the Repositories, trigger CronJobs and their RBAC to write, the CronJobs of removed sessions
// to delete, the sessions whose first backup is due, and the new status with its phase. Pure.
import {
  BackupConfigurationCondition,
  BackupConfigurationReason,
  BackupConfigurationSessionCondition,
  backupConfigurationPhase,
  BackupConfigurationPhase,
} from '../../api/backupconfiguration-phase.ts';
import { ConditionStatus, isConditionTrue, setCondition, type Condition } from '../../api/conditions.ts';
import { nextAfter } from '../../api/cron.ts';
import type { BackupConfiguration, BackupConfigurationStatus } from '../../api/kinds/backupconfiguration.ts';
import { backupTriggerCronJobName } from '../../api/names.ts';
import { repositoryPhase } from '../../api/repository-phase.ts';
import { ADDONS_GROUP } from '../../api/kinds/meta.ts';
import type { KubeObject } from '../../kube/types.ts';
import { q } from '../../common/json.ts';
import { repositoryObject, triggerCronJob, triggerRbac } from './children.ts';
import {
  addonProblems,
  backendOf,
  refIn,
  repositoryConflict,
  resolveBackend,
  type BackendState,
  type Lookups,
} from './resolve.ts';

/** Cairn's own conditions on the configuration, beside KubeStash's ValidationPassed. */
export const CairnCondition = {
  TargetFound: 'TargetFound',
  BackendsReady: 'BackendsReady',
  DependenciesFound: 'DependenciesFound',
} as const;

export interface TargetState {
  found: boolean;
  /** Why it was not found, and the fix. */
  reason?: string;
}

export interface PlanInput {
  bc: BackupConfiguration;
  lookups: Lookups;
  target: TargetState;
  /** Names of the trigger CronJobs that exist and are controlled by this configuration. */
  ownedCronJobs: readonly string[];
  image: string;
  now: Date;
}

export interface Plan {
  status: BackupConfigurationStatus;
  /** Repositories to apply (created or brought back to the spec). */
  repositories: KubeObject[];
  /** Per session to schedule: its CronJob and the ServiceAccount, Role and RoleBinding it runs as. */
  schedulers: { session: string; cronJob: KubeObject; rbac: KubeObject[] }[];
  /** Trigger CronJobs (and their RBAC of the same name) of sessions no longer in the spec. */
  staleCronJobs: string[];
  /** Sessions whose first backup is triggered now (their InitialBackupTriggered is set True in status). */
  initialTriggers: string[];
  /** Every problem, for Warning Events; each names the object and the fix. */
  problems: string[];
}

/** A status condition update, timestamped by setCondition. */
function cond(type: string, ok: boolean, reason: string, message: string, generation?: number) {
  return {
    type,
    status: ok ? ConditionStatus.True : ConditionStatus.False,
    reason,
    message,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
}

export function planBackupConfiguration(input: PlanInput): Plan {
  const { bc, lookups: l, now } = input;
  const clock = () => now;
  const ns = bc.metadata.namespace ?? '';
  const generation = bc.metadata.generation;
  const old = bc.status ?? {};
  const problems: string[] = [];
  const invalid: string[] = [];

  // Backends.
  const backends = (bc.spec.backends ?? []).map((b) => resolveBackend(bc, b, l));
  const backendProblems = backends.flatMap((b) =>
    [b.storageReason, b.retentionPolicyReason].filter((x): x is string => x !== undefined),
  );
  if ((bc.spec.backends ?? []).length === 0) {
    backendProblems.push(
      'spec.backends is empty: add a backend {name, storageRef, retentionPolicy}, or mark a BackupStorage and a RetentionPolicy as default so that one is filled in',
    );
  }
  problems.push(...backendProblems);

  // Addons, per session.
  const addonIssues = new Map(bc.spec.sessions.map((s) => [s.name, addonProblems(s, l)]));
  const dependencyProblems = [...addonIssues.values()].flat();
  problems.push(...dependencyProblems);
  const addonNames = [...new Set(bc.spec.sessions.map((s) => s.addon.name))];
  const dependencies = addonNames.map((name) => ({
    apiGroup: ADDONS_GROUP,
    kind: 'Addon',
    name,
    found: l.addon(name) !== undefined,
  }));

  // Repositories: one per session repository, written once its backend's storage is usable.
  const repositories: KubeObject[] = [];
  const repoStatus: NonNullable<BackupConfigurationStatus['repositories']> = [];
  const sessionRepoOk = new Map<string, boolean>();
  for (const session of bc.spec.sessions) {
    let ok = true;
    for (const repo of session.repositories) {
      const { backend, problem } = backendOf(bc, repo);
      const state: BackendState | undefined = backend
        ? backends[(bc.spec.backends ?? []).indexOf(backend)]
        : undefined;
      const existing = l.repository(repo.name);
      const entry: (typeof repoStatus)[number] = {
        name: repo.name,
        phase: repositoryPhase(existing?.status),
        verificationConfigured: repo.backupVerifier !== undefined,
      };
      let reason = problem;
      if (!reason && backend) {
        const storageRef = refIn(backend.storageRef, ns);
        reason = repositoryConflict(existing, storageRef, repo.directory);
        if (reason) invalid.push(reason);
        else if (state?.storageReason) reason = `waiting for its storage: ${state.storageReason}`;
        else repositories.push(repositoryObject(bc, repo, storageRef));
      } else if (problem) invalid.push(problem);
      if (reason) {
        entry.reason = reason;
        ok = false;
      } else if (!existing) {
        entry.reason = `Repository ${q(`${ns}/${repo.name}`)} is being created`;
      }
      if (!repoStatus.some((r) => r.name === repo.name)) repoStatus.push(entry);
    }
    sessionRepoOk.set(session.name, ok);
  }
  problems.push(...invalid.filter((p) => !problems.includes(p)));

  // Conditions of the configuration.
  let conditions: Condition[] = old.conditions ?? [];
  conditions = setCondition(
    conditions,
    invalid.length === 0
      ? cond(
          BackupConfigurationCondition.ValidationPassed,
          true,
          BackupConfigurationReason.ResourceValidationPassed,
          'Validation has been passed successfully.',
          generation,
        )
      : cond(
          BackupConfigurationCondition.ValidationPassed,
          false,
          BackupConfigurationReason.ResourceValidationFailed,
          invalid.join('; '),
          generation,
        ),
    clock,
  );
  conditions = setCondition(
    conditions,
    input.target.found
      ? cond(CairnCondition.TargetFound, true, 'TargetFound', targetText(bc) + ' exists.', generation)
      : cond(
          CairnCondition.TargetFound,
          false,
          'TargetNotFound',
          input.target.reason ?? `${targetText(bc)} does not exist: create it, or correct spec.target`,
          generation,
        ),
    clock,
  );
  if (!input.target.found) problems.push(input.target.reason ?? `${targetText(bc)} does not exist`);
  conditions = setCondition(
    conditions,
    backendProblems.length === 0
      ? cond(CairnCondition.BackendsReady, true, 'BackendsReady', 'Every backend is ready.', generation)
      : cond(CairnCondition.BackendsReady, false, 'BackendNotReady', backendProblems.join('; '), generation),
    clock,
  );
  conditions = setCondition(
    conditions,
    dependencyProblems.length === 0
      ? cond(
          CairnCondition.DependenciesFound,
          true,
          'DependenciesFound',
          'Every Addon, task and Function exists.',
          generation,
        )
      : cond(
          CairnCondition.DependenciesFound,
          false,
          'DependencyNotFound',
          dependencyProblems.join('; '),
          generation,
        ),
    clock,
  );

  // Sessions: a scheduler once the session's backends, repositories and Addon are usable.
  const schedulers: Plan['schedulers'] = [];
  const sessions: NonNullable<BackupConfigurationStatus['sessions']> = [];
  for (const session of bc.spec.sessions) {
    const previous = old.sessions?.find((s) => s.name === session.name);
    let sc: Condition[] = previous?.conditions ?? [];
    const blockers = [
      ...(addonIssues.get(session.name) ?? []),
      ...(sessionRepoOk.get(session.name)
        ? []
        : [`a repository of session ${q(session.name)} is not usable (see status.repositories)`]),
    ];
    let nextSchedule: string | undefined;
    if (blockers.length === 0) {
      schedulers.push({
        session: session.name,
        cronJob: triggerCronJob(bc, session, input.image),
        rbac: triggerRbac(bc, session.name),
      });
      sc = setCondition(
        sc,
        cond(
          BackupConfigurationSessionCondition.SchedulerEnsured,
          true,
          BackupConfigurationReason.SchedulerEnsured,
          'Scheduler has been ensured successfully.',
        ),
        clock,
      );
      if (!bc.spec.paused) nextSchedule = nextRun(session.scheduler.schedule, now);
    } else {
      sc = setCondition(
        sc,
        cond(
          BackupConfigurationSessionCondition.SchedulerEnsured,
          false,
          BackupConfigurationReason.SchedulerNotEnsured,
          `CronJob ${q(backupTriggerCronJobName(bc.metadata.name ?? '', session.name))} is not written until this is fixed: ${blockers.join('; ')}`,
        ),
        clock,
      );
    }
    sessions.push({ name: session.name, conditions: sc, ...(nextSchedule ? { nextSchedule } : {}) });
  }

  const status: BackupConfigurationStatus = {
    targetFound: input.target.found,
    backends: backends.map(backendStatus),
    repositories: repoStatus,
    dependencies,
    sessions,
    conditions,
  };
  status.phase = backupConfigurationPhase(bc.spec, status);

  // The first backup of each session, once the configuration is Ready and not paused; remembered in status.
  const initialTriggers: string[] = [];
  if (status.phase === BackupConfigurationPhase.Ready && !bc.spec.paused) {
    for (const s of sessions) {
      // Absent: never triggered; False: the last attempt failed and is retried.
      if (isConditionTrue(s.conditions, BackupConfigurationSessionCondition.InitialBackupTriggered)) continue;
      initialTriggers.push(s.name ?? '');
      s.conditions = setCondition(
        s.conditions,
        cond(
          BackupConfigurationSessionCondition.InitialBackupTriggered,
          true,
          BackupConfigurationReason.SuccessfullyTriggeredInitialBackup,
          'The first backup was triggered when the configuration became Ready.',
        ),
        clock,
      );
    }
  }

  const wanted = new Set(
    bc.spec.sessions.map((s) => backupTriggerCronJobName(bc.metadata.name ?? '', s.name)),
  );
  return {
    status,
    repositories,
    schedulers,
    staleCronJobs: input.ownedCronJobs.filter((n) => !wanted.has(n)),
    initialTriggers,
    problems: [...new Set(problems)],
  };
}

function backendStatus(b: BackendState): NonNullable<BackupConfigurationStatus['backends']>[number] {
  return {
    name: b.name,
    ready: b.ready,
    storage: {
      ref: b.storageRef,
      phase: b.storagePhase,
      ...(b.storageReason ? { reason: b.storageReason } : {}),
    },
    retentionPolicy: {
      ...(b.retentionPolicyRef ? { ref: b.retentionPolicyRef } : {}),
      found: b.retentionPolicyFound,
      ...(b.retentionPolicyReason ? { reason: b.retentionPolicyReason } : {}),
    },
  };
}

function nextRun(schedule: string, now: Date): string | undefined {
  try {
    const next = nextAfter(schedule, now);
    return next ? next.toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  } catch {
    return undefined; // the admission webhook refuses such schedules; nothing to show
  }
}

/** The target as a sentence subject, e.g. `Namespace "demo"` or `the cluster`. */
export function targetText(bc: BackupConfiguration): string {
  const t = bc.spec.target;
  if (!t) return 'the cluster (no target)';
  const ns = t.namespace || bc.metadata.namespace;
  const kind = t.kind ?? 'object';
  return kind === 'Namespace' ? `Namespace ${q(t.name)}` : `${kind} ${q(`${ns ?? ''}/${t.name}`)}`;
}
