// The backup Job of a BackupSession, built from the session's Addon tasks and their Functions (pure). The
// Job runs one container per task (every task but the last as an init container, so they run in order), in
// the session's namespace, controlled by the BackupSession. Values the task reads from Secrets stay
// references (env valueFrom, envFrom): the Job spec never holds a secret value.
import type { V1Container, V1EnvVar, V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { backupJobLabels, backupJobServiceAccountName, controllerReference } from '../../api/backup-names.ts';
import { backupBuiltins, FunctionArgsError, taskArgs } from '../../api/function-args.ts';
import { backupJobName } from '../../api/names.ts';
import { apiVersionOf, K8S, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import { localStorageMounts, type StorageForJob } from '../storage-job/volumes.ts';
import { runLabels, type ConfigurationObject, type SessionObject, type SessionSpec } from './plan.ts';

/**
 * The repository of Cairn's released image. A Function that runs it runs the operator's own image instead
 * (same repository in a release; the pod runner's image in the dev cluster), so the task's `cairn` is always
 * the operator's version and the catalog need not be rewritten for each release or environment.
 */
export const CAIRN_IMAGE_REPOSITORY = 'ghcr.io/cairn-backup/cairn';

type Json = Record<string, unknown>;

interface TaskRef {
  name: string;
  params?: Json;
  variables?: V1EnvVar[];
  addonVolumes?: { name: string; source?: Json }[];
}

interface AddonInfo {
  name: string;
  tasks?: TaskRef[];
  containerRuntimeSettings?: Json & { env?: V1EnvVar[]; envFrom?: unknown[] };
  jobTemplate?: {
    metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: Json & {
      serviceAccountName?: string;
      env?: V1EnvVar[];
      args?: string[];
      volumes?: V1Volume[];
      volumeMounts?: V1VolumeMount[];
      resources?: Json;
      containerSecurityContext?: Json;
    };
  };
}

export interface AddonTask {
  name: string;
  function: string;
  parameters?: { name: string; required?: boolean; default?: string }[];
  volumeTemplate?: { name: string; source?: Json }[];
  volumeMounts?: V1VolumeMount[];
}

export interface FunctionObj extends KubeObject {
  spec?: {
    image?: string;
    command?: string[];
    args?: string[];
    workingDir?: string;
    volumeMounts?: V1VolumeMount[];
    runtimeSettings?: Json & { env?: V1EnvVar[] };
  };
}

export interface AddonObj extends KubeObject {
  spec?: { backupTasks?: AddonTask[] };
}

/** Why the executor cannot be built: the message names the object and the fix. */
export class ExecutorError extends Error {}

/** The session's `addon` as written in the BackupConfiguration. */
export function sessionAddon(spec: SessionSpec | undefined): AddonInfo | undefined {
  return spec?.addon as AddonInfo | undefined;
}

/** The image the task container runs: the operator's own for Cairn's image, else the Function's. */
export function executorImage(functionImage: string, operatorImage: string): string {
  const repository = functionImage.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return repository === CAIRN_IMAGE_REPOSITORY ? operatorImage : functionImage;
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
  const builtins = backupBuiltins({
    namespace: ns,
    backupSession: i.session.metadata?.name ?? '',
    invokerKind: 'BackupConfiguration',
    invokerName: i.configuration.metadata?.name ?? '',
    ...(i.configuration.spec?.target ? { target: i.configuration.spec.target } : {}),
  });
  const volumes: V1Volume[] = [];
  const template = info.jobTemplate?.spec ?? {};
  const containers = refs.map((ref): V1Container => {
    const task = i.addon?.spec?.backupTasks?.find((t) => t.name === ref.name);
    if (!task) {
      const known = (i.addon?.spec?.backupTasks ?? []).map((t) => t.name).join(', ') || 'none';
      throw new ExecutorError(
        `Addon ${info.name} has no backup task ${ref.name} named by ${where}: use one of ${known}`,
      );
    }
    const fn = i.functions(task.function);
    if (!fn?.spec?.image) {
      throw new ExecutorError(
        `Function ${task.function} of Addon ${info.name} task ${task.name} does not exist or has no image: install it`,
      );
    }
    let args: string[];
    try {
      args = taskArgs(fn.spec, task, ref, builtins).args;
    } catch (err) {
      if (err instanceof FunctionArgsError) throw new ExecutorError(`${where}: ${err.message}`);
      throw err;
    }
    for (const v of task.volumeTemplate ?? []) {
      if (volumes.some((x) => x.name === v.name)) continue;
      const override = ref.addonVolumes?.find((a) => a.name === v.name)?.source;
      const source = override ?? v.source ?? { emptyDir: {} };
      if ('volumeClaimTemplate' in source) {
        throw new ExecutorError(
          `Addon ${info.name} task ${task.name} volume ${v.name} asks for a claim template, which Cairn does not create yet: give a source in addonVolumes`,
        );
      }
      volumes.push({ name: v.name, ...source });
    }
    const runtime = [fn.spec.runtimeSettings ?? {}, info.containerRuntimeSettings ?? {}];
    const env = [...(ref.variables ?? []), ...runtime.flatMap((r) => r.env ?? []), ...(template.env ?? [])];
    const envFrom = runtime.flatMap((r) => (r.envFrom as unknown[] | undefined) ?? []);
    const resources = template.resources ?? pickLast(runtime, 'resources');
    const securityContext = template.containerSecurityContext ?? pickLast(runtime, 'securityContext');
    const mounts = [
      ...(task.volumeMounts ?? []),
      ...(fn.spec.volumeMounts ?? []),
      ...(template.volumeMounts ?? []),
    ];
    return {
      name: task.name,
      image: executorImage(fn.spec.image, i.operatorImage),
      ...(fn.spec.command ? { command: fn.spec.command } : {}),
      args: [...args, ...(template.args ?? [])],
      ...(fn.spec.workingDir ? { workingDir: fn.spec.workingDir } : {}),
      ...(env.length ? { env: dedupeEnv(env) } : {}),
      ...(envFrom.length ? { envFrom } : {}),
      ...(resources ? { resources } : {}),
      ...(securityContext ? { securityContext } : {}),
      ...(mounts.length ? { volumeMounts: mounts } : {}),
    } as V1Container;
  });
  volumes.push(...(template.volumes ?? []));
  const local = sessionLocalStorages(i, containers, ns);
  if (local.volumes.length > 0) {
    volumes.push(...local.volumes);
    for (const c of containers) {
      c.volumeMounts = [...(c.volumeMounts ?? []), ...local.mounts];
      c.env = dedupeEnv([...(c.env ?? []), ...local.env]);
    }
  }

  const labels = backupJobLabels(runLabels(i.session));
  const podLabels = { ...(info.jobTemplate?.metadata?.labels ?? {}), ...labels };
  const deadlineMs = i.deadline ? Date.parse(i.deadline) - i.now.getTime() : undefined;
  const pod: Json = {
    restartPolicy: 'Never',
    serviceAccountName: i.serviceAccountName,
    ...(containers.length > 1 ? { initContainers: containers.slice(0, -1) } : {}),
    containers: containers.slice(-1),
    ...(volumes.length ? { volumes } : {}),
  };
  for (const k of [
    'securityContext',
    'nodeSelector',
    'affinity',
    'tolerations',
    'topologySpreadConstraints',
    'imagePullSecrets',
    'priorityClassName',
    'priority',
  ]) {
    if (template[k] !== undefined) pod[k] = template[k];
  }
  return {
    apiVersion: apiVersionOf(K8S.jobs),
    kind: 'Job',
    metadata: {
      name: backupJobName(i.session.metadata?.name ?? ''),
      namespace: ns,
      labels,
      ownerReferences: [
        controllerReference({
          apiVersion: i.session.apiVersion ?? apiVersionOf(KUBESTASH.backupSessions),
          kind: 'BackupSession',
          metadata: i.session.metadata ?? {},
        }),
      ],
    },
    spec: {
      backoffLimit: i.spec.scheduler?.jobTemplate?.backoffLimit ?? 0,
      ...(deadlineMs !== undefined
        ? { activeDeadlineSeconds: Math.max(1, Math.ceil(deadlineMs / 1000)) }
        : {}),
      template: {
        metadata: {
          labels: podLabels,
          ...(info.jobTemplate?.metadata?.annotations
            ? { annotations: info.jobTemplate.metadata.annotations }
            : {}),
        },
        spec: pod as never,
      },
    },
  };
}

/**
 * The volumes, mounts and env that give the Job's containers the local BackupStorages of the session's
 * repositories (through their backends), each at its `mountPath` unless a container already mounts
 * something there.
 */
function sessionLocalStorages(
  i: JobInput,
  containers: V1Container[],
  ns: string,
): ReturnType<typeof localStorageMounts> {
  const storages: StorageForJob[] = [];
  const backends = i.configuration.spec?.backends ?? [];
  for (const r of i.spec.repositories ?? []) {
    const ref = backends.find((b) => b.name === r.backend)?.storageRef;
    if (!ref?.name || !i.storage) continue;
    const namespace = ref.namespace ?? ns;
    const obj = i.storage(namespace, ref.name);
    if (obj) storages.push({ namespace, name: ref.name, spec: obj.spec as StorageForJob['spec'] });
  }
  const taken = containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.mountPath));
  return localStorageMounts(storages, taken);
}

function pickLast(list: readonly Json[], key: string): unknown {
  let out: unknown;
  for (const r of list) if (r[key] !== undefined) out = r[key];
  return out;
}

/** Later entries of the same name win (Function < addon < jobTemplate), keeping first-seen order. */
function dedupeEnv(env: V1EnvVar[]): V1EnvVar[] {
  const byName = new Map<string, V1EnvVar>();
  for (const e of env) {
    byName.delete(e.name);
    byName.set(e.name, e);
  }
  return [...byName.values()];
}

/** The Job's end: undefined while it runs; else whether it succeeded and the reason the Job gives. */
export function jobOutcome(job: KubeObject | undefined): { succeeded: boolean; message: string } | undefined {
  const conditions = ((job?.status as Json | undefined)?.conditions ?? []) as {
    type: string;
    status: string;
    reason?: string;
    message?: string;
  }[];
  const name = `Job ${job?.metadata?.namespace ?? ''}/${job?.metadata?.name ?? ''}`;
  const complete = conditions.find((c) => c.type === 'Complete' && c.status === 'True');
  if (complete) return { succeeded: true, message: `${name} completed` };
  const failed = conditions.find((c) => c.type === 'Failed' && c.status === 'True');
  if (failed) {
    return {
      succeeded: false,
      message: `${name} failed (${failed.reason ?? 'Failed'}: ${failed.message ?? 'no message'}); its pod's log says why (kubectl logs job/${job?.metadata?.name ?? ''} -n ${job?.metadata?.namespace ?? ''})`,
    };
  }
  return undefined;
}
