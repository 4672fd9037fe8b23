// The BackupConfiguration reconciler: reads the configuration and what it depends on from the shared
// informer caches, plans (plan.ts), then writes: the Repositories, each session's trigger RBAC and CronJob
// (server-side apply as cairn-operator), the deletion of the CronJobs of removed sessions, the status once
// (conditional on the resourceVersion read), and last the first backup of a configuration that just became
// Ready. The status write comes before that trigger, so a conflict or a restart never triggers twice.
import type { Addon } from '../../api/kinds/addon.ts';
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { BackupStorage } from '../../api/kinds/backupstorage.ts';
import type { FunctionObject } from '../../api/kinds/function.ts';
import type { Repository } from '../../api/kinds/repository.ts';
import type { RetentionPolicy } from '../../api/kinds/retentionpolicy.ts';
import {
  BackupConfigurationReason,
  BackupConfigurationSessionCondition,
} from '../../api/backupconfiguration-phase.ts';
import { ConditionStatus, setCondition } from '../../api/conditions.ts';
import { backupTriggerCronJobName } from '../../api/names.ts';
import { K8S, KUBESTASH, type ResourceType } from '../../api/resource-type.ts';
import { deepEqual, holds, q } from '../../common/json.ts';
import { errorText } from '../../common/redact.ts';
import { LogMessage, type Log } from '../../common/log.ts';
import { Controller } from '../../controller/controller.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { Informers } from '../../controller/informers.ts';
import { keyOf, objectKey, parseKey } from '../../controller/keys.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import type { Reconciler, ReconcileResult } from '../../controller/reconciler.ts';
import { isConflict } from '../../kube/errors.ts';
import type { Informer } from '../../kube/informer.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { initialTriggerJob } from './children.ts';
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { hasCleanupFinalizer, repositoriesToDelete } from './deletion.ts';
import { planBackupConfiguration, type Plan } from './plan.ts';
import { TargetFinder } from './target.ts';

export const FIELD_MANAGER = 'cairn-operator';
/** The CronJobs Cairn made for BackupConfigurations (the only ones this controller watches). */
export const TRIGGER_SELECTOR =
  'app.kubernetes.io/managed-by=kubestash.com,kubestash.com/invoker-kind=BackupConfiguration';

type Obj<T> = T & KubeObject;

export interface BackupConfigurationSources {
  configurations: Informer<Obj<BackupConfiguration>>;
  storages: Informer<Obj<BackupStorage>>;
  policies: Informer<Obj<RetentionPolicy>>;
  repositories: Informer<Obj<Repository>>;
  addons: Informer<Obj<Addon>>;
  functions: Informer<Obj<FunctionObject>>;
  namespaces: Informer<KubeObject>;
  cronJobs: Informer<KubeObject>;
}

export function backupConfigurationSources(informers: Informers): BackupConfigurationSources {
  return {
    configurations: informers.informer({ resource: KUBESTASH.backupConfigurations }),
    storages: informers.informer({ resource: KUBESTASH.backupStorages }),
    policies: informers.informer({ resource: KUBESTASH.retentionPolicies }),
    repositories: informers.informer({ resource: KUBESTASH.repositories }),
    addons: informers.informer({ resource: KUBESTASH.addons }),
    functions: informers.informer({ resource: KUBESTASH.functions }),
    namespaces: informers.informer({ resource: K8S.namespaces }),
    cronJobs: informers.informer({ resource: K8S.cronJobs, labelSelector: TRIGGER_SELECTOR }),
  };
}

export interface BackupConfigurationOptions {
  client: KubeClient;
  sources: BackupConfigurationSources;
  image: string;
  log: Log;
  now?: () => Date;
}

export class BackupConfigurationReconciler implements Reconciler {
  readonly #o: BackupConfigurationOptions;
  readonly #targets: TargetFinder;

  constructor(o: BackupConfigurationOptions) {
    this.#o = o;
    this.#targets = new TargetFinder(o.client, o.sources.namespaces);
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const { client, sources: src } = this.#o;
    const { namespace = '', name } = parseKey(key);
    const bc = src.configurations.get(name, namespace);
    if (!bc) return;
    if (bc.metadata.deletionTimestamp) return this.#delete(bc, signal);
    if (!hasCleanupFinalizer(bc)) {
      // The finalizer first: its update brings the key back for the rest.
      await this.#setFinalizers(bc, [...(bc.metadata.finalizers ?? []), CLEANUP_FINALIZER], signal);
      return;
    }
    const now = this.#o.now?.() ?? new Date();
    const nsObj = src.namespaces.get(namespace);
    const plan = planBackupConfiguration({
      bc,
      lookups: {
        namespace: nsObj ? { name: namespace, labels: nsObj.metadata?.labels ?? {} } : undefined,
        storage: (ns, n) => src.storages.get(n, ns),
        retentionPolicy: (ns, n) => src.policies.get(n, ns),
        addon: (n) => src.addons.get(n),
        fn: (n) => src.functions.get(n),
        repository: (n) => src.repositories.get(n, namespace),
      },
      target: await this.#targets.find(bc, signal),
      ownedCronJobs: src.cronJobs
        .list(namespace)
        .filter((c) => c.metadata?.ownerReferences?.some((r) => r.controller && r.uid === bc.metadata.uid))
        .map((c) => c.metadata?.name ?? ''),
      image: this.#o.image,
      now,
    });

    const applied = await this.#writeChildren(plan, namespace, signal);
    if (!deepEqual(bc.status ?? {}, plan.status)) {
      await client.patchStatus(KUBESTASH.backupConfigurations, name, namespace, plan.status, {
        resourceVersion: bc.metadata.resourceVersion,
        signal,
      });
      await this.#events(bc, plan);
    }
    for (const session of plan.initialTriggers) await this.#trigger(bc, plan, session, applied, signal);
    return requeue(plan, now);
  }

  /**
   * Deletion: the Repositories whose repository's deletionPolicy is not Retain are deleted, then the
   * finalizer is removed; the CronJobs and their RBAC go with the configuration (owner references).
   */
  async #delete(bc: Obj<BackupConfiguration>, signal: AbortSignal): Promise<void> {
    if (!hasCleanupFinalizer(bc)) return;
    const namespace = bc.metadata.namespace;
    const names = repositoriesToDelete(bc, (n) => this.#o.sources.repositories.get(n, namespace));
    for (const name of names)
      await this.#o.client.delete(KUBESTASH.repositories, name, { namespace, signal });
    const rest = (bc.metadata.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER);
    await this.#setFinalizers(bc, rest, signal);
  }

  /** Replaces the finalizers, conditional on the resourceVersion read (a stale read fails with 409). */
  async #setFinalizers(
    bc: Obj<BackupConfiguration>,
    finalizers: string[],
    signal: AbortSignal,
  ): Promise<void> {
    // A resourceVersion in a merge patch is a precondition: a stale read fails with 409 and is retried.
    await this.#o.client.patch(
      KUBESTASH.backupConfigurations,
      bc.metadata.name ?? '',
      { metadata: { resourceVersion: bc.metadata.resourceVersion, finalizers } },
      { type: 'merge', namespace: bc.metadata.namespace, signal },
    );
  }

  /** Applies Repositories, RBAC and CronJobs; deletes stale triggers. Returns the applied CronJobs by session. */
  async #writeChildren(plan: Plan, namespace: string, signal: AbortSignal): Promise<Map<string, KubeObject>> {
    const { client } = this.#o;
    const apply = <T extends KubeObject>(r: ResourceType, obj: T) =>
      client.apply<T>(r, obj, { fieldManager: FIELD_MANAGER, force: true, signal });
    // A Repository the cache shows as already applied is not sent again: every reconcile would otherwise
    // push each one through admission for nothing.
    for (const repo of plan.repositories) {
      const live = this.#o.sources.repositories.get(repo.metadata?.name ?? '', namespace);
      if (live && holds(live, { metadata: repo.metadata, spec: repo.spec })) continue;
      await apply(KUBESTASH.repositories, repo);
    }
    const cronJobs = new Map<string, KubeObject>();
    for (const s of plan.schedulers) {
      // Its identity is applied before the CronJob, so a CronJob the cache already shows as wanted had
      // them applied too (their content changes with the CronJob's, e.g. the image of a new version).
      const live = this.#o.sources.cronJobs.get(s.cronJob.metadata?.name ?? '', namespace);
      if (live && holds(live, { metadata: s.cronJob.metadata, spec: s.cronJob.spec })) {
        cronJobs.set(s.session, live);
        continue;
      }
      const [sa, role, binding] = s.rbac;
      if (sa) await apply(K8S.serviceAccounts, sa);
      if (role) await apply(K8S.roles, role);
      if (binding) await apply(K8S.roleBindings, binding);
      cronJobs.set(s.session, await apply(K8S.cronJobs, s.cronJob));
    }
    for (const name of plan.staleCronJobs) {
      for (const r of [K8S.cronJobs, K8S.roleBindings, K8S.roles, K8S.serviceAccounts]) {
        await client.delete(r, name, { namespace, signal });
      }
    }
    return cronJobs;
  }

  /** The first backup of a session: a Job from its trigger CronJob; a failure is put back in status. */
  async #trigger(
    bc: Obj<BackupConfiguration>,
    plan: Plan,
    session: string,
    cronJobs: Map<string, KubeObject>,
    signal: AbortSignal,
  ): Promise<void> {
    const { client, log } = this.#o;
    const cronJob = cronJobs.get(session);
    try {
      if (!cronJob)
        throw new Error(
          `CronJob ${backupTriggerCronJobName(bc.metadata.name ?? '', session)} was not written`,
        );
      await client.create(K8S.jobs, initialTriggerJob(cronJob), { namespace: bc.metadata.namespace, signal });
    } catch (err) {
      if (isConflict(err) || (err as { statusCode?: number }).statusCode === 409) return; // already triggered
      const message = `The first backup of session ${q(session)} could not be triggered (${errorText(err)}): it is retried`;
      log.warn(LogMessage.reconcileFailed, {
        kind: 'BackupConfiguration',
        key: objectKey(bc),
        reason: BackupConfigurationReason.FailedToTriggerInitialBackup,
        err: errorText(err),
      });
      const sessions = (plan.status.sessions ?? []).map((s) =>
        s.name !== session
          ? s
          : {
              ...s,
              conditions: setCondition(
                s.conditions,
                {
                  type: BackupConfigurationSessionCondition.InitialBackupTriggered,
                  status: ConditionStatus.False,
                  reason: BackupConfigurationReason.FailedToTriggerInitialBackup,
                  message,
                },
                () => new Date(),
              ),
            },
      );
      await client.patchStatus(
        KUBESTASH.backupConfigurations,
        bc.metadata.name ?? '',
        bc.metadata.namespace,
        {
          sessions,
        },
      );
      await recordEvent(client, {
        regarding: bc,
        type: EventType.Warning,
        reason: BackupConfigurationReason.FailedToTriggerInitialBackup,
        action: 'TriggerInitialBackup',
        note: message,
      });
    }
  }

  /** A Warning Event for each problem the old status did not mention yet. */
  async #events(bc: Obj<BackupConfiguration>, plan: Plan): Promise<void> {
    const before = JSON.stringify(bc.status ?? {});
    for (const note of plan.problems) {
      if (before.includes(JSON.stringify(note).slice(1, -1))) continue;
      await recordEvent(this.#o.client, {
        regarding: bc,
        type: EventType.Warning,
        reason: 'BackupConfigurationNotReady',
        action: 'Reconcile',
        note,
      });
    }
  }
}

/** Runs again when the next schedule shown in status has passed, so that it stays current. */
function requeue(plan: Plan, now: Date): ReconcileResult | void {
  const times = (plan.status.sessions ?? [])
    .map((s) => (s.nextSchedule ? Date.parse(s.nextSchedule) - now.getTime() : NaN))
    .filter((ms) => Number.isFinite(ms) && ms > 0);
  if (times.length === 0) return;
  return { requeueAfterMs: Math.min(...times) + 1000 };
}

/** The keys of the configurations that refer to `pred`, among those of `namespace` (all when undefined). */
function referrers(
  src: BackupConfigurationSources,
  namespace: string | undefined,
  pred: (bc: BackupConfiguration) => boolean,
): string[] {
  return src.configurations
    .list(namespace)
    .filter(pred)
    .map((bc) => keyOf({ namespace: bc.metadata.namespace, name: bc.metadata.name ?? '' }));
}

function refersTo(
  bc: BackupConfiguration,
  obj: KubeObject,
  field: 'storageRef' | 'retentionPolicy',
): boolean {
  return (bc.spec.backends ?? []).some((b) => {
    const ref = b[field];
    return (
      ref?.name === obj.metadata?.name &&
      (ref?.namespace || bc.metadata.namespace) === obj.metadata?.namespace
    );
  });
}

export function backupConfigurationController(
  o: BackupConfigurationOptions,
  metrics?: ControllerMetrics,
): Controller {
  const src = o.sources;
  return new Controller({
    kind: 'BackupConfiguration',
    reconciler: new BackupConfigurationReconciler(o),
    // A reconcile is mostly waiting on API round trips (server-side applies of its children): four keys
    // at once (never one key twice) keep a burst of new configurations from queueing behind each other.
    concurrency: 4,
    primary: src.configurations,
    owns: [
      {
        source: src.cronJobs,
        owner: { group: KUBESTASH.backupConfigurations.group, kind: 'BackupConfiguration', namespaced: true },
      },
    ],
    watches: [
      { source: src.storages, keys: (s) => referrers(src, undefined, (bc) => refersTo(bc, s, 'storageRef')) },
      {
        source: src.policies,
        keys: (p) => referrers(src, undefined, (bc) => refersTo(bc, p, 'retentionPolicy')),
      },
      {
        source: src.repositories,
        keys: (r) =>
          referrers(src, r.metadata?.namespace, (bc) =>
            bc.spec.sessions.some((s) => s.repositories.some((x) => x.name === r.metadata?.name)),
          ),
      },
      {
        source: src.addons,
        keys: (a) =>
          referrers(src, undefined, (bc) => bc.spec.sessions.some((s) => s.addon.name === a.metadata?.name)),
      },
      { source: src.functions, keys: () => referrers(src, undefined, () => true) },
      {
        // Its labels decide Selector usage policies; it may also be the target of configurations elsewhere.
        source: src.namespaces,
        keys: (n) => [
          ...referrers(src, n.metadata?.name ?? '', () => true),
          ...referrers(
            src,
            undefined,
            (bc) => bc.spec.target?.kind === 'Namespace' && bc.spec.target.name === n.metadata?.name,
          ),
        ],
      },
    ],
    log: o.log,
    metrics,
  });
}

/** The controller from the operator's shared dependencies (the registry's factory shape). */
export function makeBackupConfigurationController(deps: {
  client: KubeClient;
  informers: Informers;
  log: Log;
  metrics?: ControllerMetrics;
  image: string;
}): Controller {
  return backupConfigurationController(
    {
      client: deps.client,
      sources: backupConfigurationSources(deps.informers),
      image: deps.image,
      log: deps.log,
    },
    deps.metrics,
  );
}
