// The Repository reconciler: makes sure repository.yaml is at the Repository's path in its BackupStorage's
// backend (written when missing or when the spec changed, so another cluster can recreate the object from
// the bucket), and keeps the status that its Snapshots decide: recent Snapshots, last backup time, count,
// size, integrity and component paths. Phase follows RepositoryInitialized (src/api/repository-phase.ts).
// A Snapshot change runs its Repository at once; so does a change of the storage or its Secret. Deletion
// follows spec.deletionPolicy through the cleanup finalizer (./deletion.ts).
import { BackupStorageCondition, BackupStoragePhase } from '../../api/backupstorage-phase.ts';
import { findCondition } from '../../api/conditions.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import type { RepositoryStatus } from '../../api/kinds/repository.ts';
import type { Informer } from '../../kube/informer.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Log } from '../../common/log.ts';
import { Controller } from '../../controller/controller.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { Informers } from '../../controller/informers.ts';
import type { SecretReader } from '../../controller/secret-reader.ts';
import { parseKey } from '../../controller/keys.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import type { Reconciler, ReconcileResult } from '../../controller/reconciler.ts';
import { StorageConfigError } from '../../storage/errors.ts';
import { repositoryKey } from '../../storage/paths.ts';
import {
  isProblem,
  objectName,
  resolveSpec,
  secretNameOf,
  withBackend,
  type BackupStorageObject,
  type SecretObject,
} from '../backupstorage/backend.ts';
import { usesStorage, type RepositoryObject } from '../backupstorage/plan.ts';
import { backupStorageSources } from '../backupstorage/reconciler.ts';
import { ensureStorageJob, storageJobRequeueMs, type StorageJobDeps } from '../storage-job/ensure.ts';
import { servedKey } from '../storage-job/job.ts';
import { reconcileRepositoryFinalizer } from './deletion.ts';
import {
  belongsTo,
  planRepositoryStatus,
  repositoryKeyOf,
  repositoryStatusChanged,
  repositoryYaml,
  statusPatch,
  type RepositoryInit,
  type SnapshotObject,
} from './plan.ts';

export interface RepositorySources {
  repositories: Informer<RepositoryObject>;
  snapshots: Informer<SnapshotObject>;
  storages: Informer<BackupStorageObject>;
  secrets: SecretReader<SecretObject>;
  /** The Jobs that write repository.yaml on local storages' volumes. */
  jobs?: Informer<KubeObject>;
}

export function repositorySources(informers: Informers): RepositorySources {
  return {
    ...backupStorageSources(informers),
    snapshots: informers.informer<SnapshotObject>({ resource: KUBESTASH.snapshots }),
  };
}

export interface RepositoryOptions {
  client: KubeClient;
  sources: RepositorySources;
  log: Log;
  /** Waits this long before trying again a repository whose storage refused or is not ready (default 1 min). */
  retryMs?: number;
  /** Cairn's image, for the Jobs on local storages' volumes. */
  image?: string;
  now?: () => Date;
}

/** The BackupStorage a Repository names, or undefined. */
function storageOf(sources: RepositorySources, repo: RepositoryObject): BackupStorageObject | undefined {
  const ref = repo.spec?.storageRef;
  if (!ref?.name) return undefined;
  return sources.storages.get(ref.name, ref.namespace || repo.metadata?.namespace);
}

/** Whether repository.yaml must be (re)written even if present: not yet done for this generation. */
function initializedForGeneration(repo: RepositoryObject): boolean {
  const c = findCondition(repo.status?.conditions, 'RepositoryInitialized');
  return c?.status === 'True' && c.observedGeneration === repo.metadata?.generation;
}

export class RepositoryReconciler implements Reconciler {
  readonly #o: RepositoryOptions;

  constructor(o: RepositoryOptions) {
    this.#o = o;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult | void> {
    const { namespace, name } = parseKey(key);
    const { sources, client } = this.#o;
    const cached = sources.repositories.get(name, namespace);
    if (!cached) return;
    const finalizer = await reconcileRepositoryFinalizer(
      { client, sources, ...this.#jobDeps(), now: () => this.#o.now?.() ?? new Date() },
      cached,
      signal,
    );
    if ('done' in finalizer) return finalizer.done;
    const repo = finalizer.live;
    const init = await this.#initialize(repo);
    const snaps = sources.snapshots.list(namespace).filter((s) => belongsTo(s, repo));
    const next = planRepositoryStatus(repo, snaps, init, this.#o.now?.() ?? new Date());
    if (repositoryStatusChanged(repo.status, next)) {
      await client.patchStatus(KUBESTASH.repositories, name, namespace, statusPatch(next), {
        resourceVersion: repo.metadata?.resourceVersion,
        signal,
      });
      await this.#event(repo, next);
    }
    if (init.state === 'unknown')
      return { requeueAfterMs: storageJobRequeueMs({ state: 'pending', message: '' }) };
    if (init.state !== 'ok') return { requeueAfterMs: this.#o.retryMs ?? 60_000 };
  }

  /** What the storage Jobs need, when this reconciler was given a Job informer and an image. */
  #jobDeps(): { jobs?: StorageJobDeps } {
    const { jobs } = this.#o.sources;
    if (!jobs || !this.#o.image) return {};
    return {
      jobs: {
        client: this.#o.client,
        jobs,
        image: this.#o.image,
        retryMs: this.#o.retryMs ?? 60_000,
        ...(this.#o.now ? { now: this.#o.now } : {}),
      },
    };
  }

  /** Makes sure repository.yaml is in the backend; says why not otherwise. */
  async #initialize(repo: RepositoryObject): Promise<RepositoryInit> {
    const bs = storageOf(this.#o.sources, repo);
    const ref = repo.spec?.storageRef;
    const who = `Repository ${objectName(repo)}`;
    const storageName = `${ref?.namespace || repo.metadata?.namespace}/${ref?.name ?? ''}`;
    if (!bs || bs.metadata?.deletionTimestamp) {
      return {
        state: 'failed',
        message: `${who}: BackupStorage ${storageName} named by spec.storageRef does not exist: create it or fix spec.storageRef`,
      };
    }
    const resolved = resolveSpec(bs);
    if (isProblem(resolved)) return { state: 'failed', message: `${who}: ${resolved.message}` };
    if (bs.status?.phase !== BackupStoragePhase.Ready) {
      const why = findCondition(bs.status?.conditions, BackupStorageCondition.BackendInitialized)?.message;
      return {
        state: 'failed',
        message: `${who}: BackupStorage ${storageName} is not Ready${why ? `: ${why}` : ' yet'}`,
      };
    }
    const secretName = secretNameOf(resolved);
    const secret = secretName
      ? await this.#o.sources.secrets.read(secretName, bs.metadata?.namespace)
      : undefined;
    let fileKey: string;
    try {
      fileKey = repositoryKey(resolved, repo.spec.path);
    } catch (err) {
      if (!(err instanceof StorageConfigError)) throw err;
      return { state: 'failed', message: `${who}: spec.path: ${err.message}` };
    }
    const rewrite = !initializedForGeneration(repo);
    if (resolved.provider === 'local') return this.#initializeLocal(repo, bs, fileKey, rewrite);
    const r = await withBackend(bs, resolved, secret, async (backend) => {
      if (!rewrite && (await backend.stat(fileKey))) return;
      await backend.put(fileKey, repositoryYaml(repo));
    });
    if ('problem' in r) return { state: 'failed', message: `${who}: ${r.problem.message}` };
    return { state: 'ok' };
  }

  /**
   * A local storage: repository.yaml is written by a Job that mounts the volume, once per generation of the
   * Repository (the condition remembers it; the finished Job is deleted after a while).
   */
  async #initializeLocal(
    repo: RepositoryObject,
    bs: BackupStorageObject,
    fileKey: string,
    rewrite: boolean,
  ): Promise<RepositoryInit> {
    const who = `Repository ${objectName(repo)}`;
    if (!rewrite) return { state: 'ok' };
    const { jobs } = this.#o.sources;
    if (!jobs || !this.#o.image) {
      return {
        state: 'unknown',
        reason: 'RepositoryInitializing',
        message: `${who}: this operator runs without a Job informer or image, so repository.yaml cannot be written on the local volume`,
      };
    }
    const state = await ensureStorageJob(
      {
        client: this.#o.client,
        jobs,
        image: this.#o.image,
        retryMs: this.#o.retryMs ?? 60_000,
        ...(this.#o.now ? { now: this.#o.now } : {}),
      },
      {
        storage: {
          namespace: bs.metadata?.namespace ?? '',
          name: bs.metadata?.name ?? '',
          ...(bs.metadata?.uid ? { uid: bs.metadata.uid } : {}),
          spec: bs.spec,
        },
        operation: { op: 'write', key: fileKey },
        content: repositoryYaml(repo),
        owner: {
          apiVersion: repo.apiVersion ?? 'storage.kubestash.com/v1alpha1',
          kind: 'Repository',
          metadata: {
            name: repo.metadata?.name ?? '',
            namespace: repo.metadata?.namespace ?? '',
            uid: repo.metadata?.uid ?? '',
          },
        },
        purpose: 'initializer',
      },
    );
    if (state.state === 'succeeded') return { state: 'ok' };
    if (state.state === 'failed') {
      return {
        state: 'failed',
        message: `${who}: repository.yaml could not be written on the local volume: ${state.message}`,
      };
    }
    return {
      state: 'unknown',
      reason: 'RepositoryInitializing',
      message: `${who}: repository.yaml is being written on the local volume: ${state.state === 'pending' ? state.message : 'starting the Job'}`,
    };
  }

  async #event(repo: RepositoryObject, next: RepositoryStatus): Promise<void> {
    const before = findCondition(repo.status?.conditions, 'RepositoryInitialized');
    const after = findCondition(next.conditions, 'RepositoryInitialized');
    if (!after || (before?.status === after.status && before.reason === after.reason)) return;
    await recordEvent(this.#o.client, {
      regarding: repo,
      type: after.status === 'True' ? EventType.Normal : EventType.Warning,
      reason: after.reason ?? after.type,
      action: 'InitializeRepository',
      note: after.message ?? after.type,
    });
  }
}

/** The Repository controller: a Repository runs on its own changes, its Snapshots', its storage's. */
export function repositoryController(o: RepositoryOptions, metrics?: ControllerMetrics): Controller {
  const { repositories, storages } = o.sources;
  const reposOf = (bs: BackupStorageObject): string[] =>
    repositories
      .list()
      .filter((r) => usesStorage(r, bs))
      .map((r) => `${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`);
  return new Controller({
    kind: 'Repository',
    reconciler: new RepositoryReconciler(o),
    primary: repositories,
    watches: [
      {
        source: o.sources.snapshots,
        keys: (snap) => {
          const k = repositoryKeyOf(snap as SnapshotObject);
          return k ? [k] : [];
        },
      },
      // A storage turning Ready (or its Secret changing under it) lets its Repositories be initialised.
      { source: storages, keys: (bs) => reposOf(bs as BackupStorageObject) },
      ...(o.sources.jobs
        ? [
            {
              source: o.sources.jobs,
              keys: (job: KubeObject) => {
                const k = servedKey(job, 'Repository');
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

/** The factory the operator's registry lists. */
export function newRepositoryController(deps: {
  client: KubeClient;
  informers: Informers;
  log: Log;
  metrics: ControllerMetrics;
  image?: string;
}): Controller {
  return repositoryController(
    {
      client: deps.client,
      sources: repositorySources(deps.informers),
      log: deps.log,
      ...(deps.image ? { image: deps.image } : {}),
    },
    deps.metrics,
  );
}
