// The RestoreSession reconciler: validates the session, resolves its data source (`latest` to the newest
// Succeeded Snapshot of the repository) and waits, saying so, for a Snapshot, Repository, Addon or Function
// that does not exist yet; pauses the backups of its target; creates the restore Job from the Addon's restore
// task with its identity; follows the components the Job reports and the Job itself, so that a Job that ends
// or disappears before they are final leaves the session Failed (RestoreIncomplete) instead of running for
// ever; and ends the restore with its final step, duration and phase, resuming what it paused. Reads come
// from the shared caches; the status is written once per reconcile, conditional on the resourceVersion read.
import { isConditionTrue, findCondition } from '../../api/conditions.ts';
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import { RestoreSessionCondition as C } from '../../api/restoresession-phase.ts';
import { KUBESTASH, K8S } from '../../api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { isConflict } from '../../kube/errors.ts';
import { Controller } from '../../controller/controller.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import { parseKey } from '../../controller/keys.ts';
import type { Reconciler, ReconcileResult } from '../../controller/reconciler.ts';
import { ExecutorError, jobOutcome } from '../addon-job/task-job.ts';
import { targetText } from '../backupconfiguration/plan.ts';
import { TargetFinder } from '../backupconfiguration/target.ts';
import { dropReleaseFinalizer, pauseBackups, releaseBackups } from './backups.ts';
import { missingFunctions, restoreJob, restoreJobName, restoreServiceAccount } from './job.ts';
import { pausedBy } from './pause.ts';
import {
  dataSourceNamespace,
  resolveDataSource,
  resolvedSnapshotName,
  totalComponents,
} from './data-source.ts';
import {
  componentsFinished,
  executorStep,
  FINISH_HINT,
  incompleteStep,
  invalidReason,
  isRestoreCompleted,
  nextRestoreStatus,
  RESTORE_DEADLINE_EXCEEDED,
  restoreDeadline,
  targetStep,
  validationStep,
  type RestoreSessionObject,
  type RestoreState,
  type Step,
  type TypedRef,
} from './plan.ts';
import { foreignNamespaces, foreignRoleName, restoreRbac, type RestoreRbacInput } from './rbac.ts';
import { restoreSessionSources, type RestoreSessionDeps, type RestoreSessionSources } from './sources.ts';

export const FIELD_MANAGER = 'cairn-operator';

/** How often a session waiting for its Snapshot, Repository or Addon looks again (events come sooner). */
export const WAIT_RECHECK_MS = 30_000;

export interface RestoreSessionOptions {
  client: KubeClient;
  sources: RestoreSessionSources;
  image: string;
  now?: () => Date;
}

type Base = Omit<RestoreState, 'rs' | 'status' | 'steps' | 'finished' | 'now'>;

export class RestoreSessionReconciler implements Reconciler {
  readonly #o: RestoreSessionOptions;
  readonly #targets: TargetFinder;
  constructor(o: RestoreSessionOptions) {
    this.#o = o;
    this.#targets = new TargetFinder(o.client, o.sources.namespaces);
  }

  async reconcile(key: string, signal?: AbortSignal): Promise<ReconcileResult | void> {
    const { client, sources: src } = this.#o;
    const now = this.#o.now?.() ?? new Date();
    const { namespace = '', name } = parseKey(key);
    let rs = src.sessions.get(name, namespace);
    if (!rs) return;
    if (rs.metadata?.deletionTimestamp || isRestoreCompleted(rs.status?.phase)) {
      // A session deleted while its Job ran still has Roles in other namespaces; a finished one removed them.
      const release = rs.metadata?.deletionTimestamp ? { foreignRoles: this.#foreignRoles(rs) } : {};
      await releaseBackups(client, rs, src.configurations.list(), release);
      return;
    }
    const invalid = invalidReason(rs);
    if (invalid !== undefined) {
      if (findCondition(rs.status?.conditions, C.ValidationPassed)?.message !== invalid) {
        await this.#event(rs, EventType.Warning, 'RestoreInvalid', 'ValidateRestore', invalid);
      }
      await this.#write(rs, { steps: [validationStep(invalid)], finished: false }, now);
      await releaseBackups(client, rs, src.configurations.list());
      return;
    }
    const steps: Step[] = [validationStep(undefined)];
    const deadline = restoreDeadline(rs);
    const past = deadline !== undefined && now.getTime() >= Date.parse(deadline);
    let targetFound: boolean | undefined;
    if (rs.spec?.target) {
      const asBc = {
        metadata: { namespace },
        spec: { target: rs.spec.target },
      } as unknown as BackupConfiguration;
      const found = await this.#targets.find(asBc, signal);
      targetFound = found.found;
      steps.push(targetStep(found.found, found.found ? `${targetText(asBc)} exists` : (found.reason ?? '')));
    }

    const dsNs = dataSourceNamespace(rs);
    const addon = src.addons.get(rs.spec?.addon?.name ?? '');
    const jobName = restoreJobName(name);
    let job = src.jobs.get(jobName, namespace);
    const ensuredBefore = isConditionTrue(rs.status?.conditions, C.RestoreExecutorEnsured);
    const ds = resolveDataSource({
      rs,
      snapshots: src.snapshots.list(dsNs),
      repository: (n) => src.repositories.get(n, dsNs),
      addonFound: addon !== undefined,
      functionsMissing: missingFunctions(rs, addon, (f) => src.functions.get(f)),
      keepResolved: ensuredBefore || job !== undefined,
    });
    const snapshotName = ds.snapshot?.metadata?.name ?? resolvedSnapshotName(rs.status) ?? '';
    const base: Base = {
      ...(deadline ? { deadline } : {}),
      dependencies: ds.dependencies,
      totalComponents: totalComponents(rs, ds.snapshot),
      ...(targetFound !== undefined ? { targetFound } : {}),
      pausedBackups: mergeRefs(rs.status?.pausedBackups, pausedBy(rs, src.configurations.list())),
    };
    const sa = restoreServiceAccount(rs);
    const rbacInput: RestoreRbacInput = {
      rs,
      snapshot: snapshotName,
      repository: ds.repository,
      serviceAccount: sa.name,
      managed: sa.managed,
      storage: (n, s) => src.storages.get(s, n),
    };

    if (!job && !ensuredBefore) {
      const stop =
        ds.fail ?? (ds.wait && past ? `spec.restoreTimeout passed while waiting: ${ds.wait}` : undefined);
      if (stop !== undefined) {
        steps.push(executorStep(false, stop));
        return this.#finish(rs, { ...base, steps }, rbacInput, now);
      }
      if (ds.wait !== undefined) {
        const step = executorStep(false, `Waiting before the restore Job can be created: ${ds.wait}`);
        if (findCondition(rs.status?.conditions, C.RestoreExecutorEnsured)?.message !== step.message) {
          await this.#event(rs, EventType.Warning, 'RestoreWaiting', 'StartRestore', ds.wait);
        }
        await this.#write(rs, { ...base, steps: [...steps, step], finished: false }, now);
        const untilDeadline = deadline ? Date.parse(deadline) - now.getTime() + 1_000 : WAIT_RECHECK_MS;
        return { requeueAfterMs: Math.max(1_000, Math.min(WAIT_RECHECK_MS, untilDeadline)) };
      }
      // The cache may predate this session's own status write and the Job's deletion: a live read makes
      // sure no second Job is made for a restore whose Job was already ensured (and then deleted).
      const live = await client.get<RestoreSessionObject>(KUBESTASH.restoreSessions, name, namespace, signal);
      if (isConditionTrue(live.status?.conditions, C.RestoreExecutorEnsured)) {
        return { requeueAfterMs: 1_000 };
      }
      const paused = await pauseBackups(client, rs, src.configurations.list(), {
        foreignRoles: foreignNamespaces(rbacInput).length > 0,
      });
      rs = paused.rs;
      base.pausedBackups = mergeRefs(base.pausedBackups, paused.paused);
      try {
        job = await this.#createJob(
          rs,
          rbacInput,
          addon as NonNullable<typeof addon>,
          snapshotName,
          deadline,
          now,
        );
      } catch (err) {
        if (!(err instanceof ExecutorError)) throw err;
        steps.push(executorStep(false, err.message));
        return this.#finish(rs, { ...base, steps }, rbacInput, now);
      }
      await this.#event(
        rs,
        EventType.Normal,
        'RestoreStarted',
        'StartRestore',
        `Restore of Snapshot ${dsNs}/${snapshotName} started by Job ${namespace}/${jobName}`,
      );
    }
    const asWho = sa.managed
      ? ` It runs as ServiceAccount ${sa.name}, made by Cairn, which may only read the restore's own objects: name a ServiceAccount allowed to write what is restored in spec.addon.jobTemplate.spec.serviceAccountName.`
      : ` It runs as ServiceAccount ${sa.name}.`;
    steps.push(
      executorStep(true, `Restore Job ${namespace}/${jobName} has been ensured successfully.${asWho}`),
    );

    // The Job's end, or its disappearance, before the components are final ends the restore incomplete; the
    // session is read again first, since the Job writes the components just before it ends.
    job ??= await client.find<KubeObject>(K8S.jobs, jobName, namespace, signal);
    const outcome = jobOutcome(job);
    let status = rs.status;
    let incomplete: Step | undefined;
    if (!componentsFinished(status) && (outcome || !job || past)) {
      rs = await client.get<RestoreSessionObject>(KUBESTASH.restoreSessions, name, namespace, signal);
      status = rs.status;
      if (!componentsFinished(status)) {
        incomplete = !job
          ? incompleteStep(
              `Restore Job ${namespace}/${jobName} was deleted before the restore reported its components: ${FINISH_HINT}`,
            )
          : outcome
            ? incompleteStep(`${outcome.message}, before the restore reported its components: ${FINISH_HINT}`)
            : incompleteStep(
                `spec.restoreTimeout (${rs.spec?.restoreTimeout ?? ''}) passed at ${deadline ?? ''} before the restore reported its components: ${FINISH_HINT}`,
                RESTORE_DEADLINE_EXCEEDED,
              );
      }
    }
    if (incomplete) {
      steps.push(incomplete);
      return this.#finish(rs, { ...base, steps }, rbacInput, now);
    }
    if (componentsFinished(status)) return this.#finish(rs, { ...base, steps }, rbacInput, now);
    await this.#write(rs, { ...base, steps, finished: false }, now);
    if (deadline) return { requeueAfterMs: Math.max(1_000, Date.parse(deadline) - now.getTime() + 1_000) };
  }

  /**
   * The Roles the session's Job was given in other namespaces, named from what the cache holds now: the
   * Repository, its BackupStorage and the Secrets named in the session and the Repository.
   */
  #foreignRoles(rs: RestoreSessionObject): { namespaces: string[]; name: string } {
    const src = this.#o.sources;
    const dsNs = dataSourceNamespace(rs);
    const input: RestoreRbacInput = {
      rs,
      snapshot: resolvedSnapshotName(rs.status) || (rs.spec?.dataSource?.snapshot ?? ''),
      repository: src.repositories.get(rs.spec?.dataSource?.repository ?? '', dsNs),
      serviceAccount: '',
      managed: false,
      storage: (n, s) => src.storages.get(s, n),
    };
    return { namespaces: foreignNamespaces(input), name: foreignRoleName(rs) };
  }

  /** The Job's identity, then the Job; a Job left by an earlier run of this key is read instead. */
  async #createJob(
    rs: RestoreSessionObject,
    rbacInput: RestoreRbacInput,
    addon: Parameters<typeof restoreJob>[0]['addon'],
    snapshot: string,
    deadline: string | undefined,
    now: Date,
  ): Promise<KubeObject> {
    const { client, sources: src } = this.#o;
    const body = restoreJob({
      rs,
      addon,
      functions: (n) => src.functions.get(n),
      operatorImage: this.#o.image,
      serviceAccountName: rbacInput.serviceAccount,
      snapshot,
      repository: rbacInput.repository,
      storage: rbacInput.storage,
      ...(deadline ? { deadline } : {}),
      now,
    });
    for (const o of restoreRbac({ ...rbacInput, rs })) {
      await client.apply(o.resource, o.object, { fieldManager: FIELD_MANAGER, force: true });
    }
    const ns = rs.metadata?.namespace ?? '';
    try {
      return await client.create(K8S.jobs, body, { namespace: ns });
    } catch (err) {
      if (!isConflict(err)) throw err;
      return client.get(K8S.jobs, body.metadata?.name ?? '', ns);
    }
  }

  /**
   * Resumes what the session paused and removes its foreign Roles, then writes the final status (so a
   * finished restore never shows backups still paused), drops the finalizer, and says so.
   */
  async #finish(
    rs: RestoreSessionObject,
    state: Base & { steps: Step[] },
    rbacInput: RestoreRbacInput,
    now: Date,
  ): Promise<void> {
    const { client, sources: src } = this.#o;
    await releaseBackups(client, rs, src.configurations.list(), {
      foreignRoles: { namespaces: foreignNamespaces({ ...rbacInput, rs }), name: foreignRoleName(rs) },
      keepFinalizer: true,
    });
    const written = await this.#write(rs, { ...state, finished: true }, now);
    await dropReleaseFinalizer(client, written.rs);
    const status = written.status;
    const failed = status.phase !== 'Succeeded';
    const why =
      (status.conditions ?? []).find((c) => c.type === C.RestoreIncomplete && c.status === 'True')?.message ??
      (status.conditions ?? []).find((c) => c.status === 'False')?.message ??
      Object.entries(status.components ?? {}).find(([, c]) => c.error)?.[1].error;
    await this.#event(
      rs,
      failed ? EventType.Warning : EventType.Normal,
      failed ? 'RestoreFailed' : 'RestoreSucceeded',
      'FinishRestore',
      `Restore ended ${status.phase ?? ''} after ${status.duration ?? '?'}${failed && why ? `: ${why}` : ''}`,
    );
  }

  async #write(
    rs: RestoreSessionObject,
    state: Omit<RestoreState, 'rs' | 'status' | 'now'>,
    now: Date,
  ): Promise<{ rs: RestoreSessionObject; status: ReturnType<typeof nextRestoreStatus> }> {
    const status = nextRestoreStatus({ ...state, rs, status: rs.status, now });
    if (JSON.stringify(status) === JSON.stringify(rs.status ?? {})) return { rs, status };
    const written = await this.#o.client.patchStatus<RestoreSessionObject>(
      KUBESTASH.restoreSessions,
      rs.metadata?.name ?? '',
      rs.metadata?.namespace,
      status,
      { resourceVersion: rs.metadata?.resourceVersion },
    );
    return { rs: written, status };
  }

  async #event(rs: KubeObject, type: EventType, reason: string, action: string, note: string): Promise<void> {
    await recordEvent(this.#o.client, { regarding: rs, type, reason, action, note });
  }
}

/** `a` then the entries of `b` not in it: a record of every configuration the session paused. */
function mergeRefs(a: readonly TypedRef[] | undefined, b: readonly TypedRef[] | undefined): TypedRef[] {
  const out = [...(a ?? [])];
  for (const r of b ?? []) {
    if (!out.some((x) => x.namespace === r.namespace && x.name === r.name)) out.push(r);
  }
  return out;
}

/** Keys of the unfinished sessions that read objects of `namespace` (their data source's namespace). */
function sessionsReading(sources: RestoreSessionSources, namespace: string | undefined): string[] {
  return sources.sessions
    .list()
    .filter(
      (rs) =>
        !isRestoreCompleted(rs.status?.phase) &&
        (namespace === undefined || dataSourceNamespace(rs) === namespace),
    )
    .map((rs) => `${rs.metadata?.namespace ?? ''}/${rs.metadata?.name ?? ''}`);
}

export function restoreSessionController(deps: RestoreSessionDeps): Controller {
  const sources = restoreSessionSources(deps);
  const inNamespace = (o: KubeObject) => sessionsReading(sources, o.metadata?.namespace ?? '');
  const anywhere = () => sessionsReading(sources, undefined);
  return new Controller({
    kind: 'RestoreSession',
    reconciler: new RestoreSessionReconciler({ client: deps.client, sources, image: deps.image }),
    primary: sources.sessions,
    owns: [
      {
        source: sources.jobs,
        owner: { group: 'core.kubestash.com', kind: 'RestoreSession', namespaced: true },
      },
    ],
    watches: [
      { source: sources.snapshots, keys: inNamespace },
      { source: sources.repositories, keys: inNamespace },
      { source: sources.addons, keys: anywhere },
      { source: sources.functions, keys: anywhere },
    ],
    log: deps.log,
    metrics: deps.metrics,
  });
}

export { restoreSessionSources, type RestoreSessionDeps, type RestoreSessionSources };
