// The objects of a kubedump backup on S3 (MinIO) in one namespace, as a user writes them: the encryption and
// credential Secrets, a BackupStorage, a RetentionPolicy and a BackupConfiguration with one session and one
// repository, backing up the ConfigMaps of the namespace. Shared by the recovery tests.
import { KUBESTASH, K8S } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { openComponentRepositories } from '../../src/repository/open.ts';
import { RepositoryObjects } from '../../src/repository/objects.ts';
import { resolveRepository } from '../../src/repository/resolve.ts';
import { SecretBook } from '../../src/repository/secret-book.ts';
import type { ResticLock } from '../../src/restic/locks.ts';
import type { MinioServer } from './objectstores.ts';

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
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
  const create = (r: Parameters<KubeClient['create']>[0], obj: KubeObject) =>
    client.create(r, obj, { namespace });
  if (!(await client.find(K8S.secrets, 'enc', namespace))) {
    await create(K8S.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'enc', namespace },
      stringData: { RESTIC_PASSWORD: PASSWORD },
    });
    await create(K8S.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's3-cred', namespace },
      stringData: s3.secretData,
    });
    await s3.createBucket(bucket);
    await create(KUBESTASH.backupStorages, {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'BackupStorage',
      metadata: { name: 'store', namespace },
      spec: {
        storage: {
          provider: 's3',
          s3: { endpoint: s3.endpoint, bucket, prefix: namespace, region: s3.region, secretName: 's3-cred' },
        },
        usagePolicy: { allowedNamespaces: { from: 'Same' } },
        deletionPolicy: 'Delete',
      },
    });
    await create(KUBESTASH.retentionPolicies, {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'RetentionPolicy',
      metadata: { name: 'keep', namespace },
      spec: { successfulSnapshots: { last: 20 }, failedSnapshots: { last: 20 } },
    });
  }
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: bc, namespace },
    spec: {
      ...(o.paused ? { paused: true } : {}),
      target: { apiGroup: '', kind: 'Namespace', name: namespace },
      backends: [
        {
          name: 'main',
          storageRef: { name: 'store', namespace },
          retentionPolicy: { name: 'keep', namespace },
        },
      ],
      sessions: [
        {
          name: SESSION,
          sessionHistoryLimit: 20,
          scheduler: { schedule: o.schedule ?? '0 0 1 1 *', jobTemplate: {} },
          addon: {
            name: 'kubedump-addon',
            tasks: [
              {
                name: 'manifest-backup',
                params: { IncludeResources: 'configmaps' },
                variables: [
                  {
                    name: 'RESTIC_PASSWORD',
                    valueFrom: { secretKeyRef: { name: 'enc', key: 'RESTIC_PASSWORD' } },
                  },
                ],
              },
            ],
          },
          repositories: [
            {
              name: repositoryOf(bc),
              backend: 'main',
              directory: `${namespace}/${bc}`,
              encryptionSecret: { name: 'enc', namespace },
            },
          ],
        },
      ],
    },
  });
  return { bucket, bc };
}

/** The repository of a configuration made by createBackupObjects. */
export function repositoryOf(bc: string): string {
  return bc === 'manifests' ? REPOSITORY : `${REPOSITORY}-${bc}`;
}

/** A BackupSession of the configuration's session, as `kubectl create` would make it. */
export function backupSession(namespace: string, bc: string, name: string): KubeObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupSession',
    metadata: { name, namespace },
    spec: {
      invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: bc },
      session: SESSION,
    },
  };
}

/** Resolves with the BackupSession once its phase is terminal. */
export function waitForTerminal(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs = 120_000,
): Promise<Obj> {
  return waitFor(
    async () => {
      const s = await client.get<Obj>(KUBESTASH.backupSessions, name, namespace);
      if (TERMINAL.includes(String(s.status?.phase))) return s;
      throw new Error(`${name}: ${JSON.stringify(s.status ?? {})}`);
    },
    { what: `BackupSession ${namespace}/${name} to end`, timeoutMs },
  );
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
