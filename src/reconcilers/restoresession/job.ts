// The restore Job of a RestoreSession, built from the Addon's restoreTasks and their Functions (pure). The
// Job runs one container per named task (all but the last as init containers, so they run in order), in
// the session's namespace, owned by the RestoreSession, never retried by the Job controller (a retry is a
// new RestoreSession). It mounts the scratch volume the task declares and the local BackupStorage of the
// repository, as the backup Job does. Values the task reads from Secrets stay references.
import type { V1Container, V1EnvVar, V1Job, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { COMPONENT, controllerReference, invokerLabels, LABEL } from '../../api/backup-names.ts';
import { FunctionArgsError, taskArgs, type BuiltinVariables } from '../../api/function-args.ts';
import { validNameWithPrefixAndSuffix } from '../../api/names.ts';
import { apiVersionOf, K8S, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import { ExecutorError, executorImage, type AddonTask, type FunctionObj } from '../backupsession/job.ts';
import { localStorageMounts, type StorageForJob } from '../storage-job/volumes.ts';
import type { RepositoryObj, RestoreSessionObject, TaskRef } from './plan.ts';

type Json = Record<string, unknown>;

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
  const template = (info.jobTemplate?.spec ?? {}) as Json & {
    env?: V1EnvVar[];
    args?: string[];
    volumes?: V1Volume[];
    volumeMounts?: V1VolumeMount[];
    resources?: Json;
    containerSecurityContext?: Json;
  };
  const runtime = info.containerRuntimeSettings ?? {};
  const builtins = restoreBuiltins(i.rs, i.snapshot);
  const volumes: V1Volume[] = [];
  const containers = (info.tasks ?? []).map((ref: TaskRef): V1Container => {
    const task = i.addon.spec?.restoreTasks?.find((t) => t.name === ref.name);
    if (!task) {
      const known = (i.addon.spec?.restoreTasks ?? []).map((t) => t.name).join(', ') || 'none';
      throw new ExecutorError(
        `Addon ${info.name ?? ''} has no restore task ${ref.name} named by ${where} spec.addon.tasks: use one of ${known}`,
      );
    }
    const fn = i.functions(task.function);
    if (!fn?.spec?.image) {
      throw new ExecutorError(
        `Function ${task.function} of Addon ${info.name ?? ''} task ${task.name} has no image: fix the Function`,
      );
    }
    let args: string[];
    try {
      args = taskArgs(fn.spec, task, ref as never, builtins).args;
    } catch (err) {
      if (err instanceof FunctionArgsError) throw new ExecutorError(`${where}: ${err.message}`);
      throw err;
    }
    for (const v of task.volumeTemplate ?? []) {
      if (volumes.some((x) => x.name === v.name)) continue;
      const source = ref.addonVolumes?.find((a) => a.name === v.name)?.source ?? v.source ?? { emptyDir: {} };
      if ('volumeClaimTemplate' in source) {
        throw new ExecutorError(
          `Addon ${info.name ?? ''} task ${task.name} volume ${v.name} asks for a claim template, which Cairn does not create yet: give a source in spec.addon.tasks[].addonVolumes`,
        );
      }
      volumes.push({ name: v.name, ...source });
    }
    const settings = [fn.spec.runtimeSettings ?? {}, runtime];
    const env = dedupeEnv([
      ...((ref.variables ?? []) as V1EnvVar[]),
      ...settings.flatMap((r) => (r.env as V1EnvVar[] | undefined) ?? []),
      ...(template.env ?? []),
    ]);
    const envFrom = settings.flatMap((r) => (r.envFrom as unknown[] | undefined) ?? []);
    const resources = template.resources ?? last(settings, 'resources');
    const securityContext = template.containerSecurityContext ?? last(settings, 'securityContext');
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
  const local = repositoryLocalStorage(i, containers);
  if (local.volumes.length > 0) {
    volumes.push(...local.volumes);
    for (const c of containers) {
      c.volumeMounts = [...(c.volumeMounts ?? []), ...local.mounts];
      c.env = dedupeEnv([...(c.env ?? []), ...local.env]);
    }
  }
  const labels = restoreLabels(i.rs);
  const pod: Json = {
    restartPolicy: 'Never',
    serviceAccountName: i.serviceAccountName,
    ...(containers.length > 1 ? { initContainers: containers.slice(0, -1) } : {}),
    containers: containers.slice(-1),
    ...(volumes.length ? { volumes } : {}),
  };
  for (const k of POD_FIELDS) if (template[k] !== undefined) pod[k] = template[k];
  const deadlineMs = i.deadline ? Date.parse(i.deadline) - i.now.getTime() : undefined;
  return {
    apiVersion: apiVersionOf(K8S.jobs),
    kind: 'Job',
    metadata: {
      name: restoreJobName(i.rs.metadata?.name ?? ''),
      namespace: ns,
      labels,
      ownerReferences: [
        controllerReference({
          apiVersion: i.rs.apiVersion ?? apiVersionOf(KUBESTASH.restoreSessions),
          kind: 'RestoreSession',
          metadata: i.rs.metadata ?? {},
        }),
      ],
    },
    spec: {
      backoffLimit: 0,
      ...(deadlineMs !== undefined
        ? { activeDeadlineSeconds: Math.max(1, Math.ceil(deadlineMs / 1000)) }
        : {}),
      template: {
        metadata: {
          labels: { ...(info.jobTemplate?.metadata?.labels ?? {}), ...labels },
          ...(info.jobTemplate?.metadata?.annotations
            ? { annotations: info.jobTemplate.metadata.annotations }
            : {}),
        },
        spec: pod as never,
      },
    },
  };
}

/** Pod-level fields of the jobTemplate copied as written. */
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

/** The repository's BackupStorage, mounted when it is local (with CAIRN_LOCAL_STORAGE_ROOTS). */
function repositoryLocalStorage(
  i: RestoreJobInput,
  containers: V1Container[],
): ReturnType<typeof localStorageMounts> {
  const ref = i.repository?.spec?.storageRef;
  const storages: StorageForJob[] = [];
  if (ref?.name) {
    const namespace = ref.namespace || (i.repository?.metadata?.namespace ?? '');
    const obj = i.storage(namespace, ref.name);
    if (obj) storages.push({ namespace, name: ref.name, spec: obj.spec as StorageForJob['spec'] });
  }
  const taken = containers.flatMap((c) => (c.volumeMounts ?? []).map((m) => m.mountPath));
  return localStorageMounts(storages, taken);
}

function last(list: readonly Json[], key: string): unknown {
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
