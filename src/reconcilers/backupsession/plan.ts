// The pure decisions of a BackupSession run: whether it is skipped, its deadline, the Snapshots it takes
// (one per repository of its session), which of them the executor left unreported, and the status it ends
// with. No I/O: the reconciler reads the caches, asks these functions, and writes what they return.
import { randomBytes } from 'node:crypto';
import type { AppRef } from '../../api/backup-names.ts';
import { backupSessionLabels, controllerReference, snapshotLabels } from '../../api/backup-names.ts';
import {
  BackupSessionCondition as C,
  BackupSessionPhase,
  BackupSessionReason as R,
  backupSessionPhase,
  isBackupSessionCompleted,
} from '../../api/backupsession-phase.ts';
import { ConditionStatus, setCondition, type Condition } from '../../api/conditions.ts';
import { snapshotName } from '../../api/names.ts';
import { apiVersionOf, KUBESTASH } from '../../api/resource-type.ts';
import {
  SnapshotCondition,
  SnapshotPhase,
  SnapshotReason,
  snapshotComponentsPhase,
  snapshotPhase,
} from '../../api/snapshot-phase.ts';
import type { KubeObject } from '../../kube/types.ts';

/** The parts of the objects a run reads (the cache's objects are wider; these are the fields used). */
export interface SessionObject extends KubeObject {
  spec?: {
    invoker?: { apiGroup?: string; kind?: string; name?: string };
    session?: string;
    backupTimeout?: string;
  };
  status?: SessionStatus;
}

export interface SessionStatus {
  phase?: string;
  duration?: string;
  backupDeadline?: string;
  totalSnapshots?: number;
  snapshots?: { name?: string; phase?: string; appRef?: AppRef; repository?: string }[];
  retentionPolicy?: {
    ref?: { name: string; namespace: string };
    repository?: string;
    phase?: string;
    error?: string;
  }[];
  conditions?: Condition[];
}

export interface RepositoryInfo {
  name: string;
  backend?: string;
  directory?: string;
  encryptionSecret?: { name: string; namespace?: string };
}

export interface SessionSpec {
  name: string;
  repositories?: RepositoryInfo[];
  backupTimeout?: string;
  sessionHistoryLimit?: number;
  scheduler?: { jobTemplate?: { backoffLimit?: number } };
  addon?: unknown;
}

export interface ConfigurationObject extends KubeObject {
  spec?: {
    target?: AppRef;
    paused?: boolean;
    backends?: {
      name?: string;
      storageRef?: { name: string; namespace?: string };
    }[];
    sessions?: SessionSpec[];
  };
  status?: { phase?: string };
}

export interface SnapshotObject extends KubeObject {
  spec?: { repository?: string; backupSession?: string; appRef?: AppRef };
  status?: {
    phase?: string;
    conditions?: Condition[];
    components?: Record<string, { phase?: string }>;
    totalComponents?: number;
  };
}

/** A condition of a session without its transition time, as the plans state them. */
export type Step = Omit<Condition, 'lastTransitionTime'>;

/** Whether the run has passed its start: then it is never skipped, whatever happens to the others. */
export function hasStarted(status: SessionStatus | undefined): boolean {
  const types = new Set((status?.conditions ?? []).map((c) => c.type));
  return types.has(C.SnapshotsEnsured) || types.has(C.BackupExecutorEnsured);
}

/**
 * Why the run must be skipped, or undefined when it may start: its BackupConfiguration is missing, paused,
 * not Ready, or lacks the session; or an earlier run of the same session has not finished. Only runs
 * created before this one (by time, then name) count, so two runs created together never skip each other.
 */
export function skipReason(
  session: SessionObject,
  configuration: ConfigurationObject | undefined,
  siblings: readonly SessionObject[],
): string | undefined {
  const ns = session.metadata?.namespace ?? '';
  const bcName = session.spec?.invoker?.name ?? '';
  const sessionName = session.spec?.session ?? '';
  if (!configuration) {
    return `BackupConfiguration ${ns}/${bcName} named by spec.invoker does not exist: create it, then create a new BackupSession`;
  }
  if (configuration.spec?.paused) {
    return `BackupConfiguration ${ns}/${bcName} is paused: set spec.paused to false to run its sessions`;
  }
  if (configuration.status?.phase !== 'Ready') {
    return `BackupConfiguration ${ns}/${bcName} is not Ready (phase ${configuration.status?.phase ?? 'unset'}): see its status.conditions, status.backends and status.sessions for what to fix`;
  }
  if (!sessionSpec(configuration, sessionName)) {
    return `BackupConfiguration ${ns}/${bcName} has no session ${sessionName} in spec.sessions: name one of its sessions in spec.session`;
  }
  const mine = orderOf(session);
  const running = siblings.find(
    (s) =>
      s.metadata?.name !== session.metadata?.name &&
      s.spec?.invoker?.name === bcName &&
      s.spec?.session === sessionName &&
      !isBackupSessionCompleted(s.status?.phase) &&
      (hasStarted(s.status) || orderOf(s) < mine),
  );
  if (running) {
    return `BackupSession ${ns}/${running.metadata?.name ?? ''} of session ${sessionName} is still running: only one run of a session runs at a time`;
  }
  return undefined;
}

function orderOf(s: SessionObject): string {
  return `${s.metadata?.creationTimestamp ?? ''}\u0000${s.metadata?.name ?? ''}`;
}

export function sessionSpec(
  configuration: ConfigurationObject | undefined,
  session: string | undefined,
): SessionSpec | undefined {
  return configuration?.spec?.sessions?.find((s) => s.name === session);
}

/** Milliseconds of a Go duration such as `1h30m`, `90s`, `1.5h`; undefined when it is not one. */
export function parseGoDuration(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1e3, m: 6e4, h: 3.6e6 };
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (unit[m[2] ?? ''] ?? 0);
    end = re.lastIndex;
  }
  return end === text.length && end > 0 ? total : text === '0' ? 0 : undefined;
}

/** A duration the way Go prints it, to the second: `32s`, `2m5s`, `1h0m3s`. */
export function formatGoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** `creationTimestamp + timeout` (the session's own spec.backupTimeout first), or undefined without one. */
export function backupDeadline(session: SessionObject, spec: SessionSpec | undefined): string | undefined {
  const created = Date.parse(session.metadata?.creationTimestamp ?? '');
  const timeout = parseGoDuration(session.spec?.backupTimeout ?? spec?.backupTimeout);
  if (Number.isNaN(created) || timeout === undefined) return undefined;
  return new Date(created + timeout).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A ULID: 48 bits of milliseconds then 80 random bits, Crockford base32, so IDs sort by time. */
export function ulid(now: Date, random: Uint8Array = randomBytes(10)): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = BigInt(now.getTime());
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = (alphabet[Number(time % 32n)] ?? '0') + out;
    time /= 32n;
  }
  let bits = 0n;
  for (const b of random.slice(0, 10)) bits = (bits << 8n) | BigInt(b);
  let tail = '';
  for (let i = 0; i < 16; i++) {
    tail = (alphabet[Number(bits % 32n)] ?? '0') + tail;
    bits /= 32n;
  }
  return out + tail;
}

/** The target a Snapshot records: the BackupConfiguration's, its namespace defaulted to the session's. */
export function snapshotAppRef(configuration: ConfigurationObject, namespace: string): AppRef | undefined {
  const t = configuration.spec?.target;
  if (!t) return undefined;
  return { ...t, namespace: t.namespace ?? namespace };
}

/**
 * The Snapshot of one repository for this run: named per the Snapshot rule, in the repository's namespace,
 * controlled by the Repository (so it outlives the BackupSession's history cleanup), labelled with the
 * repository and target. Its status is written after creation (create ignores status).
 */
export function snapshotObject(
  session: SessionObject,
  configuration: ConfigurationObject,
  repository: KubeObject,
  now: Date,
): SnapshotObject & { spec: Record<string, unknown> } {
  const ns = session.metadata?.namespace ?? '';
  const repo = repository.metadata?.name ?? '';
  const appRef = snapshotAppRef(configuration, ns);
  return {
    apiVersion: apiVersionOf(KUBESTASH.snapshots),
    kind: 'Snapshot',
    metadata: {
      name: snapshotName(repo, session.metadata?.name ?? ''),
      namespace: repository.metadata?.namespace ?? ns,
      labels: snapshotLabels(repo, appRef),
      ownerReferences: [
        controllerReference({
          apiVersion: repository.apiVersion ?? apiVersionOf(KUBESTASH.repositories),
          kind: 'Repository',
          metadata: repository.metadata ?? {},
        }),
      ],
    },
    spec: {
      snapshotID: ulid(now),
      type: 'FullBackup',
      repository: repo,
      session: session.spec?.session,
      backupSession: session.metadata?.name,
      version: 'v1',
      ...(appRef ? { appRef } : {}),
      deletionPolicy: 'Delete',
    },
  };
}

/** The first status of a new Snapshot: when it was taken and how many components the task reports (one). */
export function initialSnapshotStatus(now: Date): Record<string, unknown> {
  return {
    phase: SnapshotPhase.Pending,
    snapshotTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    totalComponents: 1,
  };
}

/** The labels of everything this run creates (its Job and pod). */
export function runLabels(session: SessionObject): Record<string, string> {
  return backupSessionLabels(
    { name: session.spec?.invoker?.name ?? '', namespace: session.metadata?.namespace ?? '' },
    session.spec?.session ?? '',
  );
}

/** Whether the snapshot's components have all reported (succeeded or failed). */
export function componentsReported(snapshot: SnapshotObject): boolean {
  const p = snapshotComponentsPhase(snapshot.status);
  return p === SnapshotPhase.Succeeded || p === SnapshotPhase.Failed;
}

/**
 * The status of a Snapshot whose executor ended (or never ran) before its components reported:
 * BackupIncomplete=True with `why`, and the phase that implies. Undefined when nothing changes.
 */
export function incompleteSnapshotStatus(
  snapshot: SnapshotObject,
  why: string,
  now: Date,
): { phase: string; conditions: Condition[] } | undefined {
  if (componentsReported(snapshot)) return undefined;
  const current = snapshot.status?.conditions;
  if (current?.some((c) => c.type === SnapshotCondition.BackupIncomplete && c.status === 'True')) {
    return undefined;
  }
  const conditions = setCondition(
    current,
    {
      type: SnapshotCondition.BackupIncomplete,
      status: ConditionStatus.True,
      reason: SnapshotReason.BackupExecutorTerminatedBeforeCompletion,
      message: why,
    },
    () => now,
  );
  return { phase: snapshotPhase({ ...snapshot.status, conditions }), conditions };
}

export function isSnapshotCompleted(phase: string | undefined): boolean {
  return phase === SnapshotPhase.Succeeded || phase === SnapshotPhase.Failed;
}

export interface RunState {
  session: SessionObject;
  /** The run's Snapshots by name (those that exist). */
  snapshots: readonly SnapshotObject[];
  /** The conditions of this reconcile's steps, in order. */
  steps: readonly Step[];
  deadline?: string;
  /** The executor has ended (its Job completed or failed, or it could not be made). */
  executorEnded: boolean;
  /** The retention applied as the run finishes (retention.ts), one entry per repository. */
  retentionPolicy?: SessionStatus['retentionPolicy'];
  now: Date;
}

/**
 * The run's next status: the steps' conditions; the Snapshots' phases; once the executor has ended and every
 * Snapshot is complete (or a step failed), the final step (MetricsPushed) and the duration; and the phase
 * derived from all of it.
 */
export function nextSessionStatus(s: RunState): SessionStatus {
  const now = (): Date => s.now;
  const previous = s.session.status ?? {};
  let conditions = previous.conditions ?? [];
  for (const step of s.steps) conditions = setCondition(conditions, step, now);
  const snapshots = s.snapshots.map((snap) => ({
    name: snap.metadata?.name,
    phase: snap.status?.phase ?? SnapshotPhase.Pending,
    ...(snap.spec?.appRef ? { appRef: snap.spec.appRef } : {}),
    repository: snap.spec?.repository,
  }));
  const status: SessionStatus = {
    ...previous,
    ...(s.deadline ? { backupDeadline: s.deadline } : {}),
    totalSnapshots: snapshots.length,
    snapshots,
    ...(s.retentionPolicy ? { retentionPolicy: s.retentionPolicy } : {}),
    conditions,
  };
  const failedStep = conditions.some(
    (c) => (c.type === C.SnapshotsEnsured || c.type === C.BackupExecutorEnsured) && c.status === 'False',
  );
  const allDone = snapshots.length > 0 && snapshots.every((x) => isSnapshotCompleted(x.phase));
  if (s.executorEnded && (allDone || failedStep)) {
    status.conditions = setCondition(
      conditions,
      {
        type: C.MetricsPushed,
        status: ConditionStatus.True,
        reason: 'NoMetricsToPush',
        message: 'The final step of the run: Cairn pushes no session metrics (no Pushgateway is configured).',
      },
      now,
    );
    const created = Date.parse(s.session.metadata?.creationTimestamp ?? '');
    if (!Number.isNaN(created)) status.duration = formatGoDuration(s.now.getTime() - created);
  }
  status.phase = backupSessionPhase(status);
  return status;
}

/** The condition that skips a run. */
export function skippedStep(message: string): Step {
  return {
    type: C.BackupSkipped,
    status: ConditionStatus.True,
    reason: R.PreRequisitesNotSatisfied,
    message,
  };
}

export function snapshotsStep(ok: boolean, message: string): Step {
  return {
    type: C.SnapshotsEnsured,
    status: ok ? ConditionStatus.True : ConditionStatus.False,
    reason: ok ? R.SuccessfullyEnsuredSnapshots : R.FailedToEnsureSnapshots,
    message,
  };
}

export function executorStep(ok: boolean, message: string): Step {
  return {
    type: C.BackupExecutorEnsured,
    status: ok ? ConditionStatus.True : ConditionStatus.False,
    reason: ok ? R.SuccessfullyEnsuredBackupExecutor : R.FailedToEnsureBackupExecutor,
    message,
  };
}

export { BackupSessionPhase, controllerReference };
