// The restore Job of a RestoreSession, built from the Addon's restoreTasks and their Functions (pure). The
// Job runs one container per named task (all but the last as init containers, so they run in order), in
// the session's namespace, owned by the RestoreSession, never retried by the Job controller (a retry is a
// new RestoreSession). It mounts the scratch volume the task declares and the local BackupStorage of the
// repository, as the backup Job does (both are built by ../addon-job/task-job.ts). Values the task reads from
// Secrets stay references.
import type { V1Job } from '@kubernetes/client-node';
import { COMPONENT, invokerLabels, LABEL } from '../../api/backup-names.ts';
import type { BuiltinVariables } from '../../api/function-args.ts';
import { validNameWithPrefixAndSuffix } from '../../api/names.ts';
import { apiVersionOf, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import {
  ExecutorError,
  taskJob,
  type AddonTask,
  type FunctionObj,
  type SessionTaskRef,
} from '../addon-job/task-job.ts';
import type { StorageForJob } from '../storage-job/volumes.ts';
import type { RepositoryObj, RestoreSessionObject, TaskRef } from './plan.ts';

export interface RestoreAddonObj extends KubeObject {
  spec?: { restoreTasks?: AddonTask[] };
}

/** `restore-<restoresession>`, fitted to 63 characters: the Job, and the Role and ServiceAccount it runs with. */
export function restoreJobName(restoreSession: string): string {
  return validNameWithPrefixAndSuffix('restore', restoreSession, '');
}

/** The labels of everything the session creates: the invoker labels and the restore component. */
export function restoreLabels(rs: RestoreSessionObject): Record<string, string> {
  return {
    ...invokerLabels({
      kind: 'RestoreSession',
      name: rs.metadata?.name ?? '',
      namespace: rs.metadata?.namespace ?? '',
    }),
    [LABEL.component]: COMPONENT.restore,
  };
}

/** The ServiceAccount of the Job: the jobTemplate's (the user's, allowed to write what is restored), else Cairn's. */
export function restoreServiceAccount(rs: RestoreSessionObject): { name: string; managed: boolean } {
  const named = rs.spec?.addon?.jobTemplate?.spec?.serviceAccountName;
  if (named) return { name: named, managed: false };
  return { name: restoreJobName(rs.metadata?.name ?? ''), managed: true };
}

/** The Functions the named tasks run that are not installed (none when the Addon itself is missing). */
export function missingFunctions(
  rs: RestoreSessionObject,
  addon: RestoreAddonObj | undefined,
  functions: (name: string) => FunctionObj | undefined,
): string[] {
  const out = new Set<string>();
  for (const ref of rs.spec?.addon?.tasks ?? []) {
    const task = addon?.spec?.restoreTasks?.find((t) => t.name === ref.name);
    if (task && !functions(task.function)) out.add(task.function);
  }
  return [...out].sort();
}

export interface RestoreJobInput {
  rs: RestoreSessionObject;
  addon: RestoreAddonObj;
  functions: (name: string) => FunctionObj | undefined;
  operatorImage: string;
  serviceAccountName: string;
  /** The Snapshot restored (its name: the Functions' `${snapshot}`). */
  snapshot: string;
  repository: RepositoryObj | undefined;
  /** A BackupStorage by namespace and name: a local one is mounted into every container. */
  storage: (namespace: string, name: string) => KubeObject | undefined;
  /** RFC 3339; bounds the Job's activeDeadlineSeconds. */
  deadline?: string;
  now: Date;
}

/** The built-in variables of the restore Job's Functions. */
export function restoreBuiltins(rs: RestoreSessionObject, snapshot: string): BuiltinVariables {
  const ns = rs.metadata?.namespace ?? '';
  const b: BuiltinVariables = {
    namespace: ns,
    restoreSession: rs.metadata?.name ?? '',
    snapshot,
    invokerKind: 'RestoreSession',
    invokerName: rs.metadata?.name ?? '',
  };
  const t = rs.spec?.target;
  if (t) {
    b.targetApiGroup = t.apiGroup ?? '';
    b.targetKind = t.kind ?? '';
    b.targetName = t.name;
    b.targetNamespace = t.namespace ?? ns;
  }
  return b;
}

/** The Job, or an ExecutorError naming what is wrong (a task the Addon lacks, a Function's args). */
export function restoreJob(i: RestoreJobInput): V1Job & KubeObject {
  const ns = i.rs.metadata?.namespace ?? '';
  const info = i.rs.spec?.addon ?? {};
  const where = `RestoreSession ${ns}/${i.rs.metadata?.name ?? ''}`;
  const tasks = (info.tasks ?? []).map((ref: TaskRef) => {
    const task = i.addon.spec?.restoreTasks?.find((t) => t.name === ref.name);
    if (!task) {
      const known = (i.addon.spec?.restoreTasks ?? []).map((t) => t.name).join(', ') || 'none';
      throw new ExecutorError(
        `Addon ${info.name ?? ''} has no restore task ${ref.name} named by ${where} spec.addon.tasks: use one of ${known}`,
      );
    }
    return { ref: ref as SessionTaskRef, task };
  });
  return taskJob({
    name: restoreJobName(i.rs.metadata?.name ?? ''),
    namespace: ns,
    labels: restoreLabels(i.rs),
    owner: {
      apiVersion: i.rs.apiVersion ?? apiVersionOf(KUBESTASH.restoreSessions),
      kind: 'RestoreSession',
      metadata: i.rs.metadata ?? {},
    },
    addonName: info.name ?? '',
    where,
    tasks,
    functions: i.functions,
    builtins: restoreBuiltins(i.rs, i.snapshot),
    ...(info.containerRuntimeSettings ? { containerRuntimeSettings: info.containerRuntimeSettings } : {}),
    ...(info.jobTemplate ? { jobTemplate: info.jobTemplate } : {}),
    operatorImage: i.operatorImage,
    serviceAccountName: i.serviceAccountName,
    storages: repositoryLocalStorage(i),
    ...(i.deadline ? { deadline: i.deadline } : {}),
    now: i.now,
  });
}

/** The repository's BackupStorage, mounted when it is local (with CAIRN_LOCAL_STORAGE_ROOTS). */
function repositoryLocalStorage(i: RestoreJobInput): StorageForJob[] {
  const ref = i.repository?.spec?.storageRef;
  if (!ref?.name) return [];
  const namespace = ref.namespace || (i.repository?.metadata?.namespace ?? '');
  const obj = i.storage(namespace, ref.name);
  return obj ? [{ namespace, name: ref.name, spec: obj.spec as StorageForJob['spec'] }] : [];
}
