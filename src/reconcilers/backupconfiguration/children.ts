// The objects a BackupConfiguration makes, as pure functions of it: a Repository per session repository,
// and per session the trigger CronJob with the least-privilege ServiceAccount, Role and RoleBinding it runs
// as (get this BackupConfiguration, create BackupSessions). Each is written whole by server-side apply.
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { Session, RepositoryInfo } from '../../api/kinds/session.ts';
import type { OwnerReference } from '../../api/kinds/references.ts';
import { backupSessionLabels, controllerReference, triggerBackupArgs } from '../../api/backup-names.ts';
import { backupTriggerCronJobName, fitName } from '../../api/names.ts';
import { apiVersionOf, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';

/** The trigger container's name, as KubeStash names it. */
export const TRIGGER_CONTAINER = 'trigger';

export function ownerOf(bc: BackupConfiguration): OwnerReference {
  return controllerReference({
    apiVersion: apiVersionOf(KUBESTASH.backupConfigurations),
    kind: 'BackupConfiguration',
    metadata: bc.metadata,
  });
}

/**
 * The Repository of a session repository: name, storage, path = the directory, encryption Secret, deletion
 * policy, and the target as appRef. Like KubeStash's, it has no owner: a Repository (and the Snapshots in it)
 * outlives the configuration unless the repository's deletionPolicy says otherwise.
 */
export function repositoryObject(
  bc: BackupConfiguration,
  repo: RepositoryInfo,
  storageRef: { name: string; namespace: string },
): KubeObject {
  const spec: Record<string, unknown> = { storageRef, path: repo.directory };
  if (bc.spec.target) spec.appRef = bc.spec.target;
  if (repo.encryptionSecret) {
    spec.encryptionSecret = {
      name: repo.encryptionSecret.name,
      namespace: repo.encryptionSecret.namespace || bc.metadata.namespace,
    };
  }
  // Retain is the configuration's business (keep the Repository when it is deleted), not the Repository's.
  spec.deletionPolicy = repo.deletionPolicy === 'WipeOut' ? 'WipeOut' : 'Delete';
  return {
    apiVersion: apiVersionOf(KUBESTASH.repositories),
    kind: 'Repository',
    metadata: {
      name: repo.name,
      namespace: bc.metadata.namespace,
      labels: {
        'app.kubernetes.io/managed-by': 'kubestash.com',
        'kubestash.com/invoker-kind': 'BackupConfiguration',
      },
    },
    spec,
  };
}

function metadata(bc: BackupConfiguration, name: string, session: string) {
  return {
    name,
    namespace: bc.metadata.namespace,
    labels: backupSessionLabels(
      { name: bc.metadata.name ?? '', namespace: bc.metadata.namespace ?? '' },
      session,
    ),
    ownerReferences: [ownerOf(bc)],
  };
}

/**
 * The trigger CronJob of a session: its schedule, concurrency, deadline and history limits from the
 * scheduler; suspended when the configuration or the scheduler is; its Job from the scheduler's jobTemplate,
 * with one container `trigger` running `cairn trigger-backup` in Cairn's image as the session's trigger
 * ServiceAccount. The pod never restarts in place: the Job's backoffLimit decides retries.
 */
export function triggerCronJob(bc: BackupConfiguration, session: Session, image: string): KubeObject {
  const bcName = bc.metadata.name ?? '';
  const name = backupTriggerCronJobName(bcName, session.name);
  const meta = metadata(bc, name, session.name);
  const s = session.scheduler;
  const { template, ...jobSpec } = s.jobTemplate;
  const podSpec = (template?.spec ?? {}) as Record<string, unknown>;
  const spec: Record<string, unknown> = {
    schedule: s.schedule,
    suspend: bc.spec.paused === true || s.suspend === true,
    jobTemplate: {
      metadata: { labels: meta.labels },
      spec: {
        ...jobSpec,
        template: {
          metadata: {
            ...(template?.metadata ?? {}),
            labels: { ...template?.metadata?.labels, ...meta.labels },
          },
          spec: {
            ...podSpec,
            restartPolicy: 'Never',
            serviceAccountName: name,
            containers: [{ name: TRIGGER_CONTAINER, image, args: triggerBackupArgs(bcName, session.name) }],
          },
        },
      },
    },
  };
  if (s.concurrencyPolicy) spec.concurrencyPolicy = s.concurrencyPolicy;
  if (s.startingDeadlineSeconds !== undefined) spec.startingDeadlineSeconds = s.startingDeadlineSeconds;
  if (s.successfulJobsHistoryLimit !== undefined)
    spec.successfulJobsHistoryLimit = s.successfulJobsHistoryLimit;
  if (s.failedJobsHistoryLimit !== undefined) spec.failedJobsHistoryLimit = s.failedJobsHistoryLimit;
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta, spec };
}

/** The ServiceAccount, Role and RoleBinding of a session's trigger, all named like its CronJob. */
export function triggerRbac(bc: BackupConfiguration, session: string): KubeObject[] {
  const name = backupTriggerCronJobName(bc.metadata.name ?? '', session);
  const meta = metadata(bc, name, session);
  const group = KUBESTASH.backupConfigurations.group;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta,
      rules: [
        {
          apiGroups: [group],
          resources: [KUBESTASH.backupConfigurations.plural],
          resourceNames: [bc.metadata.name ?? ''],
          verbs: ['get'],
        },
        { apiGroups: [group], resources: [KUBESTASH.backupSessions.plural], verbs: ['create'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ kind: 'ServiceAccount', name, namespace: bc.metadata.namespace }],
    },
  ] as KubeObject[];
}

/**
 * The Job that triggers a session's first backup at once: the CronJob's Job, named `<cronjob>-initial` and
 * owned by the CronJob, as `kubectl create job --from=cronjob/<name>` makes it. A fixed name makes a second
 * attempt a harmless AlreadyExists.
 */
export function initialTriggerJob(cronJob: KubeObject & { spec?: unknown }): KubeObject {
  const meta = cronJob.metadata ?? {};
  const jt = (
    cronJob.spec as { jobTemplate: { metadata?: { labels?: Record<string, string> }; spec: unknown } }
  ).jobTemplate;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: fitName(`${meta.name ?? ''}-initial`),
      namespace: meta.namespace,
      labels: jt.metadata?.labels,
      annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
      ownerReferences: [
        {
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          name: meta.name ?? '',
          uid: meta.uid ?? '',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: jt.spec,
  };
}
