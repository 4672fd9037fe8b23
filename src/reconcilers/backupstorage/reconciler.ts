// The BackupStorage reconciler: keeps the cleanup finalizer on every BackupStorage, checks its credential
// Secret, initialises the backend (metadata.yaml at the prefix, written once and never overwritten, so a
// storage shared with another cluster keeps its history), and reports the Repositories that use it. A
// failing backend is retried with the work queue's backoff and recovers by itself; a changed Secret or
// Repository runs the key at once. Deletion never hangs on the backend: see ./deletion.ts.
import { cairnVersion } from '../../common/version.ts';
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { ConditionStatus, formatConditionTime, type Condition } from '../../api/conditions.ts';
import { K8S, KUBESTASH } from '../../api/resource-type.ts';
import type { Informer } from '../../kube/informer.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Log } from '../../common/log.ts';
import { Controller } from '../../controller/controller.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { Informers } from '../../controller/informers.ts';
import { secretReader, type SecretReader } from '../../controller/secret-reader.ts';
import { parseKey } from '../../controller/keys.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import type { Reconciler, ReconcileResult } from '../../controller/reconciler.ts';
import { metadataKey } from '../../storage/paths.ts';
import {
  isProblem,
  resolveSpec,
  secretNameOf,
  secretProblem,
  withBackend,
  type BackupStorageObject,
  type SecretObject,
} from './backend.ts';
import { finalizeDeletion } from './deletion.ts';
import { initLocalStorage, localVolumeProblem, wipeLocalStorage } from './local.ts';
import type { StorageJobDeps } from '../storage-job/ensure.ts';
import { servedKey } from '../storage-job/job.ts';
import { syncRepositories } from './sync.ts';
import { BackendResync, continueSync } from './resync.ts';
import { wipeObjectStore } from './wipe.ts';
import type { ResolvedStorage } from '../../storage/types.ts';
import {
  backendMetaYaml,
  initializedForGeneration,
  planStatus,
  statusChanged,
  storageKeyOf,
  transitions,
  usesStorage,
  type InitOutcome,
  type RepositoryObject,
} from './plan.ts';

export interface BackupStorageSources {
  storages: Informer<BackupStorageObject>;
  repositories: Informer<RepositoryObject>;
  /** Every Secret's metadata, and the data of those read (src/controller/secret-reader.ts). */
  secrets: SecretReader<SecretObject>;
  /** The Jobs that work on local storages' volumes (only the BackupStorage reconciler needs them). */
  jobs?: Informer<KubeObject>;
}

/** The shared informers this reconciler reads (cluster-wide). */
export function backupStorageSources(informers: Informers): BackupStorageSources {
  return {
    storages: informers.informer<BackupStorageObject>({ resource: KUBESTASH.backupStorages }),
    repositories: informers.informer<RepositoryObject>({ resource: KUBESTASH.repositories }),
    secrets: secretReader<SecretObject>(informers),
    jobs: informers.informer<KubeObject>({ resource: K8S.jobs }),
  };
}

export interface BackupStorageOptions {
  client: KubeClient;
  sources: BackupStorageSources;
  log: Log;
  /** Re-checks a Ready storage this often (default 5 min): a backend can break without any object changing. */
  resyncMs?: number;
  /** Waits this long before trying a backend again that refused on grounds a user must fix (default 1 min). */
  retryMs?: number;
  operatorVersion?: string;
  /** Cairn's image, for the Jobs that work on local storages' volumes. */
  image?: string;
  now?: () => Date;
}

/** Set once the backend's repositories were synced into this object's cluster (its value: when). */
export const SYNCED_ANNOTATION = 'storage.cairn.dev/repositories-synced';

/** An error the work queue retries with backoff, after the status already says what is wrong. */
class BackendUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendUnavailable';
  }
}

export class BackupStorageReconciler implements Reconciler {
  readonly #o: BackupStorageOptions;
  readonly #version: string;
  readonly #resync = new BackendResync();

  constructor(o: BackupStorageOptions) {
    this.#o = o;
    this.#version = o.operatorVersion ?? cairnVersion();
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const { namespace, name } = parseKey(key);
    const { sources, client } = this.#o;
    let bs = sources.storages.get(name, namespace);
    if (!bs) return;
    if (bs.metadata?.deletionTimestamp) {
      const doomed = bs;
      const jobs = this.#jobDeps();
      const local = isLocal(doomed);
      return finalizeDeletion(
        client,
        doomed,
        sources.repositories.list().filter((r) => usesStorage(r, doomed)),
        signal,
        local
          ? jobs && (() => wipeLocalStorage(jobs, doomed, signal))
          : async () => wipeObjectStore(doomed, await this.#secretOf(doomed)),
        local,
      );
    }
    const finalizers = bs.metadata?.finalizers ?? [];
    if (!finalizers.includes(CLEANUP_FINALIZER)) {
      bs = await client.patch<BackupStorageObject>(
        KUBESTASH.backupStorages,
        name,
        {
          metadata: {
            finalizers: [...finalizers, CLEANUP_FINALIZER],
            resourceVersion: bs.metadata?.resourceVersion,
          },
        },
        { type: 'merge', namespace, signal },
      );
    }
    const now = this.#o.now?.() ?? new Date();
    const resolved = resolveSpec(bs);
    let init: InitOutcome;
    let secretNamed = false;
    let sProblem;
    if (isProblem(resolved)) {
      init = { state: 'failed', problem: resolved };
    } else {
      const secretName = secretNameOf(resolved);
      secretNamed = secretName !== undefined;
      const secret = secretName ? await sources.secrets.read(secretName, namespace) : undefined;
      sProblem = secretProblem(bs, resolved, secret);
      if (sProblem) init = { state: 'failed', problem: sProblem };
      else if (resolved.provider === 'local') init = await this.#initLocal(bs, signal);
      else {
        const r = await withBackend(bs, resolved, secret, async (backend) => {
          const key = metadataKey(resolved);
          if (await backend.stat(key)) return false;
          await backend.put(key, backendMetaYaml(now, this.#version));
          return true;
        });
        init =
          'problem' in r ? { state: 'failed', problem: r.problem } : { state: 'initialized', wrote: r.value };
      }
    }
    if (
      init.state === 'initialized' &&
      !isProblem(resolved) &&
      resolved.provider !== 'local' &&
      !bs.metadata?.annotations?.[SYNCED_ANNOTATION]
    ) {
      // Claimed first, conditional on the resourceVersion read: a run on a stale cache fails here with 409
      // instead of syncing twice (and bringing back a Repository deleted in between).
      bs = await client.patch<BackupStorageObject>(
        KUBESTASH.backupStorages,
        name,
        {
          metadata: {
            annotations: { [SYNCED_ANNOTATION]: formatConditionTime(now) },
            resourceVersion: bs.metadata?.resourceVersion,
          },
        },
        { type: 'merge', namespace, signal },
      );
      if (!init.wrote) await this.#sync(bs, resolved, signal);
    }
    if (init.state === 'initialized' && !isProblem(resolved) && resolved.provider !== 'local') {
      // The continuing sync (./resync.ts): once per resyncMs, what the backend recorded since the last one.
      const [current, sn] = [bs, secretNameOf(resolved)];
      const secret = sn ? await sources.secrets.read(sn, namespace) : undefined;
      bs = await continueSync(this.#resync, {
        ...{ client, bs, storage: resolved, now, signal, intervalMs: this.#o.resyncMs ?? 300_000 },
        repositories: () => sources.repositories.list(),
        open: (fn) => withBackend(current, resolved, secret, fn),
        log: this.#o.log,
      });
    }
    const repos = sources.repositories.list().filter((r) => usesStorage(r, bs));
    const next = planStatus({ bs, secretNamed, secretProblem: sProblem, init, repos, now });
    if (statusChanged(bs.status, next)) {
      await client.patchStatus(KUBESTASH.backupStorages, name, namespace, next, {
        resourceVersion: bs.metadata?.resourceVersion,
        signal,
      });
      await this.#events(bs, bs.status?.conditions, next.conditions as Condition[]);
    }
    if (init.state === 'failed') {
      if (init.problem.retryable) throw new BackendUnavailable(init.problem.message);
      return { requeueAfterMs: this.#o.retryMs ?? 60_000 };
    }
    if (init.state === 'pending') return { requeueAfterMs: 5_000 };
    return { requeueAfterMs: this.#o.resyncMs ?? 300_000 };
  }

  /** The storage's credential Secret with its data (sources.secrets.read), when its spec names one. */
  async #secretOf(bs: BackupStorageObject): Promise<SecretObject | undefined> {
    const r = resolveSpec(bs);
    const name = isProblem(r) ? undefined : secretNameOf(r);
    return name ? this.#o.sources.secrets.read(name, bs.metadata?.namespace) : undefined;
  }

  /** What the storage Jobs need, when this reconciler was given a Job informer and an image. */
  #jobDeps(): StorageJobDeps | undefined {
    const { jobs } = this.#o.sources;
    if (!jobs || !this.#o.image) return undefined;
    return {
      client: this.#o.client,
      jobs,
      image: this.#o.image,
      retryMs: this.#o.retryMs ?? 60_000,
      ...(this.#o.now ? { now: this.#o.now } : {}),
    };
  }

  /**
   * A local storage: initialised once per generation by a Job that writes metadata.yaml on its volume (the
   * condition remembers it, since the finished Job is deleted after a while).
   */
  async #initLocal(bs: BackupStorageObject, signal: AbortSignal): Promise<InitOutcome> {
    const problem = localVolumeProblem(bs);
    if (problem) return { state: 'failed', problem };
    if (initializedForGeneration(bs)) return { state: 'initialized', wrote: false };
    const jobs = this.#jobDeps();
    if (!jobs) {
      return {
        state: 'pending',
        message: 'this operator runs without a Job informer or image, so it cannot start the Job',
      };
    }
    return initLocalStorage(jobs, bs, this.#version, signal);
  }

  /**
   * At the first initialisation of this object: when the backend already held metadata.yaml, creates the
   * Repositories its repository.yaml files describe (./sync.ts). Runs once (the caller has claimed it by
   * the annotation): what was created and what could not be is said in an Event.
   */
  async #sync(bs: BackupStorageObject, storage: ResolvedStorage, signal: AbortSignal): Promise<void> {
    const secretName = secretNameOf(storage);
    const secret = secretName
      ? await this.#o.sources.secrets.read(secretName, bs.metadata?.namespace)
      : undefined;
    const exists = (ns: string, n: string): boolean => this.#o.sources.repositories.get(n, ns) !== undefined;
    const r = await withBackend(bs, storage, secret, (backend) =>
      syncRepositories(this.#o.client, backend, storage, bs, exists, signal),
    );
    if ('problem' in r) {
      await recordEvent(this.#o.client, {
        regarding: bs,
        type: EventType.Warning,
        reason: 'RepositorySyncFailed',
        action: 'SyncRepositories',
        note: `Repositories were not synced from the backend: ${r.problem.message}`,
      });
      return;
    }
    const { created, failed } = r.value;
    if (created.length > 0 || failed.length > 0) {
      await recordEvent(this.#o.client, {
        regarding: bs,
        type: failed.length > 0 ? EventType.Warning : EventType.Normal,
        reason: 'RepositoriesSynced',
        action: 'SyncRepositories',
        note:
          `Repositories from the backend: ${created.length > 0 ? `created ${created.join(', ')}` : 'none created'}` +
          (failed.length > 0 ? `; not created: ${failed.join('; ')}` : ''),
      });
    }
  }

  /** One Event per condition that changed status or reason. */
  async #events(bs: BackupStorageObject, before: Condition[] | undefined, after: Condition[]): Promise<void> {
    for (const c of transitions(before, after)) {
      const bad = c.status !== ConditionStatus.True;
      await recordEvent(this.#o.client, {
        regarding: bs,
        type: bad ? EventType.Warning : EventType.Normal,
        reason: c.reason ?? c.type,
        action: 'InitializeBackend',
        note: c.message ?? c.type,
      });
    }
  }
}

function isLocal(bs: BackupStorageObject): boolean {
  const r = resolveSpec(bs);
  return !isProblem(r) && r.provider === 'local';
}

/** The BackupStorage controller: a storage runs on its own changes, its Secret's and its Repositories'. */
export function backupStorageController(o: BackupStorageOptions, metrics?: ControllerMetrics): Controller {
  const { storages } = o.sources;
  return new Controller({
    kind: 'BackupStorage',
    reconciler: new BackupStorageReconciler(o),
    primary: storages,
    watches: [
      {
        source: o.sources.repositories,
        keys: (repo) => {
          const k = storageKeyOf(repo as RepositoryObject);
          return k ? [k] : [];
        },
      },
      {
        source: o.sources.secrets.metadata,
        keys: (secret) => {
          const ns = secret.metadata?.namespace ?? '';
          return storages
            .list(ns)
            .filter((bs) => {
              const r = resolveSpec(bs);
              return !isProblem(r) && secretNameOf(r) === secret.metadata?.name;
            })
            .map((bs) => `${ns}/${bs.metadata?.name ?? ''}`);
        },
      },
      ...(o.sources.jobs
        ? [
            {
              source: o.sources.jobs,
              keys: (job: KubeObject) => {
                const k = servedKey(job, 'BackupStorage');
                return k ? [k] : [];
              },
            },
          ]
        : []),
    ],
    log: o.log,
    metrics,
  });
}

/** What the operator hands every backup-flow controller factory (structurally its ReconcilerDeps). */
export interface StorageControllerDeps {
  client: KubeClient;
  informers: Informers;
  log: Log;
  metrics: ControllerMetrics;
  /** Cairn's image, for the Jobs on local storages' volumes. */
  image?: string;
}

/** The factory the operator's registry lists. */
export function newBackupStorageController(deps: StorageControllerDeps): Controller {
  return backupStorageController(
    {
      client: deps.client,
      sources: backupStorageSources(deps.informers),
      log: deps.log,
      ...(deps.image ? { image: deps.image } : {}),
    },
    deps.metrics,
  );
}
