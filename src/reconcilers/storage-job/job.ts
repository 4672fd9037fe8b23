// The Job that runs one `cairn storage …` operation on a local BackupStorage's volume, and what its state
// means (pure). The Job runs in the storage's namespace (where its volume, a PVC for instance, lives), under
// a deterministic name (a hash of the storage, the operation and the content), so a reconciler that runs
// again finds the Job it made instead of making another, and a changed content makes a new Job. It needs no
// API access: no ServiceAccount token is mounted.
import { createHash } from 'node:crypto';
import type { V1Job, V1Pod } from '@kubernetes/client-node';
import { COMPONENT, controllerReference, LABEL, MANAGED_BY, type Owner } from '../../api/backup-names.ts';
import { fitName, MAX_NAME_LENGTH } from '../../api/names.ts';
import { apiVersionOf, K8S } from '../../api/resource-type.ts';
import { STORAGE_CONTENT_ENV, storageTaskArgs, type StorageOperation } from '../../api/storage-task.ts';
import type { KubeObject } from '../../kube/types.ts';
import { localStorageMounts, type StorageForJob } from './volumes.ts';

/** Annotation naming the object a storage Job serves (`<Kind>/<namespace>/<name>`), to re-queue it. */
export const SERVES_ANNOTATION = 'storage.cairn.dev/serves';

/** A finished Job is deleted this long after it ended (its outcome is in the served object's status by then). */
export const STORAGE_JOB_TTL_SECONDS = 3600;

/** What a storage Job does, for its component label and its name. */
export type StorageJobPurpose = 'initializer' | 'uploader' | 'cleaner';

export interface StorageJobRequest {
  /** The local BackupStorage (with its uid: it owns the Job when the served object is elsewhere). */
  storage: StorageForJob & { uid?: string; apiVersion?: string };
  operation: StorageOperation;
  /** The file `write` writes. */
  content?: string;
  /** The object the Job works for; it owns the Job when it is in the storage's namespace. */
  owner: Owner & { metadata: { namespace?: string } };
  purpose: StorageJobPurpose;
  image: string;
}

/**
 * `<owner>-<op>-<hash>`, at most 63 characters; the hash covers the storage (its volume spec included, so a
 * storage moved to another volume gets a new Job), the operation and the content.
 */
export function storageJobName(
  r: Pick<StorageJobRequest, 'storage' | 'operation' | 'content' | 'owner'>,
): string {
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        r.storage.namespace,
        r.storage.name,
        r.storage.spec?.storage?.local ?? null,
        r.operation,
        r.content ?? null,
      ]),
    )
    .digest('hex')
    .slice(0, 12);
  const tail = `-${r.operation.op}-${hash}`;
  const head = fitName((r.owner.metadata.name ?? 'storage').toLowerCase(), MAX_NAME_LENGTH - tail.length);
  return `${head}${tail}`;
}

/** The Job for `r`: one container running `cairn storage …` with the storage mounted. */
export function storageJob(r: StorageJobRequest): V1Job & KubeObject {
  const ns = r.storage.namespace;
  const mounts = localStorageMounts([r.storage]);
  const owner =
    (r.owner.metadata.namespace ?? '') === ns
      ? r.owner
      : {
          apiVersion: r.storage.apiVersion ?? 'storage.kubestash.com/v1alpha1',
          kind: 'BackupStorage',
          metadata: { name: r.storage.name, ...(r.storage.uid ? { uid: r.storage.uid } : {}) },
        };
  const labels = { [LABEL.managedBy]: MANAGED_BY, [LABEL.component]: COMPONENT[r.purpose] };
  const env = [
    ...mounts.env,
    ...(r.content !== undefined
      ? [{ name: STORAGE_CONTENT_ENV, value: Buffer.from(r.content).toString('base64') }]
      : []),
  ];
  return {
    apiVersion: apiVersionOf(K8S.jobs),
    kind: 'Job',
    metadata: {
      name: storageJobName(r),
      namespace: ns,
      labels,
      annotations: {
        [SERVES_ANNOTATION]: `${r.owner.kind}/${r.owner.metadata.namespace ?? ''}/${r.owner.metadata.name ?? ''}`,
      },
      ownerReferences: [controllerReference(owner)],
    },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: STORAGE_JOB_TTL_SECONDS,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [
            {
              name: 'storage',
              image: r.image,
              args: storageTaskArgs(r.storage, r.operation),
              env,
              volumeMounts: mounts.mounts,
              terminationMessagePolicy: 'FallbackToLogsOnError',
            },
          ],
          volumes: mounts.volumes,
        },
      },
    },
  };
}

/** The object a storage Job serves, from its annotation, when it is of `kind`: `<namespace>/<name>`. */
export function servedKey(job: KubeObject, kind: string): string | undefined {
  const v = job.metadata?.annotations?.[SERVES_ANNOTATION];
  const m = v ? /^([^/]+)\/([^/]*)\/([^/]+)$/.exec(v) : null;
  return m && m[1] === kind ? `${m[2]}/${m[3]}` : undefined;
}

/** Where a storage Job is. */
export type StorageJobState =
  | { state: 'absent' }
  | { state: 'pending'; message: string }
  | { state: 'succeeded'; message: string }
  /** `finishedAt`: when the Job failed (RFC 3339), to decide when to run it again. */
  | { state: 'failed'; message: string; finishedAt?: string };

interface JobCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/**
 * The state of `job` (undefined: absent). A running Job's message says why its pod waits, when it does. A
 * failure's message is the container's termination message (what
 * `cairn storage` wrote, or the end of its log) when a pod of the Job shows one, else the Job condition's,
 * and it ends with where to look.
 */
export function storageJobState(job: KubeObject | undefined, pods: readonly V1Pod[] = []): StorageJobState {
  if (!job) return { state: 'absent' };
  const name = `Job ${job.metadata?.namespace ?? ''}/${job.metadata?.name ?? ''}`;
  const conditions = ((job.status as { conditions?: JobCondition[] } | undefined)?.conditions ?? []).filter(
    (c) => c.status === 'True',
  );
  if (conditions.some((c) => c.type === 'Complete'))
    return { state: 'succeeded', message: `${name} completed` };
  const failed = conditions.find((c) => c.type === 'Failed');
  if (!failed) {
    const waiting = waitingDetail(pods);
    return { state: 'pending', message: `${name} has not finished yet${waiting ? `: ${waiting}` : ''}` };
  }
  const terminated = pods
    .flatMap((p) => p.status?.containerStatuses ?? [])
    .map((s) => s.state?.terminated?.message?.trim())
    .find((m) => m !== undefined && m !== '');
  const why = terminated ?? `${failed.reason ?? 'Failed'}: ${failed.message ?? 'no message'}`;
  return {
    state: 'failed',
    message: `${name} failed (${why}); its log says more (kubectl logs job/${job.metadata?.name ?? ''} -n ${job.metadata?.namespace ?? ''})`,
    ...(failed.lastTransitionTime ? { finishedAt: failed.lastTransitionTime } : {}),
  };
}

/**
 * Why a pod of a running Job does not run yet, when it says: a container waiting for a reason of its own (a
 * volume or Secret that cannot be found, an image that cannot be pulled), or the pod not scheduled.
 */
function waitingDetail(pods: readonly V1Pod[]): string | undefined {
  for (const p of pods) {
    const pod = `pod ${p.metadata?.name ?? ''}`;
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const w = c.state?.waiting;
      if (w?.reason && (w.message || w.reason !== 'ContainerCreating')) {
        return `${pod} is waiting (${w.reason}${w.message ? `: ${w.message}` : ''})`;
      }
    }
    const unscheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    if (unscheduled)
      return `${pod} is not scheduled (${unscheduled.reason ?? ''}: ${unscheduled.message ?? ''})`;
  }
  return undefined;
}
