// Uploading a finished Snapshot's record to its backend (`<repository path>/snapshots/<name>.yaml`, the
// whole object as KubeStash writes it), which is what makes the backup visible to a cluster that syncs the
// storage; the outcome becomes the SnapshotMetadataUploaded condition. The storage is opened the way the
// BackupStorage reconciler opens it (same validation, Secret checks and credential-free messages); a local
// storage's record is written by a Job that mounts its volume (src/reconcilers/storage-job).
import { stringify } from 'yaml';
import { ConditionStatus, type ConditionUpdate } from '../../api/conditions.ts';
import { SnapshotCondition, SnapshotReason, snapshotComponentsPhase } from '../../api/snapshot-phase.ts';
import type { KubeObject } from '../../kube/types.ts';
import { snapshotKey } from '../../storage/paths.ts';
import {
  isProblem,
  resolveSpec,
  secretNameOf,
  withBackend,
  type BackupStorageObject,
  type SecretObject,
} from '../backupstorage/backend.ts';
import { ensureStorageJob, type StorageJobDeps } from '../storage-job/ensure.ts';
import type { SnapshotStatusInput } from './plan.ts';

export type SnapshotObject = KubeObject & {
  spec?: { repository?: string };
  status?: SnapshotStatusInput;
};
export type RepositoryObject = KubeObject & {
  spec?: { path?: string; storageRef?: { name: string; namespace?: string } };
};

/** Whether the record is due: every component reported and no upload was tried yet. */
export function metadataDue(s: SnapshotObject): boolean {
  const p = snapshotComponentsPhase(s.status);
  if (p !== 'Succeeded' && p !== 'Failed') return false;
  return !(s.status?.conditions ?? []).some((c) => c.type === SnapshotCondition.SnapshotMetadataUploaded);
}

/** The Snapshot as it is stored: the object without the server's bookkeeping. */
export function snapshotRecord(s: SnapshotObject): string {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = s.metadata ?? {};
  return stringify({ apiVersion: s.apiVersion, kind: s.kind, metadata, spec: s.spec, status: s.status });
}

export interface MetadataSources {
  repository: (name: string, namespace: string) => RepositoryObject | undefined;
  storage: (name: string, namespace: string) => BackupStorageObject | undefined;
  /** The Secret with its data (read when a record is uploaded: src/controller/secret-reader.ts). */
  secret: (name: string, namespace: string) => SecretObject | undefined | Promise<SecretObject | undefined>;
  /** What the Job that writes a local storage's record needs; without it a local record fails. */
  localJobs?: StorageJobDeps;
}

/**
 * The condition to set; or `retry` (the storage is temporarily unreachable: the caller retries with
 * backoff); or `pending` (a local storage's Job is still writing the record: the caller looks again soon,
 * and the Job's changes re-queue the Snapshot).
 */
export type MetadataOutcome = { condition: ConditionUpdate } | { retry: string } | { pending: string };

const failed = (message: string): ConditionUpdate => ({
  type: SnapshotCondition.SnapshotMetadataUploaded,
  status: ConditionStatus.False,
  reason: SnapshotReason.FailedToUploadSnapshotMetadata,
  message,
});

/** Uploads the record (for a local storage, through a Job) and says what came of it. */
export async function uploadSnapshotMetadata(
  s: SnapshotObject,
  src: MetadataSources,
): Promise<MetadataOutcome> {
  const ns = s.metadata?.namespace ?? '';
  const name = s.metadata?.name ?? '';
  const repoName = s.spec?.repository ?? '';
  const repo = src.repository(repoName, ns);
  if (!repo?.spec?.path || !repo.spec.storageRef?.name) {
    return {
      condition: failed(
        `Repository ${ns}/${repoName} of Snapshot ${ns}/${name} does not exist or names no storage and path: the Snapshot's record cannot be uploaded`,
      ),
    };
  }
  const sns = repo.spec.storageRef.namespace ?? ns;
  const bs = src.storage(repo.spec.storageRef.name, sns);
  if (!bs) {
    return {
      condition: failed(
        `BackupStorage ${sns}/${repo.spec.storageRef.name} of Repository ${ns}/${repoName} does not exist`,
      ),
    };
  }
  const storage = resolveSpec(bs);
  if (isProblem(storage)) return { condition: failed(storage.message) };
  const secretName = secretNameOf(storage);
  const secret = secretName ? await src.secret(secretName, sns) : undefined;
  const key = snapshotKey(storage, repo.spec.path, name);
  if (storage.provider === 'local') return uploadLocal(s, bs, key, src.localJobs);
  const r = await withBackend(bs, storage, secret, (b) => b.put(key, snapshotRecord(s)));
  if ('problem' in r) {
    if (r.problem.retryable) return { retry: r.problem.message };
    return { condition: failed(r.problem.message) };
  }
  return { condition: uploaded };
}

const uploaded: ConditionUpdate = {
  type: SnapshotCondition.SnapshotMetadataUploaded,
  status: ConditionStatus.True,
  reason: SnapshotReason.SuccessfullyUploadedSnapshotMetadata,
  message: 'Metadata uploaded to backend successfully',
};

/** The record of a Snapshot on a local storage, written by a Job that mounts the volume. */
async function uploadLocal(
  s: SnapshotObject,
  bs: BackupStorageObject,
  key: string,
  jobs: StorageJobDeps | undefined,
): Promise<MetadataOutcome> {
  const who = `Snapshot ${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
  if (!jobs) {
    return {
      condition: failed(`${who}: its storage is a local volume and this operator runs no storage Jobs`),
    };
  }
  const state = await ensureStorageJob(jobs, {
    storage: {
      namespace: bs.metadata?.namespace ?? '',
      name: bs.metadata?.name ?? '',
      ...(bs.metadata?.uid ? { uid: bs.metadata.uid } : {}),
      spec: bs.spec,
    },
    operation: { op: 'write', key },
    content: snapshotRecord(s),
    owner: {
      apiVersion: s.apiVersion ?? 'storage.kubestash.com/v1alpha1',
      kind: 'Snapshot',
      metadata: {
        name: s.metadata?.name ?? '',
        namespace: s.metadata?.namespace ?? '',
        uid: s.metadata?.uid ?? '',
      },
    },
    purpose: 'uploader',
  });
  if (state.state === 'succeeded') return { condition: uploaded };
  if (state.state === 'failed') {
    return {
      condition: failed(`${who}: its record could not be written on the local volume: ${state.message}`),
    };
  }
  return {
    pending: `${who}: its record is being written on the local volume (${state.state === 'pending' ? state.message : 'starting the Job'})`,
  };
}
