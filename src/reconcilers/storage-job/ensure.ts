// Making sure the storage Job a reconciler wants exists, and reading where it is. The Job is looked up in the
// shared Job informer by its deterministic name and created when absent; a Job that failed is deleted once
// `retryMs` has passed since it failed, so the next run of the reconciler makes it again (a volume that was
// not ready, a node that was down, recover without anyone deleting the Job by hand).
import type { V1Pod } from '@kubernetes/client-node';
import { K8S } from '../../api/resource-type.ts';
import { isConflict } from '../../kube/errors.ts';
import type { Informer } from '../../kube/informer.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { storageJob, storageJobState, type StorageJobRequest, type StorageJobState } from './job.ts';

export interface StorageJobDeps {
  client: KubeClient;
  jobs: Informer<KubeObject>;
  /** Cairn's image: the Job's container runs its `cairn storage …`. */
  image: string;
  /** A failed Job is run again this long after it failed (default 1 min). */
  retryMs?: number;
  now?: () => Date;
}

export const DEFAULT_STORAGE_JOB_RETRY_MS = 60_000;

/** How soon to look again at a storage Job in `state`, for a reconciler's requeueAfter. */
export function storageJobRequeueMs(state: StorageJobState, retryMs = DEFAULT_STORAGE_JOB_RETRY_MS): number {
  return state.state === 'failed' ? retryMs : 5_000;
}

/**
 * Creates the Job for `request` unless it exists; returns its state (`pending` right after creating it). The
 * pods of a Job not succeeded are read: a running Job's message says why its pod waits (a volume that cannot
 * be mounted), a failed Job's comes from its pod's termination message when one is there.
 */
export async function ensureStorageJob(
  deps: StorageJobDeps,
  request: Omit<StorageJobRequest, 'image'>,
  signal?: AbortSignal,
): Promise<StorageJobState> {
  const body = storageJob({ ...request, image: deps.image });
  const name = body.metadata?.name ?? '';
  const namespace = body.metadata?.namespace ?? '';
  const existing = deps.jobs.get(name, namespace);
  if (!existing) {
    try {
      await deps.client.create(K8S.jobs, body, { namespace, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    return { state: 'pending', message: `Job ${namespace}/${name} was started` };
  }
  const state = storageJobState(existing);
  if (state.state === 'succeeded') return state;
  // A running Job's pods say why it waits; a failed one's, why it failed.
  const pods = await deps.client.list<V1Pod>(K8S.pods, {
    namespace,
    labelSelector: `job-name=${name}`,
    ...(signal ? { signal } : {}),
  });
  const failed = storageJobState(existing, pods.items);
  if (failed.state !== 'failed') return failed;
  const now = deps.now?.() ?? new Date();
  const at = Date.parse((failed.state === 'failed' && failed.finishedAt) || '');
  if (!Number.isNaN(at) && now.getTime() - at >= (deps.retryMs ?? DEFAULT_STORAGE_JOB_RETRY_MS)) {
    const uid = existing.metadata?.uid;
    try {
      await deps.client.delete(K8S.jobs, name, {
        namespace,
        propagationPolicy: 'Background',
        ...(uid ? { preconditions: { uid } } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (!isConflict(err)) throw err; // another run replaced it already
    }
  }
  return failed;
}
