// The objects of a kubedump backup on S3 (MinIO) in one namespace, as a user writes them: the encryption and
// credential Secrets, a BackupStorage, a RetentionPolicy and a BackupConfiguration with one session and one
// repository, backing up the ConfigMaps of the namespace (built by backup-manifests.ts). Shared by the
// recovery tests.
import { K8S } from '../../src/api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { openComponentRepositories } from '../../src/repository/open.ts';
import { RepositoryObjects } from '../../src/repository/objects.ts';
import { resolveRepository } from '../../src/repository/resolve.ts';
import { SecretBook } from '../../src/repository/secret-book.ts';
import type { ResticLock } from '../../src/restic/locks.ts';
import {
  applyAll,
  backupConfiguration,
  backupSession as backupSessionManifest,
  retentionPolicy,
  s3Storage,
  secret,
  sessionEnded,
  type Manifest,
  type Obj,
} from './backup-manifests.ts';
import type { MinioServer } from './objectstores.ts';

export type { Obj };
export type Condition = { type: string; status: string; reason?: string; message?: string };

export const PASSWORD = 'recovery-planted-password-91c4';
export const SESSION = 'frequent';
export const REPOSITORY = 'repo';
export const COMPONENT_PATH = `repository/v1/${SESSION}/manifest`;
export const TERMINAL = ['Succeeded', 'Failed', 'Skipped'];

export interface BackupObjects {
  bucket: string;
  /** The BackupConfiguration's name. */
  bc: string;
}

/**
 * Creates the objects in `namespace` (the BackupConfiguration last; the others only once per namespace).
 * `bc` names the configuration (default `manifests`, whose repository is REPOSITORY; another one's is
 * `repositoryOf(bc)`).
 */
export async function createBackupObjects(
  client: KubeClient,
  namespace: string,
  s3: MinioServer,
  o: { bc?: string; bucket?: string; schedule?: string; paused?: boolean } = {},
): Promise<BackupObjects> {
  const bc = o.bc ?? 'manifests';
  const bucket = o.bucket ?? 'recovery';
  const manifests: Manifest[] = [];
  if (!(await client.find(K8S.secrets, 'enc', namespace))) {
    await s3.createBucket(bucket);
    manifests.push(
      secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
      ...s3Storage(namespace, 'store', s3, bucket),
      retentionPolicy(namespace, 'keep', {
        successfulSnapshots: { last: 20 },
        failedSnapshots: { last: 20 },
      }),
    );
  }
  manifests.push(
    backupConfiguration({
      namespace,
      name: bc,
      target: namespace,
      backends: { main: 'store' },
      retentionPolicy: 'keep',
      repositories: { [repositoryOf(bc)]: 'main' },
      directories: { [repositoryOf(bc)]: `${namespace}/${bc}` },
      encryptionSecret: 'enc',
      session: {
        name: SESSION,
        sessionHistoryLimit: 20,
        scheduler: { schedule: o.schedule ?? '0 0 1 1 *', jobTemplate: {} },
      },
      params: { IncludeResources: 'configmaps' },
      ...(o.paused ? { paused: true } : {}),
    }),
  );
  await applyAll(client, manifests);
  return { bucket, bc };
}

/** The repository of a configuration made by createBackupObjects. */
export function repositoryOf(bc: string): string {
  return bc === 'manifests' ? REPOSITORY : `${REPOSITORY}-${bc}`;
}

/** A BackupSession of the configuration's session, as `kubectl create` would make it. */
export function backupSession(namespace: string, bc: string, name: string): KubeObject {
  return backupSessionManifest(namespace, bc, SESSION, name)[1];
}

/** Resolves with the BackupSession once its phase is terminal. */
export function waitForTerminal(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs = 120_000,
): Promise<Obj> {
  return sessionEnded(client, namespace, name, timeoutMs);
}

export function condition(o: Obj, type: string): Condition | undefined {
  return ((o.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);
}

/** The locks of the repository's manifest component, as the restic binary lists them. */
export async function resticLocks(
  client: KubeClient,
  namespace: string,
  repository: string,
  restic: string,
): Promise<ResticLock[]> {
  const book = new SecretBook();
  const resolved = await resolveRepository(
    new RepositoryObjects(client),
    { namespace, name: repository },
    book,
  );
  const repos = await openComponentRepositories(resolved, book, { process: { binary: restic } });
  try {
    return await (await repos.open(COMPONENT_PATH)).listLocks();
  } finally {
    await repos.close();
  }
}
