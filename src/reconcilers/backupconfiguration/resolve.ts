// What a BackupConfiguration depends on, resolved from what was read: its backends (BackupStorage Ready and
// usable from the configuration's namespace, RetentionPolicy present and usable), its sessions' Addon, tasks
// and Functions, and the Repositories of the same names that already exist. Pure: every lookup is a
// function over the informer caches, and each problem is a sentence naming the object and the fix.
import type { Addon } from '../../api/kinds/addon.ts';
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { BackupStorage } from '../../api/kinds/backupstorage.ts';
import type { FunctionObject } from '../../api/kinds/function.ts';
import type { ObjectReference } from '../../api/kinds/references.ts';
import type { Repository } from '../../api/kinds/repository.ts';
import type { RetentionPolicy } from '../../api/kinds/retentionpolicy.ts';
import type { BackendReference, RepositoryInfo } from '../../api/kinds/session.ts';
import { BackupStoragePhase, backupStoragePhase } from '../../api/backupstorage-phase.ts';
import { q } from '../../common/json.ts';
import { usageAllowed, usageRefusal, type NamespaceInfo } from '../../api/usage-policy.ts';

/** The cached objects the decision reads; each lookup returns undefined when the object does not exist. */
export interface Lookups {
  /** The Namespace of the BackupConfiguration (for usage policies); undefined when not in the cache. */
  namespace: NamespaceInfo | undefined;
  storage(namespace: string, name: string): BackupStorage | undefined;
  retentionPolicy(namespace: string, name: string): RetentionPolicy | undefined;
  addon(name: string): Addon | undefined;
  fn(name: string): FunctionObject | undefined;
  /** A Repository in the BackupConfiguration's namespace. */
  repository(name: string): Repository | undefined;
}

export interface BackendState {
  name: string;
  /** The backend's storage, with the namespace filled in. */
  storageRef: { name: string; namespace: string };
  ready: boolean;
  storagePhase: string;
  storageReason?: string;
  retentionPolicyRef?: { name: string; namespace: string };
  retentionPolicyFound: boolean;
  retentionPolicyReason?: string;
}

/** A reference with an empty namespace meaning the namespace of the configuration. */
export function refIn(ref: ObjectReference, namespace: string): { name: string; namespace: string } {
  return { name: ref.name, namespace: ref.namespace || namespace };
}

/** The state of one backend and, when it cannot be used, why and how to fix it. */
export function resolveBackend(bc: BackupConfiguration, backend: BackendReference, l: Lookups): BackendState {
  const ns = bc.metadata.namespace ?? '';
  const storageRef = refIn(backend.storageRef, ns);
  const label = backend.name ? `backend ${q(backend.name)}` : 'the backend';
  const state: BackendState = {
    name: backend.name ?? '',
    storageRef,
    ready: false,
    storagePhase: BackupStoragePhase.NotReady,
    retentionPolicyFound: false,
  };
  const storage = l.storage(storageRef.namespace, storageRef.name);
  const storageName = `BackupStorage ${q(`${storageRef.namespace}/${storageRef.name}`)}`;
  if (!storage) {
    state.storageReason = `${storageName} of ${label} does not exist: create it, or correct spec.backends[].storageRef`;
  } else {
    state.storagePhase = storage.status?.phase ?? backupStoragePhase(storage.status);
    const refusal = usageRefusalFor(storage, 'BackupStorage', l.namespace, ns);
    if (refusal) state.storageReason = refusal;
    else if (state.storagePhase !== BackupStoragePhase.Ready) {
      state.storageReason = `${storageName} of ${label} is not Ready (phase ${state.storagePhase}): see its conditions (kubectl describe backupstorage -n ${storageRef.namespace} ${storageRef.name})`;
    }
  }
  if (!backend.retentionPolicy) {
    state.retentionPolicyReason = `${label} has no retentionPolicy: set spec.backends[].retentionPolicy, or mark a RetentionPolicy as default so that it is filled in`;
  } else {
    const ref = refIn(backend.retentionPolicy, ns);
    state.retentionPolicyRef = ref;
    const policy = l.retentionPolicy(ref.namespace, ref.name);
    const policyName = `RetentionPolicy ${q(`${ref.namespace}/${ref.name}`)}`;
    if (!policy) {
      state.retentionPolicyReason = `${policyName} of ${label} does not exist: create it, or correct spec.backends[].retentionPolicy`;
    } else {
      state.retentionPolicyReason = usageRefusalFor(policy, 'RetentionPolicy', l.namespace, ns);
      state.retentionPolicyFound = state.retentionPolicyReason === undefined;
    }
  }
  state.ready = state.storageReason === undefined && state.retentionPolicyFound;
  return state;
}

function usageRefusalFor(
  holder: { metadata: { name?: string; namespace?: string }; spec: { usagePolicy?: unknown } },
  kind: string,
  namespace: NamespaceInfo | undefined,
  referrer: string,
): string | undefined {
  const h = {
    kind,
    namespace: holder.metadata.namespace ?? '',
    name: holder.metadata.name ?? '',
    usagePolicy: holder.spec.usagePolicy,
  };
  // Before the Namespace is cached its labels are unknown; only a Selector policy needs them.
  const info = namespace ?? { name: referrer, labels: {} };
  if (usageAllowed(h, info)) return undefined;
  const r = usageRefusal(h, info);
  return `${r.problem}: ${r.fix}`;
}

/** The backend a repository names: by name, or the only/unnamed one when it names none. */
export function backendOf(
  bc: BackupConfiguration,
  repo: RepositoryInfo,
): { backend?: BackendReference; problem?: string } {
  const backends = bc.spec.backends ?? [];
  if (repo.backend) {
    const b = backends.find((x) => x.name === repo.backend);
    return b
      ? { backend: b }
      : {
          problem: `repository ${q(repo.name)} names backend ${q(repo.backend)}, which is not in spec.backends: use the name of one of its entries`,
        };
  }
  const b = backends.length === 1 ? backends[0] : backends.find((x) => !x.name);
  return b
    ? { backend: b }
    : {
        problem: `repository ${q(repo.name)} names no backend and spec.backends has ${backends.length === 0 ? 'none' : 'several'}: set repositories[].backend to one of spec.backends[].name`,
      };
}

/** Problems with a session's Addon: the Addon, each task and each task's Function must exist. */
export function addonProblems(
  session: BackupConfiguration['spec']['sessions'][number],
  l: Lookups,
): string[] {
  const name = session.addon.name;
  const addon = l.addon(name);
  if (!addon) {
    return [
      `Addon ${q(name)} of session ${q(session.name)} does not exist: install it (kubectl get addons lists the installed ones) or correct spec.sessions[].addon.name`,
    ];
  }
  const out: string[] = [];
  for (const task of session.addon.tasks ?? []) {
    const t = (addon.spec.backupTasks ?? []).find((x) => x.name === task.name);
    if (!t) {
      const known = (addon.spec.backupTasks ?? []).map((x) => x.name).join(', ') || 'none';
      out.push(
        `Addon ${q(name)} has no backup task ${q(task.name)} (session ${q(session.name)}): use one of ${known}`,
      );
    } else if (!l.fn(t.function)) {
      out.push(
        `Function ${q(t.function)} of task ${q(task.name)} of Addon ${q(name)} does not exist: install the Addon's Functions`,
      );
    }
  }
  return out;
}

/**
 * Why an existing Repository of that name cannot serve this session repository (another storage or path:
 * a Repository's path never changes), or undefined when it can or does not exist yet.
 */
export function repositoryConflict(
  existing: Repository | undefined,
  storageRef: { name: string; namespace: string },
  path: string,
): string | undefined {
  if (!existing) return undefined;
  const name = q(`${existing.metadata.namespace ?? ''}/${existing.metadata.name ?? ''}`);
  const s = existing.spec.storageRef;
  const ns = s.namespace || existing.metadata.namespace;
  if (s.name !== storageRef.name || ns !== storageRef.namespace) {
    return `Repository ${name} already exists on BackupStorage ${q(`${ns ?? ''}/${s.name}`)}: give the repository another name, or use that storage`;
  }
  if (existing.spec.path !== path) {
    return `Repository ${name} already exists with path ${q(existing.spec.path)}, and a path cannot change: give the repository another name, or set directory to ${q(existing.spec.path)}`;
  }
  return undefined;
}
