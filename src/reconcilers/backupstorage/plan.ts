// The BackupStorage's wanted status, decided from what was read: the Secret check, the outcome of writing
// (or finding) metadata.yaml, and the Repositories that use it. Pure: no I/O, the time is passed in.
import { stringify } from 'yaml';
import {
  BackupStorageCondition,
  BackupStorageReason,
  backupStoragePhase,
} from '../../api/backupstorage-phase.ts';
import type { BackupStorageStatus } from '../../api/kinds/backupstorage.ts';
import type { Repository } from '../../api/kinds/repository.ts';
import { ConditionStatus, setCondition, type Condition } from '../../api/conditions.ts';
import { addSizes, parseSize } from '../../api/size.ts';
import { deepEqual } from '../../common/json.ts';
import type { KubeObject } from '../../kube/types.ts';
import { ProblemKind, type BackendProblem, type BackupStorageObject } from './backend.ts';

export type RepositoryObject = Repository & KubeObject;

/** What initialising the backend came to. */
export type InitOutcome =
  | { state: 'initialized'; wrote: boolean }
  /** A local volume: the Job that writes metadata.yaml on it has not finished yet. */
  | { state: 'pending'; message: string }
  | { state: 'failed'; problem: BackendProblem };

/** Reason of BackendInitialized while a local storage's initializer Job runs. */
export const LOCAL_INITIALIZING = 'LocalBackendInitializing';

/**
 * True when the BackendInitialized condition already says this generation of the storage was initialised
 * (a local storage's Job ran): the Job is not run again for it.
 */
export function initializedForGeneration(bs: BackupStorageObject): boolean {
  const c = bs.status?.conditions?.find((x) => x.type === BackupStorageCondition.BackendInitialized);
  return (
    c?.status === ConditionStatus.True &&
    c.reason === BackupStorageReason.BackendInitializationSucceeded &&
    c.observedGeneration === bs.metadata?.generation
  );
}

/** True when `repo` names `bs` in its storageRef (an empty namespace means the Repository's own). */
export function usesStorage(repo: RepositoryObject, bs: BackupStorageObject): boolean {
  const ref = repo.spec?.storageRef;
  if (!ref || ref.name !== bs.metadata?.name) return false;
  return (ref.namespace || repo.metadata?.namespace) === bs.metadata?.namespace;
}

/** The key (`namespace/name`) of the BackupStorage a Repository names. */
export function storageKeyOf(repo: RepositoryObject): string | undefined {
  const ref = repo.spec?.storageRef;
  if (!ref?.name) return undefined;
  return `${ref.namespace || repo.metadata?.namespace || ''}/${ref.name}`;
}

type RepositoryEntry = NonNullable<BackupStorageStatus['repositories']>[number];

/** `status.repositories` (sorted by namespace and name) and `totalSize` from the Repositories using it. */
export function repositoryEntries(repos: readonly RepositoryObject[]): {
  repositories: RepositoryEntry[];
  totalSize: string;
} {
  const sorted = [...repos].sort((a, b) =>
    `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(
      `${b.metadata?.namespace}/${b.metadata?.name}`,
    ),
  );
  const repositories = sorted.map((r) => {
    const e: RepositoryEntry = {
      name: r.metadata?.name,
      namespace: r.metadata?.namespace,
      path: r.spec.path,
    };
    if (r.status?.size) e.size = r.status.size;
    return e;
  });
  const sizes = repositories.map((e) => e.size).filter((s): s is string => s !== undefined && readable(s));
  return { repositories, totalSize: addSizes(sizes) };
}

function readable(size: string): boolean {
  try {
    parseSize(size);
    return true;
  } catch {
    return false;
  }
}

export interface StatusInput {
  bs: BackupStorageObject;
  /** The Secret's problem, undefined when usable; `secretNamed` false for a storage without one. */
  secretNamed: boolean;
  secretProblem: BackendProblem | undefined;
  init: InitOutcome;
  repos: readonly RepositoryObject[];
  now: Date;
}

/** The whole wanted status (phase derived from the conditions, as src/api rules). */
export function planStatus(i: StatusInput): BackupStorageStatus {
  const now = (): Date => i.now;
  const generation = i.bs.metadata?.generation;
  let conditions: Condition[] = [...(i.bs.status?.conditions ?? [])];
  const secretMissing =
    i.secretProblem?.kind === ProblemKind.secretMissing || i.secretProblem?.kind === ProblemKind.secretKeys;
  if (i.secretNamed) {
    conditions = setCondition(
      conditions,
      secretMissing
        ? {
            type: BackupStorageCondition.BackendSecretFound,
            status: ConditionStatus.False,
            reason: BackupStorageReason.BackendSecretNotAvailable,
            message: i.secretProblem?.message,
            observedGeneration: generation,
          }
        : {
            type: BackupStorageCondition.BackendSecretFound,
            status: ConditionStatus.True,
            reason: BackupStorageReason.BackendSecretAvailable,
            message: 'Backend secret exists.',
            observedGeneration: generation,
          },
      now,
    );
  } else {
    conditions = conditions.filter((c) => c.type !== BackupStorageCondition.BackendSecretFound);
  }
  conditions = setCondition(conditions, initCondition(i.init, generation), now);
  const { repositories, totalSize } = repositoryEntries(i.repos);
  return { phase: backupStoragePhase({ conditions }), totalSize, repositories, conditions };
}

function initCondition(init: InitOutcome, observedGeneration: number | undefined) {
  const type = BackupStorageCondition.BackendInitialized;
  switch (init.state) {
    case 'initialized':
      return {
        type,
        status: ConditionStatus.True,
        reason: BackupStorageReason.BackendInitializationSucceeded,
        message: 'Successfully initialized backend.',
        observedGeneration,
      };
    case 'pending':
      return {
        type,
        status: ConditionStatus.Unknown,
        reason: LOCAL_INITIALIZING,
        message: `metadata.yaml is being written on the volume by a Job: ${init.message}`,
        observedGeneration,
      };
    case 'failed':
      return {
        type,
        status: ConditionStatus.False,
        reason: BackupStorageReason.BackendInitializationFailed,
        message: init.problem.message,
        observedGeneration,
      };
  }
}

/** metadata.yaml (BackendMeta, as KubeStash writes it at initialisation: no repositories yet). */
export function backendMetaYaml(now: Date, operatorVersion: string): string {
  return stringify({
    apiVersion: 'config.kubestash.com/v1alpha1',
    kind: 'BackendMeta',
    creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    operatorVersion,
  });
}

/** True when writing `next` would change the stored status (conditions compared whole, times included). */
export function statusChanged(current: BackupStorageStatus | undefined, next: BackupStorageStatus): boolean {
  return !deepEqual(normal(current ?? {}), normal(next));
}

function normal(s: BackupStorageStatus): unknown {
  return JSON.parse(
    JSON.stringify({
      phase: s.phase,
      totalSize: s.totalSize,
      repositories: s.repositories ?? [],
      conditions: s.conditions ?? [],
    }),
  ) as unknown;
}

/** The condition types whose status or reason differ between two lists: what deserves an Event. */
export function transitions(
  before: readonly Condition[] | undefined,
  after: readonly Condition[],
): Condition[] {
  return after.filter((c) => {
    const b = before?.find((x) => x.type === c.type);
    return !b || b.status !== c.status || b.reason !== c.reason;
  });
}
