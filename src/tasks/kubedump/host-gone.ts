// Whether the pod that wrote a restic lock is gone, judged from the API of the cluster the backup runs in.
// restic writes os.Hostname() into a lock, and in Kubernetes that is the pod's name. The bucket may be
// shared with another cluster, whose pods are not ours to see: a lock is called gone only with evidence
// that the pod was one of this namespace and has stopped. Evidence is either
// - the pod exists here and has ended (phase Succeeded or Failed), or
// - no pod of that name exists, but the name is one the Job controller gave a pod of a backup Job of this
//   namespace (`<job>-<5 random characters>`, the `<job>-` part cut at 58 characters) that Cairn created
//   (the managed-by and backup component labels), and the lock was written after that Job was created. A
//   Job's pod is deleted when it is killed with its node, evicted or removed by hand; the Job outlives it.
// Anything else — no such pod and no such Job, a lock older than the Job, a read the API refuses — is no
// evidence: the lock stays until restic's own 30 minutes have passed.
import { COMPONENT, LABEL, MANAGED_BY } from '../../api/backup-names.ts';
import { K8S } from '../../api/resource-type.ts';
import type { KubeClient } from '../../kube/types.ts';

/** The length the Job controller cuts a pod's generateName `<job>-` to (63 minus the random suffix). */
export const GENERATED_PREFIX_MAX = 58;
/** How much earlier than its Job a lock may be stamped (the pod's clock against the API server's). */
export const CLOCK_SKEW_MS = 60_000;

interface PodLike {
  status?: { phase?: string };
}

export interface JobLike {
  metadata?: { name?: string; creationTimestamp?: string; labels?: Record<string, string> };
}

/** Whether `host` is a name the Job controller may have given a pod of Job `job`. */
export function podNameOfJob(host: string, job: string): boolean {
  if (job === '' || !/^[a-z0-9]{5}$/.test(host.slice(-5))) return false;
  return host.slice(0, -5) === `${job}-`.slice(0, GENERATED_PREFIX_MAX);
}

/** Whether a Job carries the labels Cairn (or KubeStash) puts on a backup Job. */
export function isBackupJob(job: JobLike): boolean {
  const labels = job.metadata?.labels ?? {};
  return labels[LABEL.managedBy] === MANAGED_BY && labels[LABEL.component] === COMPONENT.backup;
}

export interface HostEvidence {
  host: string;
  /** When the lock was written or last refreshed (RFC 3339). */
  lockTime: string;
  /** The pod of that name in the namespace; undefined when there is none. */
  pod: PodLike | undefined;
  /** The backup Jobs of the namespace (read only when there is no pod). */
  jobs: readonly JobLike[];
}

/** The verdict on one host, pure: true only with evidence (see the top of this file). */
export function hostGone(e: HostEvidence): boolean {
  if (e.pod) return e.pod.status?.phase === 'Succeeded' || e.pod.status?.phase === 'Failed';
  const lockAt = Date.parse(e.lockTime);
  if (!Number.isFinite(lockAt)) return false;
  return e.jobs.some((job) => {
    const created = Date.parse(job.metadata?.creationTimestamp ?? '');
    return (
      isBackupJob(job) &&
      podNameOfJob(e.host, job.metadata?.name ?? '') &&
      Number.isFinite(created) &&
      lockAt >= created - CLOCK_SKEW_MS
    );
  });
}

/** A name that may be a pod's (a DNS-1123 subdomain); anything else is never looked up. */
function podName(host: string): boolean {
  return host.length <= 253 && /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(host);
}

/**
 * Whether `host` is a pod of `namespace` known to have stopped (see the top of this file). Reads the pod,
 * and only when it does not exist the namespace's backup Jobs, both by LIST (the pod by a field selector on
 * its name), so the Job's Role needs `list` on pods and jobs and no more. Any failed read answers false.
 */
export async function podGone(
  client: KubeClient,
  namespace: string,
  host: string,
  lockTime: string,
): Promise<boolean> {
  if (!podName(host)) return false;
  try {
    const pods = await client.listAll<PodLike & { metadata?: object }>(K8S.pods, {
      namespace,
      fieldSelector: `metadata.name=${host}`,
    });
    const pod = pods.items[0];
    const jobs = pod
      ? []
      : (
          await client.listAll<JobLike & { metadata?: object }>(K8S.jobs, {
            namespace,
            labelSelector: `${LABEL.component}=${COMPONENT.backup}`,
          })
        ).items;
    return hostGone({ host, lockTime, pod, jobs });
  } catch {
    return false;
  }
}
