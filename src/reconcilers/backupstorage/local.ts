// A local BackupStorage's backend work, done by Jobs that mount its volume (the operator never mounts a
// user's volume): writing metadata.yaml when the storage is created (kept when present, so a volume another
// cluster initialised keeps its file), and removing everything on it at a WipeOut deletion.
import { METADATA_FILE } from '../../storage/paths.ts';
import { ensureStorageJob, type StorageJobDeps } from '../storage-job/ensure.ts';
import type { StorageJobState } from '../storage-job/job.ts';
import { objectName, ProblemKind, type BackendProblem, type BackupStorageObject } from './backend.ts';
import { backendMetaYaml, type InitOutcome } from './plan.ts';

/** The spec fields of `spec.storage.local` that are not the volume source. */
const OWN_FIELDS = new Set(['mountPath', 'subPath', 'maxConnections']);

/** A local storage that names no volume source cannot be mounted: the problem says what to add. */
export function localVolumeProblem(bs: BackupStorageObject): BackendProblem | undefined {
  const local = (bs.spec.storage.local ?? {}) as Record<string, unknown>;
  if (Object.keys(local).some((k) => !OWN_FIELDS.has(k))) return undefined;
  return {
    kind: ProblemKind.spec,
    message: `BackupStorage ${objectName(bs)}: spec.storage.local names no volume source: add one (hostPath, persistentVolumeClaim, nfs, …) beside mountPath`,
    retryable: false,
  };
}

function storageOf(bs: BackupStorageObject) {
  return {
    namespace: bs.metadata?.namespace ?? '',
    name: bs.metadata?.name ?? '',
    ...(bs.metadata?.uid ? { uid: bs.metadata.uid } : {}),
    spec: bs.spec as never,
  };
}

function owner(bs: BackupStorageObject) {
  return {
    apiVersion: bs.apiVersion ?? 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: {
      ...(bs.metadata?.name ? { name: bs.metadata.name } : {}),
      ...(bs.metadata?.namespace ? { namespace: bs.metadata.namespace } : {}),
      ...(bs.metadata?.uid ? { uid: bs.metadata.uid } : {}),
    },
  };
}

/**
 * Runs (or looks at) the Job that writes metadata.yaml on the volume. Its content is stamped with the
 * storage's creation time, so every run of the reconciler asks for the same Job.
 */
export async function initLocalStorage(
  deps: StorageJobDeps,
  bs: BackupStorageObject,
  operatorVersion: string,
  signal?: AbortSignal,
): Promise<InitOutcome> {
  const created = new Date(bs.metadata?.creationTimestamp ?? 0);
  const state = await ensureStorageJob(
    deps,
    {
      storage: storageOf(bs),
      operation: { op: 'write', key: METADATA_FILE, ifAbsent: true },
      content: backendMetaYaml(created, operatorVersion),
      owner: owner(bs),
      purpose: 'initializer',
    },
    signal,
  );
  switch (state.state) {
    case 'succeeded':
      return { state: 'initialized', wrote: true };
    case 'failed':
      return {
        state: 'failed',
        problem: {
          kind: ProblemKind.other,
          message:
            `BackupStorage ${objectName(bs)}: metadata.yaml could not be written on the volume: ${state.message}. ` +
            'Check spec.storage.local (the volume source exists and is writable); the Job is run again a minute after it failed',
          retryable: false,
        },
      };
    default:
      return {
        state: 'pending',
        message: state.state === 'pending' ? state.message : 'the Job is being created',
      };
  }
}

/** Runs (or looks at) the Job that removes everything on the volume, for a WipeOut deletion. */
export function wipeLocalStorage(
  deps: StorageJobDeps,
  bs: BackupStorageObject,
  signal?: AbortSignal,
): Promise<StorageJobState> {
  return ensureStorageJob(
    deps,
    {
      storage: storageOf(bs),
      operation: { op: 'remove-tree', prefix: '' },
      owner: owner(bs),
      purpose: 'cleaner',
    },
    signal,
  );
}
