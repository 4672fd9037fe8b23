// What the retention tests share: a namespace's encryption Secret, BackupStorage, RetentionPolicy keep-two
// (successfulSnapshots.last 2, failedSnapshots.last 1) and a BackupConfiguration with a session that succeeds
// and one that fails, the run of one session, and the checks on its retention status and Snapshots.
import assert from 'node:assert/strict';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
export const PASSWORD = 'not-a-real-password-51c9';
export const BC = 'manifests';
export const REPO = 'repo-a';

export async function setup(
  client: KubeClient,
  namespace: string,
  storage: { spec: Record<string, unknown>; secret?: Record<string, string> },
): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace });
  await create(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'enc', namespace },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  if (storage.secret) {
    await create(K8S.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's3-cred', namespace },
      stringData: storage.secret,
    });
  }
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'store', namespace },
    spec: {
      storage: storage.spec,
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep-two', namespace },
    spec: { successfulSnapshots: { last: 2 }, failedSnapshots: { last: 1 } },
  });
  const session = (name: string, params: Record<string, string>) => ({
    name,
    scheduler: { schedule: '0 0 1 1 *', jobTemplate: {} },
    addon: {
      name: 'kubedump-addon',
      tasks: [
        {
          name: 'manifest-backup',
          params,
          variables: [
            { name: 'RESTIC_PASSWORD', valueFrom: { secretKeyRef: { name: 'enc', key: 'RESTIC_PASSWORD' } } },
          ],
        },
      ],
    },
    repositories: [
      {
        name: REPO,
        backend: 'main',
        directory: `${namespace}/${REPO}`,
        encryptionSecret: { name: 'enc', namespace },
      },
    ],
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: BC, namespace },
    spec: {
      target: { apiGroup: '', kind: 'Namespace', name: namespace },
      backends: [
        {
          name: 'main',
          storageRef: { name: 'store', namespace },
          retentionPolicy: { name: 'keep-two', namespace },
        },
      ],
      sessions: [
        session('frequent', { IncludeResources: 'configmaps' }),
        // The backup container refuses this flag value and exits before reporting: its runs fail.
        session('broken', { IncludeClusterResources: 'maybe' }),
      ],
    },
  });
  await waitFor(
    async () => {
      const bc = await client.get<Obj>(KUBESTASH.backupConfigurations, BC, namespace);
      return bc.status?.phase === 'Ready' ? true : undefined;
    },
    { what: `BackupConfiguration ${BC} Ready`, timeoutMs: 60_000 },
  );
  // The runs triggered when the configuration first became Ready (one per session, created by a trigger
  // Job a moment later) must exist and have ended before the ones created here: an empty list is not idle.
  await waitFor(
    async () => {
      const runs = await client.list<Obj>(KUBESTASH.backupSessions, { namespace });
      const sessions = new Set(runs.items.map((x) => (x.spec as { session?: string } | undefined)?.session));
      const idle =
        sessions.has('frequent') &&
        sessions.has('broken') &&
        runs.items.every((x) => ['Succeeded', 'Failed', 'Skipped'].includes(String(x.status?.phase)));
      if (idle) return true;
      throw new Error(runs.items.map((x) => `${x.metadata?.name}=${String(x.status?.phase)}`).join());
    },
    { what: 'the initial runs finished', timeoutMs: 120_000 },
  );
}

/** Creates a run of `session` and waits until it ends. */
export async function run(
  client: KubeClient,
  namespace: string,
  session: string,
  name: string,
): Promise<Obj> {
  await client.create(
    KUBESTASH.backupSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'BackupSession',
      metadata: { name, namespace },
      spec: { invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: BC }, session },
    },
    { namespace },
  );
  return waitFor(
    async () => {
      const s = await client.get<Obj>(KUBESTASH.backupSessions, name, namespace);
      if (['Failed', 'Succeeded', 'Skipped'].includes(String(s.status?.phase))) return s;
      throw new Error(JSON.stringify(s.status));
    },
    { what: `BackupSession ${name} finished`, timeoutMs: 120_000 },
  );
}

type Entry = { ref?: { name: string }; repository: string; phase: string; error?: string };

export function assertApplied(s: Obj): void {
  const entries = s.status?.retentionPolicy as Entry[] | undefined;
  assert.deepEqual(
    entries?.map((e) => [e.ref?.name, e.repository, e.phase, e.error]),
    [['keep-two', REPO, 'Applied', undefined]],
    JSON.stringify(s.status),
  );
}

/** The names of the session's Snapshots that exist, sorted. */
export async function snapshotsOf(client: KubeClient, namespace: string, session: string): Promise<string[]> {
  const list = await client.list<Obj>(KUBESTASH.snapshots, { namespace });
  return list.items
    .filter((s) => s.spec?.session === session)
    .map((s) => s.metadata?.name ?? '')
    .sort();
}
