// The objects of a backup as a test writes them, built in one place: the encryption and storage Secrets, a
// BackupStorage on MinIO or a local hostPath, a RetentionPolicy, and a BackupConfiguration with one session
// of the kubedump Addon. Pure builders, plus `applyAll` to create them and the waits a backup test needs.
import assert from 'node:assert/strict';
import { K8S, KUBESTASH, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import type { MinioServer } from './objectstores.ts';

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** One object to create, with its resource. */
export type Manifest = [ResourceType, KubeObject];

export function secret(namespace: string, name: string, stringData: Record<string, string>): Manifest {
  return [K8S.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, stringData }];
}

function backupStorage(namespace: string, name: string, storage: Record<string, unknown>): Manifest {
  return [
    KUBESTASH.backupStorages,
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'BackupStorage',
      metadata: { name, namespace },
      spec: { storage, usagePolicy: { allowedNamespaces: { from: 'Same' } }, deletionPolicy: 'Delete' },
    },
  ];
}

/** A BackupStorage on `bucket` of MinIO under the prefix `namespace`, with its credential Secret. */
export function s3Storage(namespace: string, name: string, minio: MinioServer, bucket: string): Manifest[] {
  const secretName = `${name}-cred`;
  return [
    secret(namespace, secretName, minio.secretData),
    backupStorage(namespace, name, {
      provider: 's3',
      s3: { ...minio.storageSpec(bucket, namespace).s3, secretName },
    }),
  ];
}

/** A local BackupStorage: the host directory `hostDir` mounted at `mountPath` in the Jobs. */
export function localStorage(
  namespace: string,
  name: string,
  hostDir: string,
  mountPath = '/safe/data',
): Manifest {
  return backupStorage(namespace, name, {
    provider: 'local',
    local: { mountPath, hostPath: { path: hostDir, type: 'DirectoryOrCreate' } },
  });
}

export function retentionPolicy(namespace: string, name: string, spec: Record<string, unknown>): Manifest {
  return [
    KUBESTASH.retentionPolicies,
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'RetentionPolicy',
      metadata: { name, namespace },
      spec,
    },
  ];
}

export interface ConfigurationInput {
  namespace: string;
  name: string;
  /** The namespace backed up. */
  target: string;
  /** Backend name → BackupStorage name (in `namespace`); every backend uses `retentionPolicy`. */
  backends: Record<string, string>;
  retentionPolicy: string;
  /** Repository name → backend; each repository's directory is its name, encrypted by `encryptionSecret`. */
  repositories: Record<string, string>;
  encryptionSecret: string;
  /** A repository's directory when it is not the repository's name. */
  directories?: Record<string, string>;
  /** The session: its name, and whatever else it sets (retryConfig, sessionHistoryLimit …). */
  session: { name: string } & Record<string, unknown>;
  /** The kubedump task's params, and the addon fields besides its name and tasks (jobTemplate …). */
  params?: Record<string, string>;
  addon?: Record<string, unknown>;
  /** The scratch volume given a lasting host directory (addonVolumes of the task). */
  scratchHostDir?: string;
  paused?: boolean;
}

/** A BackupConfiguration with one session of the kubedump Addon's manifest-backup task, never due by itself. */
export function backupConfiguration(i: ConfigurationInput): Manifest {
  const { namespace } = i;
  const task = {
    name: 'manifest-backup',
    ...(i.params ? { params: i.params } : {}),
    ...(i.scratchHostDir
      ? {
          addonVolumes: [
            {
              name: 'kubestash-tmp-volume',
              source: { hostPath: { path: i.scratchHostDir, type: 'DirectoryOrCreate' } },
            },
          ],
        }
      : {}),
  };
  return [
    KUBESTASH.backupConfigurations,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'BackupConfiguration',
      metadata: { name: i.name, namespace },
      spec: {
        ...(i.paused ? { paused: true } : {}),
        target: { apiGroup: '', kind: 'Namespace', name: i.target },
        backends: Object.entries(i.backends).map(([name, storage]) => ({
          name,
          storageRef: { name: storage, namespace },
          retentionPolicy: { name: i.retentionPolicy, namespace },
        })),
        sessions: [
          {
            scheduler: { schedule: '0 0 1 1 *', jobTemplate: { backoffLimit: 0 } },
            ...i.session,
            repositories: Object.entries(i.repositories).map(([name, backend]) => ({
              name,
              backend,
              directory: i.directories?.[name] ?? name,
              encryptionSecret: { name: i.encryptionSecret, namespace },
            })),
            addon: { name: 'kubedump-addon', ...i.addon, tasks: [task] },
          },
        ],
      },
    },
  ];
}

/** Creates each object in its namespace, in order. */
export async function applyAll(client: KubeClient, manifests: readonly Manifest[]): Promise<void> {
  for (const [resource, object] of manifests) {
    const namespace = object.metadata?.namespace;
    await client.create(resource, object, namespace ? { namespace } : {});
  }
}

const phaseOf = (o: Obj | undefined): string => (typeof o?.status?.phase === 'string' ? o.status.phase : '');

/** The BackupSession `name` once it ended (Succeeded, Failed or Skipped). */
export function sessionEnded(
  client: KubeClient,
  namespace: string,
  name: string,
  timeoutMs = 240_000,
): Promise<Obj> {
  return waitFor(
    async () => {
      const bs = await client.find<Obj>(KUBESTASH.backupSessions, name, namespace);
      return ['Succeeded', 'Failed', 'Skipped'].includes(phaseOf(bs)) ? bs : undefined;
    },
    { what: `BackupSession ${namespace}/${name} to end`, timeoutMs },
  );
}

/** The first BackupSession of the namespace (the one a configuration triggers once Ready), once it ended. */
export async function firstSessionEnded(
  client: KubeClient,
  namespace: string,
  timeoutMs = 240_000,
): Promise<Obj> {
  const name = await waitFor(
    async () => (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items[0]?.metadata?.name,
    { what: `the first BackupSession in ${namespace}`, timeoutMs },
  );
  return sessionEnded(client, namespace, name, timeoutMs);
}

/** A BackupSession of `session` of configuration `bc`, as `kubectl create` would make it. */
export function backupSession(namespace: string, bc: string, session: string, name: string): Manifest {
  return [
    KUBESTASH.backupSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'BackupSession',
      metadata: { name, namespace },
      spec: { invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: bc }, session },
    },
  ];
}

/** Creates a BackupSession of `session` of configuration `bc` and resolves once it Succeeded. */
export async function runSession(
  client: KubeClient,
  namespace: string,
  bc: string,
  session: string,
  name: string,
): Promise<Obj> {
  await applyAll(client, [backupSession(namespace, bc, session, name)]);
  const ended = await sessionEnded(client, namespace, name);
  assert.equal(phaseOf(ended), 'Succeeded', `BackupSession ${name} ended ${phaseOf(ended)}`);
  return ended;
}

/**
 * ServiceAccount `name` of `namespace`, bound cluster-wide to `cluster-admin` by ClusterRoleBinding `binding`:
 * the account a restore Job runs as, allowed to write what it restores (as KubeStash's guides grant it).
 */
export function restorerAccount(namespace: string, name: string, binding: string): Manifest[] {
  return [
    [K8S.serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }],
    [
      K8S.clusterRoleBindings,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: binding },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      },
    ],
  ];
}
