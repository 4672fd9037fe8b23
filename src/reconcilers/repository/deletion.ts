// The writes of the Repository's cleanup finalizer (decisions in ./deletion-plan.ts): adding and removing
// `kubestash.com/cleanup` (merge patches conditional on the resourceVersion read), the WipeOut itself (object
// stores through src/storage's `deleteUnder`, local storages through a `cairn storage remove-tree` Job), and
// the condition and Events that say what happened to the data. A WipeOut that fails keeps the finalizer and
// is retried with the work queue's backoff; the finalizer goes only once the directory is gone.
import { CLEANUP_FINALIZER } from '../../api/backup-names.ts';
import { findCondition, setCondition, type ConditionUpdate } from '../../api/conditions.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { ReconcileResult } from '../../controller/reconciler.ts';
import { listAll } from '../../storage/backend.ts';
import { objectName, secretNameOf, withBackend } from '../backupstorage/backend.ts';
import type { RepositoryObject } from '../backupstorage/plan.ts';
import { cleanupJobName } from '../snapshot/cleanup-plan.ts';
import { ensureStorageJob, type StorageJobDeps } from '../storage-job/ensure.ts';
import { belongsTo } from './plan.ts';
import {
  repositoryDeletionStep,
  wipeFailedCondition,
  type DeletionEvent,
  type RepositoryDeletionStep,
} from './deletion-plan.ts';
import type { RepositorySources } from './reconciler.ts';

/** How soon a WipeOut waiting on a Job looks again (the Job's changes re-queue it sooner). */
const WIPE_POLL_MS = 5_000;

/** A WipeOut that failed: thrown after the condition is written, so the work queue retries with backoff. */
export class RepositoryWipeOutFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepositoryWipeOutFailed';
  }
}

export interface FinalizerContext {
  client: KubeClient;
  sources: RepositorySources;
  /** For the remove-tree Job of a local storage; undefined when this operator cannot run Jobs. */
  jobs?: StorageJobDeps;
  now: () => Date;
}

function finished(job: KubeObject | undefined): boolean {
  const conditions = (job?.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return (conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

/** The cleanup Jobs of the Repository's Snapshots that exist and have not ended. */
function runningCleanupJobs(ctx: FinalizerContext, repo: RepositoryObject): string[] {
  const ns = repo.metadata?.namespace ?? '';
  const { jobs, snapshots } = ctx.sources;
  if (!jobs) return [];
  return snapshots
    .list(ns)
    .filter((s) => belongsTo(s, repo))
    .map((s) => cleanupJobName(s.metadata?.name ?? ''))
    .filter((n) => {
      const job = jobs.get(n, ns);
      return job !== undefined && !finished(job);
    });
}

/**
 * Keeps the finalizer of `repo` and carries out its deletion. Returns `{ live }` when the Repository is live
 * and has its finalizer (added now if it lacked it: `live` then carries the new resourceVersion, so the
 * caller's status write in the same run is not refused), else `{ done }`: what the reconcile returns.
 */
export async function reconcileRepositoryFinalizer(
  ctx: FinalizerContext,
  repo: RepositoryObject,
  signal: AbortSignal,
): Promise<{ live: RepositoryObject } | { done: ReconcileResult }> {
  const done = await finalize(ctx, repo, signal);
  if (done !== undefined) return { done };
  if (repo.metadata?.deletionTimestamp || (repo.metadata?.finalizers ?? []).includes(CLEANUP_FINALIZER))
    return { live: repo };
  const finalizers = [...(repo.metadata?.finalizers ?? []), CLEANUP_FINALIZER];
  const patched = await setFinalizers(ctx.client, repo, finalizers, signal);
  if (!patched) return { done: {} };
  const resourceVersion = patched.metadata?.resourceVersion ?? repo.metadata?.resourceVersion;
  return {
    live: {
      ...repo,
      metadata: { ...repo.metadata, finalizers, ...(resourceVersion ? { resourceVersion } : {}) },
    },
  };
}

/** The deletion steps; undefined when the Repository is live (the caller keeps its finalizer). */
async function finalize(
  ctx: FinalizerContext,
  repo: RepositoryObject,
  signal: AbortSignal,
): Promise<ReconcileResult | undefined> {
  const ref = repo.spec?.storageRef;
  const storage = ref?.name
    ? ctx.sources.storages.get(ref.name, ref.namespace || repo.metadata?.namespace)
    : undefined;
  const step = repositoryDeletionStep({
    repo,
    ...(storage ? { storage } : {}),
    repositories: ctx.sources.repositories.list(),
    runningCleanupJobs: runningCleanupJobs(ctx, repo),
  });
  switch (step.kind) {
    case 'nothing':
    case 'add-finalizer':
      return repo.metadata?.deletionTimestamp ? {} : undefined;
    case 'release':
      await release(ctx, repo, step.event, signal);
      return {};
    case 'wait':
      return { requeueAfterMs: WIPE_POLL_MS };
    case 'refuse':
      await failed(ctx, repo, step.condition, signal);
      throw new RepositoryWipeOutFailed(step.condition.message ?? '');
    case 'wipe':
      return wipe(ctx, repo, step, signal);
  }
}

/** Removes the Repository's directory, then the finalizer; a failure keeps it (condition, Event, backoff). */
async function wipe(
  ctx: FinalizerContext,
  repo: RepositoryObject,
  step: Extract<RepositoryDeletionStep, { kind: 'wipe' }>,
  signal: AbortSignal,
): Promise<ReconcileResult> {
  const where = `${JSON.stringify(step.key)} of BackupStorage ${objectName(step.bs)}`;
  if (step.storage.provider === 'local') {
    if (!ctx.jobs) {
      const c = wipeFailedCondition(
        repo,
        'this operator runs without a Job informer or image, so it cannot run the Job that removes it from the volume',
      );
      await failed(ctx, repo, c, signal);
      throw new RepositoryWipeOutFailed(c.message ?? '');
    }
    const state = await ensureStorageJob(
      ctx.jobs,
      {
        storage: {
          namespace: step.bs.metadata?.namespace ?? '',
          name: step.bs.metadata?.name ?? '',
          ...(step.bs.metadata?.uid ? { uid: step.bs.metadata.uid } : {}),
          spec: step.bs.spec,
        },
        operation: { op: 'remove-tree', prefix: step.key },
        owner: {
          apiVersion: repo.apiVersion ?? 'storage.kubestash.com/v1alpha1',
          kind: 'Repository',
          metadata: {
            name: repo.metadata?.name ?? '',
            namespace: repo.metadata?.namespace ?? '',
            uid: repo.metadata?.uid ?? '',
          },
        },
        purpose: 'cleaner',
      },
      signal,
    );
    if (state.state === 'failed') {
      const c = wipeFailedCondition(
        repo,
        `the Job removing ${where} from the volume failed: ${state.message}`,
      );
      await failed(ctx, repo, c, signal);
      throw new RepositoryWipeOutFailed(c.message ?? '');
    }
    if (state.state !== 'succeeded') return { requeueAfterMs: WIPE_POLL_MS };
    await release(ctx, repo, wipedEvent(repo, `${where} was removed from the volume`), signal);
    return {};
  }
  const secretName = secretNameOf(step.storage);
  const secret = secretName
    ? await ctx.sources.secrets.read(secretName, step.bs.metadata?.namespace)
    : undefined;
  const r = await withBackend(step.bs, step.storage, secret, async (backend) => {
    const removed = await backend.deleteUnder(step.key);
    // A writer that raced the listing (a backup Job still uploading) leaves keys behind: not done yet.
    const left = (await listAll(backend, step.key)).length;
    return { removed, left };
  });
  if ('problem' in r || r.value.left > 0) {
    const what =
      'problem' in r
        ? `deleting ${where} failed: ${r.problem.message}`
        : `${r.value.left} objects were written under ${where} while it was being removed (a backup still running?)`;
    const c = wipeFailedCondition(repo, what);
    await failed(ctx, repo, c, signal);
    throw new RepositoryWipeOutFailed(c.message ?? '');
  }
  const note = `${r.value.removed} objects under ${where} were deleted`;
  await release(ctx, repo, wipedEvent(repo, note), signal);
  return {};
}

function wipedEvent(repo: RepositoryObject, what: string): DeletionEvent {
  return {
    type: 'Normal',
    reason: 'RepositoryDataWipedOut',
    note: `Repository ${objectName(repo)} was deleted with deletionPolicy WipeOut: ${what}`,
  };
}

/** Says why the WipeOut cannot finish: the condition (when it changed, with a Warning Event). */
async function failed(
  ctx: FinalizerContext,
  repo: RepositoryObject,
  condition: ConditionUpdate,
  signal: AbortSignal,
): Promise<void> {
  const before = findCondition(repo.status?.conditions, condition.type);
  if (
    before?.status === condition.status &&
    before.reason === condition.reason &&
    before.message === condition.message
  )
    return;
  const conditions = setCondition(repo.status?.conditions, condition, ctx.now);
  try {
    await ctx.client.patchStatus(
      KUBESTASH.repositories,
      repo.metadata?.name ?? '',
      repo.metadata?.namespace,
      { conditions },
      { resourceVersion: repo.metadata?.resourceVersion, signal },
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return;
  }
  await recordEvent(ctx.client, {
    regarding: repo,
    type: EventType.Warning,
    reason: condition.reason ?? condition.type,
    action: 'Delete',
    note: condition.message ?? condition.type,
  });
}

async function release(
  ctx: FinalizerContext,
  repo: RepositoryObject,
  e: DeletionEvent,
  signal: AbortSignal,
): Promise<void> {
  await recordEvent(ctx.client, {
    regarding: repo,
    type: e.type === 'Warning' ? EventType.Warning : EventType.Normal,
    reason: e.reason,
    action: 'Delete',
    note: e.note,
  });
  await setFinalizers(
    ctx.client,
    repo,
    (repo.metadata?.finalizers ?? []).filter((f) => f !== CLEANUP_FINALIZER),
    signal,
  );
}

/**
 * Replaces the finalizers, conditional on the resourceVersion read (a stale read fails with 409); the
 * patched object, or undefined when the Repository is already gone.
 */
async function setFinalizers(
  client: KubeClient,
  repo: RepositoryObject,
  finalizers: string[],
  signal: AbortSignal,
): Promise<RepositoryObject | undefined> {
  try {
    return await client.patch<RepositoryObject>(
      KUBESTASH.repositories,
      repo.metadata?.name ?? '',
      { metadata: { finalizers, resourceVersion: repo.metadata?.resourceVersion } },
      { type: 'merge', namespace: repo.metadata?.namespace, signal },
    );
  } catch (err) {
    if (!isNotFound(err)) throw err;
    return undefined;
  }
}
