// What the RestoreSession reconciler tests share: a local BackupStorage with a Repository and a restore
// ServiceAccount, Snapshots written by hand with the status a backup leaves (so no test depends on the
// restore task itself succeeding), RestoreSession manifests, and waiting for a session's status.
import { join } from 'node:path';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { Condition } from '../../../src/api/conditions.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import { applyAll, localStorage, secret } from '../../harness/backup-manifests.ts';
import type { ClusterContext } from '../../harness/cluster.ts';

export interface RsStatus {
  phase?: string;
  duration?: string;
  totalComponents?: number;
  targetFound?: boolean;
  dependencies?: { kind?: string; name: string; found?: boolean }[];
  conditions?: Condition[];
  components?: Record<string, { phase?: string }>;
}
export type Rs = KubeObject & { status?: RsStatus };
export type JobObj = KubeObject & {
  spec?: {
    backoffLimit?: number;
    template: {
      spec: {
        serviceAccountName?: string;
        volumes?: { name: string; hostPath?: { path: string } }[];
        containers: {
          args?: string[];
          env?: { name: string; value?: string }[];
          volumeMounts?: { mountPath: string }[];
        }[];
      };
    };
  };
};

export const PASSWORD = 'not-a-real-password-5c1e';
export const FINAL = ['Succeeded', 'Failed', 'Unknown', 'Invalid'];

/** A local BackupStorage, the encryption Secret, a Repository `repo` on it, and ServiceAccount `restorer`. */
export async function setup(ctx: ClusterContext): Promise<void> {
  const { client, namespace } = ctx;
  await applyAll(client, [
    secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
    localStorage(namespace, 'local', join(ctx.dir, 'restore-storage', namespace)),
    [
      K8S.serviceAccounts,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'restorer', namespace } },
    ],
    [
      KUBESTASH.repositories,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'repo', namespace },
        spec: {
          storageRef: { name: 'local', namespace },
          path: 'repo',
          encryptionSecret: { name: 'enc', namespace },
          deletionPolicy: 'Delete',
        },
      },
    ],
  ]);
}

/** A Snapshot of `repo` with the status a finished backup leaves (its record uploaded). */
export async function snapshot(
  client: KubeClient,
  namespace: string,
  name: string,
  phase: string,
  time: string,
): Promise<void> {
  await client.create(
    KUBESTASH.snapshots,
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Snapshot',
      metadata: { name, namespace },
      spec: {
        snapshotID: '01HHKQQ59XN4979HMDFNCANA9V',
        type: 'FullBackup',
        repository: 'repo',
        session: 'frequent',
        backupSession: `bc-frequent-${name}`,
        version: 'v1',
        deletionPolicy: 'Delete',
      },
    },
    { namespace },
  );
  await client.patchStatus(KUBESTASH.snapshots, name, namespace, {
    phase,
    snapshotTime: time,
    totalComponents: 1,
    components: { manifest: { phase, driver: 'Restic', path: 'repository/v1/frequent/manifest' } },
    conditions: [
      {
        type: 'SnapshotMetadataUploaded',
        status: 'True',
        reason: 'SuccessfullyUploadedSnapshotMetadata',
        message: 'Metadata uploaded to backend successfully',
        lastTransitionTime: time,
      },
    ],
  });
}

export function restoreSession(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): [typeof KUBESTASH.restoreSessions, KubeObject] {
  return [
    KUBESTASH.restoreSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'RestoreSession',
      metadata: { name, namespace },
      spec: {
        addon: {
          name: 'kubedump-addon',
          tasks: [{ name: 'manifest-restore', params: { IncludeNamespaces: namespace } }],
          jobTemplate: { spec: { serviceAccountName: 'restorer' } },
        },
        ...spec,
      },
    },
  ];
}

export const condition = (rs: Rs | undefined, type: string) =>
  rs?.status?.conditions?.find((c) => c.type === type);

export function sessionWhere(
  client: KubeClient,
  namespace: string,
  name: string,
  what: string,
  ok: (rs: Rs) => boolean,
): Promise<Rs> {
  return waitFor(
    async () => {
      const rs = await client.find<Rs>(KUBESTASH.restoreSessions, name, namespace);
      return rs && ok(rs) ? rs : undefined;
    },
    { what: `RestoreSession ${namespace}/${name}: ${what}`, timeoutMs: 60_000 },
  );
}
