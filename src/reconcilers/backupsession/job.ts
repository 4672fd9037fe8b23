// The backup Job of a BackupSession, built from the session's Addon tasks and their Functions (pure). The
// Job runs one container per task (every task but the last as an init container, so they run in order), in
// the session's namespace, controlled by the BackupSession. Values the task reads from Secrets stay
// references (env valueFrom, envFrom): the Job spec never holds a secret value. The containers and pod are
// built by ../addon-job/task-job.ts, as the restore Job's are.
import type { V1EnvVar, V1Job } from '@kubernetes/client-node';
import { backupJobLabels, backupJobServiceAccountName } from '../../api/backup-names.ts';
import { backupBuiltins } from '../../api/function-args.ts';
import { backupJobName } from '../../api/names.ts';
import { apiVersionOf, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import {
  ExecutorError,
  taskJob,
  type AddonTask,
  type FunctionObj,
  type JobTemplate,
  type SessionTaskRef,
} from '../addon-job/task-job.ts';
import type { StorageForJob } from '../storage-job/volumes.ts';
import { runLabels, type ConfigurationObject, type SessionObject, type SessionSpec } from './plan.ts';

type Json = Record<string, unknown>;

interface AddonInfo {
  name: string;
  tasks?: SessionTaskRef[];
  containerRuntimeSettings?: Json & { env?: V1EnvVar[]; envFrom?: unknown[] };
  jobTemplate?: JobTemplate;
}

export interface AddonObj extends KubeObject {
  spec?: { backupTasks?: AddonTask[] };
}

/** The session's `addon` as written in the BackupConfiguration. */
export function sessionAddon(spec: SessionSpec | undefined): AddonInfo | undefined {
  return spec?.addon as AddonInfo | undefined;
}

/** The ServiceAccount of the Job: the jobTemplate's, else the per-session one Cairn creates. */
export function jobServiceAccount(
  session: SessionObject,
  spec: SessionSpec | undefined,
): { name: string; managed: boolean } {
  const named = sessionAddon(spec)?.jobTemplate?.spec?.serviceAccountName;
  if (named) return { name: named, managed: false };
  return {
    name: backupJobServiceAccountName(session.spec?.invoker?.name ?? '', session.spec?.session ?? ''),
    managed: true,
  };
}

export interface JobInput {
  session: SessionObject;
  configuration: ConfigurationObject;
  spec: SessionSpec;
  addon: AddonObj | undefined;
  functions: (name: string) => FunctionObj | undefined;
  operatorImage: string;
  serviceAccountName: string;
  /**
   * A BackupStorage by namespace and name (the informer cache): the local storages the session's
   * repositories use are mounted into every container of the Job.
   */
  storage?: (namespace: string, name: string) => KubeObject | undefined;
  /** RFC 3339; bounds the Job's activeDeadlineSeconds. */
  deadline?: string;
  now: Date;
}

/** The Job, or an ExecutorError naming what is missing or wrong (Addon, task, Function, args). */
export function backupJob(i: JobInput): V1Job & KubeObject {
  const ns = i.session.metadata?.namespace ?? '';
  const info = sessionAddon(i.spec);
  const where = `BackupConfiguration ${ns}/${i.configuration.metadata?.name ?? ''} session ${i.spec.name}`;
  if (!info?.name) throw new ExecutorError(`${where} names no addon: set addon.name, e.g. kubedump-addon`);
  if (!i.addon) {
    throw new ExecutorError(
      `Addon ${info.name} named by ${where} does not exist: install it (kubectl get addons lists those installed)`,
    );
  }
  const refs = info.tasks ?? [];
  if (refs.length === 0) throw new ExecutorError(`${where} names no addon task: add one to addon.tasks`);
  const tasks = refs.map((ref) => {
    const task = i.addon?.spec?.backupTasks?.find((t) => t.name === ref.name);
    if (!task) {
      const known = (i.addon?.spec?.backupTasks ?? []).map((t) => t.name).join(', ') || 'none';
      throw new ExecutorError(
        `Addon ${info.name} has no backup task ${ref.name} named by ${where}: use one of ${known}`,
      );
    }
    return { ref, task };
  });
  return taskJob({
    name: backupJobName(i.session.metadata?.name ?? ''),
    namespace: ns,
    labels: backupJobLabels(runLabels(i.session)),
    owner: {
      apiVersion: i.session.apiVersion ?? apiVersionOf(KUBESTASH.backupSessions),
      kind: 'BackupSession',
      metadata: i.session.metadata ?? {},
    },
    addonName: info.name,
    where,
    tasks,
    functions: i.functions,
    builtins: backupBuiltins({
      namespace: ns,
      backupSession: i.session.metadata?.name ?? '',
      invokerKind: 'BackupConfiguration',
      invokerName: i.configuration.metadata?.name ?? '',
      ...(i.configuration.spec?.target ? { target: i.configuration.spec.target } : {}),
    }),
    ...(info.containerRuntimeSettings ? { containerRuntimeSettings: info.containerRuntimeSettings } : {}),
    ...(info.jobTemplate ? { jobTemplate: info.jobTemplate } : {}),
    operatorImage: i.operatorImage,
    serviceAccountName: i.serviceAccountName,
    storages: sessionLocalStorages(i, ns),
    backoffLimit: i.spec.scheduler?.jobTemplate?.backoffLimit ?? 0,
    ...(i.deadline ? { deadline: i.deadline } : {}),
    now: i.now,
  });
}

/** The local BackupStorages of the session's repositories (through their backends), mounted into the Job. */
function sessionLocalStorages(i: JobInput, ns: string): StorageForJob[] {
  const storages: StorageForJob[] = [];
  const backends = i.configuration.spec?.backends ?? [];
  for (const r of i.spec.repositories ?? []) {
    const ref = backends.find((b) => b.name === r.backend)?.storageRef;
    if (!ref?.name || !i.storage) continue;
    const namespace = ref.namespace ?? ns;
    const obj = i.storage(namespace, ref.name);
    if (obj) storages.push({ namespace, name: ref.name, spec: obj.spec as StorageForJob['spec'] });
  }
  return storages;
}
