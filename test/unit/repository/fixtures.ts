// The objects of one Repository on an S3 BackupStorage, for the in-memory client: Repository `manifests`
// with two components, BackupStorage `s3` with a credential Secret, and the encryption Secret.
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import type { FakeClient } from './fake-client.ts';

export const NS = 'demo';
export const PASSWORD = 'pw-unit-planted-5c1d';
export const SECRET_KEY = 'sk-unit-planted-77ab';
export const MANIFEST = 'repository/v1/frequent-backup/manifest';
export const EXTRA = 'repository/v1/frequent-backup/extra';

export function secret(client: FakeClient, name: string, data: Record<string, string>, namespace = NS): void {
  client.put(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace },
    stringData: data,
  });
}

export function repositoryObject(
  name: string,
  spec: Record<string, unknown>,
  componentPaths: string[] = [MANIFEST, EXTRA],
  namespace = NS,
): Record<string, unknown> {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name, namespace },
    spec: {
      storageRef: { name: 's3' },
      path: 'cluster-manifests',
      encryptionSecret: { name: 'encryption' },
      ...spec,
    },
    status: { componentPaths },
  };
}

/** The standard objects; `change` edits them before they are stored. */
export function seed(
  client: FakeClient,
  change: { repository?: Record<string, unknown>; storage?: Record<string, unknown> } = {},
): void {
  secret(client, 'credentials', { AWS_ACCESS_KEY_ID: 'AKIAUNITTEST', AWS_SECRET_ACCESS_KEY: SECRET_KEY });
  secret(client, 'encryption', { RESTIC_PASSWORD: PASSWORD });
  client.put(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 's3', namespace: NS },
    spec: {
      storage: change.storage ?? {
        provider: 's3',
        s3: { endpoint: 'http://127.0.0.1:9', bucket: 'backups', prefix: 'p', secretName: 'credentials' },
      },
    },
  });
  client.put(KUBESTASH.repositories, repositoryObject('manifests', change.repository ?? {}));
}
