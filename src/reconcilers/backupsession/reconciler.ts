// The BackupSession reconciler: one run of a session of a BackupConfiguration. It skips the run when its
// prerequisites fail, otherwise takes one Snapshot per repository of the session, creates the backup Job
// from the session's Addon task and Function (with a least-privilege ServiceAccount unless the jobTemplate
// names one), follows the Snapshots and the Job, marks Snapshots the Job left unreported BackupIncomplete,
// and ends the run with its final step, duration and phase. Reads come from the shared caches; the status
// is written once per reconcile, conditional on the resourceVersion read.
import { KUBESTASH, K8S } from '../../api/resource-type.ts';
import {
  BackupSessionCondition,
  BackupSessionReason,
  isBackupSessionCompleted,
} from '../../api/backupsession-phase.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../kube/informer.ts';
import { apiMessage, isConflict } from '../../kube/errors.ts';
import { Controller } from '../../controller/controller.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import { parseKey } from '../../controller/keys.ts';
import type { Reconciler, ReconcileResult } from '../../controller/reconciler.ts';
import { ExecutorError, jobOutcome } from '../addon-job/task-job.ts';
import { backupJob, jobServiceAccount } from './job.ts';
import {
  backupDeadline,
  executorStep,
  hasStarted,
  incompleteSnapshotStatus,
  initialSnapshotStatus,
  nextSessionStatus,
  sessionSpec,
  skippedStep,
  skipReason,
  snapshotObject,
  snapshotsStep,
  type SessionObject,
  type SnapshotObject,
  type Step,
} from './plan.ts';
import { historyToDelete } from './history.ts';
import { applySessionRetention } from './retention.ts';
import { retryFailedRun } from './retry-run.ts';
import { backupSessionSources, type BackupSessionDeps, type BackupSessionSources } from './sources.ts';

export { backupSessionSources, type BackupSessionDeps, type BackupSessionSources };
import { sessionRbac } from './rbac.ts';

export const FIELD_MANAGER = 'cairn-operator';

/** How long a run waits for the Repositories its BackupConfiguration creates before it fails. */
export const REPOSITORY_WAIT_MS = 120_000;

export interface BackupSessionOptions {
  client: KubeClient;
  sources: BackupSessionSources;
  image: string;
  now?: () => Date;
}

export class BackupSessionReconciler implements Reconciler {
  readonly #o: BackupSessionOptions;
  constructor(o: BackupSessionOptions) {
    this.#o = o;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { client, sources: src } = this.#o;
    const now = this.#o.now?.() ?? new Date();
    const { namespace = '', name } = parseKey(key);
    const session = src.sessions.get(name, namespace);
    if (!session || session.metadata?.deletionTimestamp) return;
    if (isBackupSessionCompleted(session.status?.phase)) {
      const bc = src.configurations.get(session.spec?.invoker?.name ?? '', namespace);
      return retryFailedRun(client, session, bc, now);
    }
    const bcName = session.spec?.invoker?.name ?? '';
    const configuration = src.configurations.get(bcName, namespace);

    if (!hasStarted(session.status)) {
      const why = skipReason(session, configuration, src.sessions.list(namespace));
      if (why !== undefined) {
        await this.#writeStatus(session, {
          session,
          snapshots: [],
          steps: [skippedStep(why)],
          executorEnded: false,
          now,
        });
        await recordEvent(client, {
          regarding: session,
          type: EventType.Warning,
          reason: 'BackupSkipped',
          action: 'StartBackup',
          note: why,
        });
        return;
      }
    }
    // skipReason guarantees both while the run has not started; a started run may have lost them.
    const spec = sessionSpec(configuration, session.spec?.session);
    if (!configuration || !spec) {
      const why = `BackupConfiguration ${namespace}/${bcName} or its session ${session.spec?.session ?? ''} was removed while the run was in progress`;
      const steps = [executorStep(false, why)];
      await this.#failSnapshots(this.#snapshotsOf(session), why, now);
      await this.#writeStatus(session, {
        session,
        snapshots: this.#snapshotsOf(session),
        steps,
        executorEnded: true,
        now,
      });
      return;
    }
    const deadline = backupDeadline(session, spec);
    const steps: Step[] = [];
    if (!hasStarted(session.status)) {
      await recordEvent(client, {
        regarding: session,
        type: EventType.Normal,
        reason: 'BackupSessionStarted',
        action: 'StartBackup',
        note: `Backup of session ${spec.name} of BackupConfiguration ${namespace}/${bcName} started`,
      });
    }

    // Snapshots: one per repository, once the Repository exists (its BackupConfiguration creates it).
    const missingRepos: string[] = [];
    for (const r of spec.repositories ?? []) {
      const repository = src.repositories.get(r.name, namespace);
      if (!repository) {
        missingRepos.push(r.name);
        continue;
      }
      const wanted = snapshotObject(session, configuration, repository, now);
      if (src.snapshots.get(wanted.metadata?.name ?? '', namespace)) continue;
      await this.#createSnapshot(wanted, now);
    }
    const created = Date.parse(session.metadata?.creationTimestamp ?? '') || now.getTime();
    const waited = now.getTime() - created;
    if (missingRepos.length > 0) {
      const why = `Repository ${missingRepos.map((r) => `${namespace}/${r}`).join(', ')} of session ${spec.name} does not exist: BackupConfiguration ${namespace}/${bcName} creates it once its backends are ready (see its status.repositories)`;
      steps.push(snapshotsStep(false, why));
      if (waited < REPOSITORY_WAIT_MS) {
        await this.#writeStatus(session, {
          session,
          snapshots: this.#snapshotsOf(session),
          steps,
          deadline,
          executorEnded: false,
          now,
        });
        return { requeueAfterMs: 5_000 };
      }
      steps.push(executorStep(false, `No backup Job was created: ${why}`));
      await this.#failSnapshots(this.#snapshotsOf(session), `No backup Job ran: ${why}`, now);
      await this.#finish(session, steps, deadline, true, now, spec.sessionHistoryLimit);
      return;
    }
    steps.push(snapshotsStep(true, 'Snapshots have been ensured successfully.'));

    // The executor: the Job (and the identity it runs as).
    const jobName = session.metadata?.name ?? '';
    let job = src.jobs.get(jobName, namespace);
    if (!job) {
      const sa = jobServiceAccount(session, spec);
      try {
        const body = backupJob({
          session,
          configuration,
          spec,
          addon: src.addons.get(spec.addon ? ((spec.addon as { name?: string }).name ?? '') : ''),
          functions: (n) => src.functions.get(n),
          operatorImage: this.#o.image,
          serviceAccountName: sa.name,
          storage: (n, s) => src.storages.get(s, n),
          ...(deadline ? { deadline } : {}),
          now,
        });
        const rbac = sessionRbac({
          configuration,
          spec,
          serviceAccount: sa.name,
          managed: sa.managed,
          storage: (n, s) => src.storages.get(s, n),
        });
        for (const o of rbac)
          await client.apply(o.resource, o.object, { fieldManager: FIELD_MANAGER, force: true });
        job = await client.create(K8S.jobs, body, { namespace });
      } catch (err) {
        if (!(err instanceof ExecutorError)) throw err;
        steps.push(executorStep(false, err.message));
        await this.#failSnapshots(this.#snapshotsOf(session), `No backup Job ran: ${err.message}`, now);
        await this.#finish(session, steps, deadline, true, now, spec.sessionHistoryLimit);
        return;
      }
    }
    steps.push(executorStep(true, `Backup Job ${namespace}/${jobName} has been ensured successfully.`));

    const outcome = jobOutcome(job);
    if (outcome) {
      await this.#failSnapshots(
        this.#snapshotsOf(session),
        `The backup Job ended before the Snapshot's components were reported: ${outcome.message}`,
        now,
      );
    }
    await this.#finish(session, steps, deadline, outcome !== undefined, now, spec.sessionHistoryLimit);
    if (deadline && !outcome)
      return { requeueAfterMs: Math.max(1_000, Date.parse(deadline) - now.getTime() + 1_000) };
  }

  #snapshotsOf(session: SessionObject): SnapshotObject[] {
    const ns = session.metadata?.namespace ?? '';
    return this.#o.sources.snapshots
      .list(ns)
      .filter((s) => s.spec?.backupSession === session.metadata?.name)
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  }

  async #createSnapshot(wanted: SnapshotObject, now: Date): Promise<void> {
    const ns = wanted.metadata?.namespace ?? '';
    const name = wanted.metadata?.name ?? '';
    try {
      await this.#o.client.create(KUBESTASH.snapshots, wanted, { namespace: ns });
    } catch (err) {
      if (isConflict(err)) return; // created by an earlier run of this key; the cache will show it
      throw err;
    }
    // Unconditional: the Snapshot reconciler may already have written the same Pending phase.
    await this.#o.client.patchStatus(KUBESTASH.snapshots, name, ns, initialSnapshotStatus(now));
  }

  /** BackupIncomplete on every Snapshot of the run whose components have not all reported. */
  async #failSnapshots(snapshots: readonly SnapshotObject[], why: string, now: Date): Promise<void> {
    for (const s of snapshots) {
      const status = incompleteSnapshotStatus(s, why, now);
      if (!status) continue;
      await this.#o.client.patchStatus(
        KUBESTASH.snapshots,
        s.metadata?.name ?? '',
        s.metadata?.namespace,
        status,
        {
          resourceVersion: s.metadata?.resourceVersion,
        },
      );
    }
  }

  /** Writes the run's status, with the final step once the executor ended; an Event when the run ends. */
  async #finish(
    session: SessionObject,
    steps: Step[],
    deadline: string | undefined,
    ended: boolean,
    now: Date,
    historyLimit: number | undefined,
  ) {
    // The Snapshots just written are read fresh: the cache may not have them yet.
    const ns = session.metadata?.namespace ?? '';
    const fresh = await this.#o.client.list<SnapshotObject>(KUBESTASH.snapshots, { namespace: ns });
    const snapshots = fresh.items
      .filter((s) => s.spec?.backupSession === session.metadata?.name)
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
    const state: Parameters<typeof nextSessionStatus>[0] = {
      session,
      snapshots,
      steps,
      ...(deadline ? { deadline } : {}),
      executorEnded: ended,
      now,
    };
    if (isBackupSessionCompleted(nextSessionStatus(state).phase)) {
      const retention = await applySessionRetention(
        this.#o.client,
        this.#o.sources,
        session,
        fresh.items,
        now,
      );
      state.steps = [...steps, await this.#cleanHistory(session, historyLimit)];
      if (retention) state.retentionPolicy = retention;
    }
    const status = await this.#writeStatus(session, state);
    if (isBackupSessionCompleted(status.phase)) {
      const failed = status.phase !== 'Succeeded';
      const why = (status.conditions ?? []).find((c) => c.status === 'False')?.message;
      await recordEvent(this.#o.client, {
        regarding: session,
        type: failed ? EventType.Warning : EventType.Normal,
        reason: failed ? 'BackupSessionFailed' : 'BackupSessionSucceeded',
        action: 'FinishBackup',
        note: `Backup session ${ns}/${session.metadata?.name ?? ''} ended ${status.phase} after ${status.duration ?? '?'}${why ? `: ${why}` : ''}`,
      });
    }
  }

  /** Deletes the finished runs of the session beyond its history limit (their Jobs go with them). */
  async #cleanHistory(session: SessionObject, limit: number | undefined): Promise<Step> {
    const ns = session.metadata?.namespace ?? '';
    const names = historyToDelete(session, this.#o.sources.sessions.list(ns), limit);
    try {
      for (const name of names) {
        await this.#o.client.delete(KUBESTASH.backupSessions, name, {
          namespace: ns,
          propagationPolicy: 'Background',
        });
      }
    } catch (err) {
      return {
        type: BackupSessionCondition.SessionHistoryCleaned,
        status: 'False',
        reason: BackupSessionReason.FailedToCleanSessionHistory,
        message: `Deleting the BackupSessions beyond sessionHistoryLimit (${names.join(', ')}) failed: ${apiMessage(err)}; delete them by hand`,
      };
    }
    return {
      type: BackupSessionCondition.SessionHistoryCleaned,
      status: 'True',
      reason: BackupSessionReason.SuccessfullyCleanedSessionHistory,
      message: names.length ? `Deleted ${names.join(', ')}` : 'Nothing to delete',
    };
  }

  async #writeStatus(session: SessionObject, state: Parameters<typeof nextSessionStatus>[0]) {
    const status = nextSessionStatus(state);
    if (JSON.stringify(status) === JSON.stringify(session.status ?? {})) return status;
    await this.#o.client.patchStatus(
      KUBESTASH.backupSessions,
      session.metadata?.name ?? '',
      session.metadata?.namespace,
      status,
      {
        resourceVersion: session.metadata?.resourceVersion,
      },
    );
    return status;
  }
}

/** Keys of the not-yet-finished runs of a BackupConfiguration (its readiness decides whether they start). */
function runsOf(sessions: Informer<SessionObject>, bc: KubeObject): string[] {
  const ns = bc.metadata?.namespace ?? '';
  return sessions
    .list(ns)
    .filter((s) => s.spec?.invoker?.name === bc.metadata?.name && !isBackupSessionCompleted(s.status?.phase))
    .map((s) => `${ns}/${s.metadata?.name ?? ''}`);
}

export function backupSessionController(deps: BackupSessionDeps): Controller {
  const sources = backupSessionSources(deps);
  return new Controller({
    kind: 'BackupSession',
    reconciler: new BackupSessionReconciler({ client: deps.client, sources, image: deps.image }),
    primary: sources.sessions,
    owns: [
      {
        source: sources.jobs,
        owner: { group: 'core.kubestash.com', kind: 'BackupSession', namespaced: true },
      },
    ],
    watches: [
      {
        source: sources.snapshots,
        keys: (s: KubeObject) => {
          const run = (s as SnapshotObject).spec?.backupSession;
          return run ? [`${s.metadata?.namespace ?? ''}/${run}`] : [];
        },
      },
      { source: sources.configurations, keys: (bc) => runsOf(sources.sessions, bc) },
    ],
    log: deps.log,
    metrics: deps.metrics,
  });
}
