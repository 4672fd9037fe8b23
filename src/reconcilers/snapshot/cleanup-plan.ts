// The Snapshot's cleanup finalizer (pure): when it is added, what deleting a Snapshot does per its
// `spec.deletionPolicy`, and the Job (with its least-privilege identity) that removes a WipeOut Snapshot's
// data. Delete (the default) releases the Snapshot at once and keeps its data; WipeOut runs
// `cairn snapshot cleanup` in a Job and releases the Snapshot once the Job succeeded. A failed Job keeps
// the finalizer, says why on the Snapshot, and is run again after RETRY_MS.
import { COMPONENT, controllerReference, LABEL, MANAGED_BY } from '../../api/backup-names.ts';
import { ConditionStatus, type Condition, type ConditionUpdate } from '../../api/conditions.ts';
import { validNameWithPrefixAndSuffix } from '../../api/names.ts';
import { apiVersionOf, K8S, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import { rolesAndBindings, storageSecretNames, type RbacObject, type Rule } from '../backupsession/rbac.ts';
import { localStorageMounts } from '../storage-job/volumes.ts';

export const SNAPSHOT_FINALIZER = 'kubestash.com/cleanup';

/** How long a failed cleanup Job stays before it is run again. */
export const RETRY_MS = 5 * 60_000;

/** The condition a Snapshot carries while its data could not be removed. */
export const CLEANUP_CONDITION = 'SnapshotCleanupIncomplete';
export const CleanupReason = {
  CleanupJobFailed: 'SnapshotCleanupJobFailed',
} as const;

export type CleanupSnapshotObject = KubeObject & {
  spec?: { repository?: string; deletionPolicy?: string };
  status?: { conditions?: Condition[] };
};
export type CleanupRepositoryObject = KubeObject & {
  spec?: {
    storageRef?: { name: string; namespace?: string };
    encryptionSecret?: { name: string; namespace?: string };
    deletionPolicy?: string;
  };
};
export type CleanupJobObject = KubeObject & {
  status?: {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastTransitionTime?: string;
    }[];
  };
};

export type DeletionStep =
  /** The Snapshot is live and has the finalizer, or is being deleted by others: nothing to do. */
  | { kind: 'nothing' }
  | { kind: 'add-finalizer' }
  /** Remove the finalizer; `warning` says what data was left behind, when some may have been. */
  | { kind: 'release'; warning?: string }
  /** Create the cleanup Job (and its identity). */
  | { kind: 'run-job' }
  /** The Job runs; its end brings the Snapshot back. */
  | { kind: 'wait' }
  /** The Job succeeded: remove the identity's objects outside the namespace, then the finalizer. */
  | { kind: 'done' }
  /** The Job failed: say so on the Snapshot, and come back when the retry is due. */
  | { kind: 'failed'; condition: ConditionUpdate; retryInMs: number }
  /** The retry is due: delete the failed Job (it is created again once gone). */
  | { kind: 'rerun' };

export interface DeletionInput {
  snapshot: CleanupSnapshotObject;
  /** The Snapshot's Repository (cache), undefined when it does not exist. */
  repository?: CleanupRepositoryObject;
  /** Its BackupStorage (cache), undefined when it does not exist. */
  storage?: KubeObject;
  /** The cleanup Job (cache), when one exists. */
  job?: CleanupJobObject;
  now: Date;
}

export function hasFinalizer(o: KubeObject): boolean {
  return (o.metadata?.finalizers ?? []).includes(SNAPSHOT_FINALIZER);
}

export function deletionStep(i: DeletionInput): DeletionStep {
  const s = i.snapshot;
  const where = `Snapshot ${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
  if (!s.metadata?.deletionTimestamp)
    return hasFinalizer(s) ? { kind: 'nothing' } : { kind: 'add-finalizer' };
  if (!hasFinalizer(s)) return { kind: 'nothing' };
  if (s.spec?.deletionPolicy !== 'WipeOut') return { kind: 'release' };
  const ns = s.metadata.namespace ?? '';
  const repoName = s.spec.repository ?? '';
  if (!i.repository) {
    return {
      kind: 'release',
      warning: `${where} was deleted with WipeOut but its Repository ${ns}/${repoName} no longer exists, so its data cannot be located: remove its restic snapshot and snapshots/${s.metadata.name ?? ''}.yaml from the storage by hand if they remain`,
    };
  }
  if (!i.storage) {
    const ref = i.repository.spec?.storageRef;
    return {
      kind: 'release',
      warning: `${where} was deleted with WipeOut but BackupStorage ${ref?.namespace ?? ns}/${ref?.name ?? ''} of Repository ${ns}/${repoName} no longer exists: its data could not be removed`,
    };
  }
  const job = i.job;
  // The Repository's own WipeOut removes its whole directory, this Snapshot's data with it: no Job of
  // ours should start under it (one already running is waited for, here and by the Repository).
  const repoWipedOut =
    Boolean(i.repository.metadata?.deletionTimestamp) && i.repository.spec?.deletionPolicy === 'WipeOut';
  if (!job && repoWipedOut) return { kind: 'release' };
  if (!job) return { kind: 'run-job' };
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return { kind: 'done' };
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (!failed) return { kind: 'wait' };
  const at = Date.parse(failed.lastTransitionTime ?? '') || i.now.getTime();
  const retryInMs = at + RETRY_MS - i.now.getTime();
  if (retryInMs <= 0) return { kind: 'rerun' };
  const jobName = job.metadata?.name ?? '';
  return {
    kind: 'failed',
    retryInMs,
    condition: {
      type: CLEANUP_CONDITION,
      status: ConditionStatus.True,
      reason: CleanupReason.CleanupJobFailed,
      message: `The cleanup Job ${ns}/${jobName} of ${where} failed (${failed.reason ?? 'Failed'}: ${failed.message ?? 'no message'}), so its restic snapshots and record remain and the Snapshot keeps its finalizer; the log says why (kubectl logs job/${jobName} -n ${ns}): fix the Repository ${ns}/${repoName}, its BackupStorage or their Secrets, and the Job runs again within ${Math.round(RETRY_MS / 60_000)} minutes; or set spec.deletionPolicy to Delete to keep the data and release the Snapshot`,
    },
  };
}

/** The name of a Snapshot's cleanup Job, and of its ServiceAccount, Role and RoleBinding. */
export function cleanupJobName(snapshot: string): string {
  return validNameWithPrefixAndSuffix('cleanup', 'snapshot', snapshot);
}

/** The name of the Role and RoleBinding of the cleanup Job in another namespace. */
export function foreignRbacName(namespace: string, snapshot: string): string {
  return validNameWithPrefixAndSuffix('cleanup-snapshot', namespace, snapshot);
}

/** The container args of the cleanup Job (the `cairn snapshot cleanup` command of src/tasks/snapshot-cleanup). */
export function snapshotCleanupArgs(namespace: string, name: string): string[] {
  return ['snapshot', 'cleanup', `--namespace=${namespace}`, `--snapshot=${name}`];
}

function ownerOf(s: CleanupSnapshotObject) {
  return controllerReference({
    apiVersion: s.apiVersion ?? apiVersionOf(KUBESTASH.snapshots),
    kind: 'Snapshot',
    metadata: s.metadata ?? {},
  });
}

const labels = { [LABEL.managedBy]: MANAGED_BY, [LABEL.component]: COMPONENT.cleaner };

/**
 * The cleanup Job's rules by namespace: get on the Snapshot and its Repository by name in the Snapshot's
 * namespace; get on the BackupStorage, its credential Secret and the encryption Secret by name where
 * they are.
 */
export function cleanupRules(
  snapshot: CleanupSnapshotObject,
  repository: CleanupRepositoryObject,
  storage: KubeObject,
): Map<string, Rule[]> {
  const ns = snapshot.metadata?.namespace ?? '';
  const rules = new Map<string, Rule[]>();
  const add = (n: string, rule: Rule): void => {
    const list = rules.get(n) ?? [];
    const same = list.find((r) => r.resources[0] === rule.resources[0]);
    if (same)
      same.resourceNames = [
        ...new Set([...(same.resourceNames ?? []), ...(rule.resourceNames ?? [])]),
      ].sort();
    else list.push(rule);
    rules.set(n, list);
  };
  const get = (group: string, resource: string, names: string[]): Rule => ({
    apiGroups: [group],
    resources: [resource],
    verbs: ['get'],
    resourceNames: names,
  });
  add(ns, get('storage.kubestash.com', 'snapshots', [snapshot.metadata?.name ?? '']));
  add(ns, get('storage.kubestash.com', 'repositories', [repository.metadata?.name ?? '']));
  const sns = storage.metadata?.namespace ?? ns;
  add(sns, get('storage.kubestash.com', 'backupstorages', [storage.metadata?.name ?? '']));
  const secrets = storageSecretNames(storage);
  if (secrets.length) add(sns, get('', 'secrets', secrets));
  const enc = repository.spec?.encryptionSecret;
  if (enc?.name) add(enc.namespace ?? repository.metadata?.namespace ?? ns, get('', 'secrets', [enc.name]));
  return rules;
}

/**
 * The cleanup Job's identity, in apply order: ServiceAccount, then a Role and RoleBinding per namespace.
 * Those in the Snapshot's namespace are controlled by the Snapshot (they go with it); those elsewhere
 * cannot be owned across namespaces and are deleted by the reconciler before it releases the Snapshot.
 */
export function cleanupRbac(
  snapshot: CleanupSnapshotObject,
  repository: CleanupRepositoryObject,
  storage: KubeObject,
): RbacObject[] {
  const ns = snapshot.metadata?.namespace ?? '';
  const name = snapshot.metadata?.name ?? '';
  const sa = cleanupJobName(name);
  const owner = [ownerOf(snapshot)];
  const meta = (n: string) =>
    n === ns
      ? { name: sa, namespace: n, labels, ownerReferences: owner }
      : { name: foreignRbacName(ns, name), namespace: n, labels };
  const out: RbacObject[] = [
    {
      resource: K8S.serviceAccounts,
      object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ns) },
    },
  ];
  out.push(
    ...rolesAndBindings(cleanupRules(snapshot, repository, storage), meta, {
      kind: 'ServiceAccount',
      name: sa,
      namespace: ns,
    }),
  );
  return out;
}

/**
 * The cleanup Job: one container running `cairn snapshot cleanup` as the Job's ServiceAccount. A local
 * BackupStorage's volume is mounted at its mountPath and named in CAIRN_LOCAL_STORAGE_ROOTS
 * (src/reconcilers/storage-job/volumes.ts), so the task finds the data where the backup Job wrote it.
 */
export function cleanupJob(snapshot: CleanupSnapshotObject, image: string, storage: KubeObject): KubeObject {
  const mounts = localStorageMounts([
    {
      namespace: storage.metadata?.namespace ?? snapshot.metadata?.namespace ?? '',
      name: storage.metadata?.name ?? '',
      ...(storage.spec ? { spec: storage.spec } : {}),
    },
  ]);
  const ns = snapshot.metadata?.namespace ?? '';
  const name = snapshot.metadata?.name ?? '';
  const jobName = cleanupJobName(name);
  return {
    apiVersion: apiVersionOf(K8S.jobs),
    kind: 'Job',
    metadata: { name: jobName, namespace: ns, labels, ownerReferences: [ownerOf(snapshot)] },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: jobName,
          containers: [
            {
              name: 'cleanup',
              image,
              args: snapshotCleanupArgs(ns, name),
              ...(mounts.env.length ? { env: mounts.env } : {}),
              ...(mounts.mounts.length ? { volumeMounts: mounts.mounts } : {}),
            },
          ],
          ...(mounts.volumes.length ? { volumes: mounts.volumes } : {}),
        },
      },
    },
  };
}
