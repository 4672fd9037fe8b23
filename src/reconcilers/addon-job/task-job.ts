// The Job that runs an Addon's tasks (pure), shared by the backup Job of a BackupSession and the restore Job of
// a RestoreSession. One container per task, each running its Function with the args resolved against the
// session's built-in variables; every container but the last is an init container, so the tasks run in order.
// The Job is never retried by the Job controller unless the caller asks for it, and values the tasks read from
// Secrets stay references (env valueFrom, envFrom): the Job spec never holds a secret value.
import type { V1Container, V1EnvVar, V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { controllerReference } from '../../api/backup-names.ts';
import { FunctionArgsError, taskArgs, type BuiltinVariables } from '../../api/function-args.ts';
import { apiVersionOf, K8S } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import { localStorageMounts, type StorageForJob } from '../storage-job/volumes.ts';

/**
 * The repository of Cairn's released image. A Function that runs it runs the operator's own image instead
 * (same repository in a release; the pod runner's image in the dev cluster), so the task's `cairn` is always
 * the operator's version and the catalog need not be rewritten for each release or environment.
 */
export const CAIRN_IMAGE_REPOSITORY = 'ghcr.io/cairn-backup/cairn';

type Json = Record<string, unknown>;

/** A task as an Addon declares it (backupTasks[], restoreTasks[]). */
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

/** A task as a session names it (spec.addon.tasks[]). */
export interface SessionTaskRef {
  name: string;
  params?: Json;
  variables?: V1EnvVar[];
  addonVolumes?: { name: string; source?: Json }[];
}

/** The jobTemplate of a session's addon: what it adds to every container and to the pod. */
export interface JobTemplate {
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
}

/** Why the executor cannot be built: the message names the object and the fix. */
export class ExecutorError extends Error {}

/** The image the task container runs: the operator's own for Cairn's image, else the Function's. */
export function executorImage(functionImage: string, operatorImage: string): string {
  const repository = functionImage.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return repository === CAIRN_IMAGE_REPOSITORY ? operatorImage : functionImage;
}

export interface TaskJobInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** The session that controls the Job. */
  owner: { apiVersion: string; kind: string; metadata: KubeObject['metadata'] };
  /** The addon's name, for messages. */
  addonName: string;
  /** The session named in messages, e.g. `RestoreSession demo/r1`. */
  where: string;
  /** The tasks to run, in order, each with its Addon declaration (the caller says what is missing). */
  tasks: { ref: SessionTaskRef; task: AddonTask }[];
  functions: (name: string) => FunctionObj | undefined;
  builtins: BuiltinVariables;
  containerRuntimeSettings?: Json;
  jobTemplate?: JobTemplate;
  operatorImage: string;
  serviceAccountName: string;
  /** The local BackupStorages mounted into every container (at their `mountPath` unless one is taken). */
  storages: StorageForJob[];
  backoffLimit?: number;
  /** RFC 3339; bounds the Job's activeDeadlineSeconds. */
  deadline?: string;
  now: Date;
}

/** Pod-level fields of the jobTemplate copied onto the pod as written. */
const POD_FIELDS = [
  'securityContext',
  'nodeSelector',
  'affinity',
  'tolerations',
  'topologySpreadConstraints',
  'imagePullSecrets',
  'priorityClassName',
  'priority',
] as const;

/** The Job, or an ExecutorError naming what is wrong (a Function without image, its args, a volume). */
export function taskJob(i: TaskJobInput): V1Job & KubeObject {
  const template = i.jobTemplate?.spec ?? {};
  const runtime = i.containerRuntimeSettings ?? {};
  const volumes: V1Volume[] = [];
  const containers = i.tasks.map(({ ref, task }): V1Container => {
    const fn = i.functions(task.function);
    if (!fn?.spec?.image) {
      throw new ExecutorError(
        `Function ${task.function} of Addon ${i.addonName} task ${task.name} does not exist or has no image: install it or give it one`,
      );
    }
    let args: string[];
    try {
      args = taskArgs(fn.spec, task, ref, i.builtins).args;
    } catch (err) {
      if (err instanceof FunctionArgsError) throw new ExecutorError(`${i.where}: ${err.message}`);
      throw err;
    }
    for (const v of task.volumeTemplate ?? []) {
      if (volumes.some((x) => x.name === v.name)) continue;
      const source = ref.addonVolumes?.find((a) => a.name === v.name)?.source ?? v.source ?? { emptyDir: {} };
      if ('volumeClaimTemplate' in source) {
        throw new ExecutorError(
          `Addon ${i.addonName} task ${task.name} volume ${v.name} asks for a claim template, which Cairn does not create yet: give a source in the addon task's addonVolumes`,
        );
      }
      volumes.push({ name: v.name, ...source });
    }
    const settings: Json[] = [fn.spec.runtimeSettings ?? {}, runtime];
    const env = dedupeEnv([
      ...(ref.variables ?? []),
      ...settings.flatMap((r) => (r.env as V1EnvVar[] | undefined) ?? []),
      ...(template.env ?? []),
    ]);
    const envFrom = settings.flatMap((r) => (r.envFrom as unknown[] | undefined) ?? []);
    const resources = template.resources ?? pickLast(settings, 'resources');
    const securityContext = template.containerSecurityContext ?? pickLast(settings, 'securityContext');
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
      ...(env.length ? { env } : {}),
      ...(envFrom.length ? { envFrom } : {}),
      ...(resources ? { resources } : {}),
      ...(securityContext ? { securityContext } : {}),
      ...(mounts.length ? { volumeMounts: mounts } : {}),
    } as V1Container;
  });
  volumes.push(...(template.volumes ?? []));
  const taken = containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.mountPath));
  const local = localStorageMounts(i.storages, taken);
  if (local.volumes.length > 0) {
    volumes.push(...local.volumes);
    for (const c of containers) {
      c.volumeMounts = [...(c.volumeMounts ?? []), ...local.mounts];
      c.env = dedupeEnv([...(c.env ?? []), ...local.env]);
    }
  }
  const pod: Json = {
    restartPolicy: 'Never',
    serviceAccountName: i.serviceAccountName,
    ...(containers.length > 1 ? { initContainers: containers.slice(0, -1) } : {}),
    containers: containers.slice(-1),
    ...(volumes.length ? { volumes } : {}),
  };
  for (const k of POD_FIELDS) if (template[k] !== undefined) pod[k] = template[k];
  const deadlineMs = i.deadline ? Date.parse(i.deadline) - i.now.getTime() : undefined;
  const annotations = i.jobTemplate?.metadata?.annotations;
  return {
    apiVersion: apiVersionOf(K8S.jobs),
    kind: 'Job',
    metadata: {
      name: i.name,
      namespace: i.namespace,
      labels: i.labels,
      ownerReferences: [controllerReference({ ...i.owner, metadata: i.owner.metadata ?? {} })],
    },
    spec: {
      backoffLimit: i.backoffLimit ?? 0,
      ...(deadlineMs !== undefined
        ? { activeDeadlineSeconds: Math.max(1, Math.ceil(deadlineMs / 1000)) }
        : {}),
      template: {
        metadata: {
          labels: { ...(i.jobTemplate?.metadata?.labels ?? {}), ...i.labels },
          ...(annotations ? { annotations } : {}),
        },
        spec: pod as never,
      },
    },
  };
}

/** The value of `key` in the last settings object that sets it (Function < addon). */
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
