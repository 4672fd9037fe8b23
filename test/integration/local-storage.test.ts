// A `provider: local` BackupStorage on a hostPath, end to end through the operator's Jobs: the storage
// becomes Ready once its Job wrote metadata.yaml on the volume; a BackupConfiguration written as in
// KubeStash's kubedump namespace guide backs a namespace up to it (the backup Job mounts the volume); the
// volume then holds exactly the layout of the API reference §4 with a restic repository the restic CLI opens
// with the password; deleting the storage with WipeOut empties the volume through the cleanup Job.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { parse } from 'yaml';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { clusterTest, waitForGone } from '../harness/cluster.ts';

const PASSWORD = 'local-planted-password-81d2c4';
const REPO_DIR = 'ns-manifests';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

let restic = '';
let work = '';

before(() => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  work = mkdtempSync(join(tmpdir(), 'cairn-local-storage-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Every file under `dir`, relative, sorted (directories are implied by their files). */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    )
    .sort();
}

/**
 * The guide's objects with a local storage in place of GCS, without the guide's `cluster-resource-reader`
 * ServiceAccount: the Job runs as the per-session ServiceAccount Cairn makes (a ServiceAccount named in
 * jobTemplate is not yet granted the Snapshot status writes the task needs).
 */
async function applyGuide(client: KubeClient, namespace: string, app: string, root: string): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, r.namespaced ? { namespace } : {});
  await create(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'encrypt-secret', namespace },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'local-storage', namespace },
    spec: {
      storage: {
        provider: 'local',
        local: { mountPath: '/safe/data', hostPath: { path: root, type: 'DirectoryOrCreate' } },
      },
      usagePolicy: { allowedNamespaces: { from: 'All' } },
      default: true,
      deletionPolicy: 'WipeOut',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'demo-retention', namespace },
    spec: {
      default: true,
      failedSnapshots: { last: 2 },
      maxRetentionPeriod: '2mo',
      successfulSnapshots: { last: 5 },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
    },
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'kube-system-backup', namespace },
    spec: {
      target: { apiGroup: '', kind: 'Namespace', name: app },
      backends: [
        {
          name: 'local-backend',
          storageRef: { namespace, name: 'local-storage' },
          retentionPolicy: { name: 'demo-retention', namespace },
        },
      ],
      sessions: [
        {
          name: 'frequent-backup',
          sessionHistoryLimit: 3,
          scheduler: { schedule: '*/5 * * * *', jobTemplate: { backoffLimit: 1 } },
          repositories: [
            {
              name: 'local-repository',
              backend: 'local-backend',
              directory: `/${REPO_DIR}`,
              encryptionSecret: { name: 'encrypt-secret', namespace },
              deletionPolicy: 'WipeOut',
            },
          ],
          addon: {
            name: 'kubedump-addon',
            tasks: [{ name: 'manifest-backup' }],
          },
        },
      ],
    },
  });
}

clusterTest(
  'a local BackupStorage on a hostPath is initialised, backed up to and wiped out through Jobs, leaving the layout of §4 with a restic repository restic opens',
  async ({ client, namespace }, t) => {
    const root = join(mkdtempSync(join(work, 'volume-')), 'data');
    const app = `${namespace.slice(0, 50)}-app`;
    await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app } });
    t.after(() => client.delete(K8S.namespaces, app).then(() => undefined));
    await client.create(
      K8S.configMaps,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'coredns', namespace: app },
        data: { a: 'b' },
      },
      { namespace: app },
    );
    await applyGuide(client, namespace, app, root);

    // The storage is Ready once its Job wrote metadata.yaml on the volume.
    const storage = await waitFor(
      async () => {
        const bs = await client.get<Obj>(KUBESTASH.backupStorages, 'local-storage', namespace);
        if (bs.status?.phase === 'Ready') return bs;
        throw new Error(JSON.stringify(bs.status?.conditions));
      },
      { what: 'BackupStorage local-storage Ready', timeoutMs: 60_000 },
    );
    const initialized = (storage.status?.conditions as { type: string; reason: string }[]).find(
      (c) => c.type === 'BackendInitialized',
    );
    assert.equal(initialized?.reason, 'BackendInitializationSucceeded');
    const meta = parse(readFileSync(join(root, 'metadata.yaml'), 'utf8')) as { kind: string };
    assert.equal(meta.kind, 'BackendMeta');

    // The first run (triggered when the BackupConfiguration became Ready) succeeds.
    const session = await waitFor(
      async () => {
        const list = await client.list<Obj>(KUBESTASH.backupSessions, { namespace });
        const s = list.items.find((x) => ['Succeeded', 'Failed'].includes(String(x.status?.phase)));
        if (s) return s;
        throw new Error(
          list.items.map((x) => `${x.metadata?.name}=${String(x.status?.phase)}`).join() || 'none',
        );
      },
      { what: 'a BackupSession finished', timeoutMs: 150_000 },
    );
    assert.equal(session.status?.phase, 'Succeeded', JSON.stringify(session.status));
    const sessionName = session.metadata?.name ?? '';
    const snapshots = await client.list<Obj>(KUBESTASH.snapshots, { namespace });
    const snapshot = snapshots.items.find((s) => s.spec?.backupSession === sessionName);
    assert.ok(snapshot, 'the run has a Snapshot');
    const snapshotName = snapshot.metadata?.name ?? '';
    const uploaded = await waitFor(
      async () => {
        const s = await client.get<Obj>(KUBESTASH.snapshots, snapshotName, namespace);
        const c = (s.status?.conditions as { type: string; status: string }[] | undefined)?.find(
          (x) => x.type === 'SnapshotMetadataUploaded',
        );
        return c ? s : undefined;
      },
      { what: `Snapshot ${snapshotName} record uploaded`, timeoutMs: 60_000 },
    );
    assert.equal(uploaded.status?.phase, 'Succeeded', JSON.stringify(uploaded.status));
    await waitFor(
      async () => {
        const r = await client.get<Obj>(KUBESTASH.repositories, 'local-repository', namespace);
        return r.status?.phase === 'Ready' ? r : undefined;
      },
      { what: 'Repository local-repository Ready', timeoutMs: 30_000 },
    );

    // The volume holds exactly the §4 layout.
    const component = `${REPO_DIR}/repository/v1/frequent-backup/manifest`;
    const layout = files(root).filter((f) => !f.startsWith(`${component}/`));
    assert.deepEqual(layout, [
      'metadata.yaml',
      `${REPO_DIR}/repository.yaml`,
      `${REPO_DIR}/snapshots/${snapshotName}.yaml`,
    ]);
    assert.ok(existsSync(join(root, component, 'config')), 'the manifest component is a restic repository');
    const repoFile = parse(readFileSync(join(root, REPO_DIR, 'repository.yaml'), 'utf8')) as {
      kind: string;
      metadata: { name: string };
    };
    assert.deepEqual([repoFile.kind, repoFile.metadata.name], ['Repository', 'local-repository']);
    const record = parse(readFileSync(join(root, REPO_DIR, 'snapshots', `${snapshotName}.yaml`), 'utf8')) as {
      kind: string;
      metadata: { name: string };
    };
    assert.deepEqual([record.kind, record.metadata.name], ['Snapshot', snapshotName]);
    const listed = JSON.parse(
      execFileSync(restic, ['snapshots', '--json', '--no-lock'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: work,
          RESTIC_CACHE_DIR: join(work, 'restic-cache'),
          RESTIC_PASSWORD: PASSWORD,
          RESTIC_REPOSITORY: join(root, component),
        },
      }).toString(),
    ) as { id: string }[];
    assert.equal(listed.length, 1);
    const tree = execFileSync(restic, ['ls', listed[0]?.id ?? '', '--no-lock'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        RESTIC_CACHE_DIR: join(work, 'restic-cache'),
        RESTIC_PASSWORD: PASSWORD,
        RESTIC_REPOSITORY: join(root, component),
      },
    }).toString();
    assert.match(tree, /ConfigMap\/coredns\.yaml/);

    // No Job spec holds the password.
    const jobs = await client.list<Obj>(K8S.jobs, { namespace });
    assert.ok(!JSON.stringify(jobs.items).includes(PASSWORD), 'a Job spec holds the password');

    // WipeOut: the cleanup Job empties the volume, then the storage goes.
    await client.delete(KUBESTASH.backupConfigurations, 'kube-system-backup', { namespace });
    await client.delete(KUBESTASH.backupStorages, 'local-storage', { namespace });
    await waitForGone(
      'BackupStorage local-storage',
      () => client.get(KUBESTASH.backupStorages, 'local-storage', namespace),
      90_000,
    );
    assert.deepEqual(readdirSync(root), [], 'the volume is empty after WipeOut');
  },
  300_000,
);

clusterTest(
  'a local BackupStorage whose volume cannot be mounted stays NotReady, its condition saying why the Job waits, and nothing is created in its place',
  async ({ client, namespace }) => {
    const missing = join(work, `absent-${namespace}`);
    await client.create(
      KUBESTASH.backupStorages,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'BackupStorage',
        metadata: { name: 'unmountable', namespace },
        spec: {
          storage: {
            provider: 'local',
            local: { mountPath: '/safe/data', hostPath: { path: missing, type: 'Directory' } },
          },
          usagePolicy: { allowedNamespaces: { from: 'Same' } },
          deletionPolicy: 'Delete',
        },
      },
      { namespace },
    );
    const condition = await waitFor(
      async () => {
        const bs = await client.get<Obj>(KUBESTASH.backupStorages, 'unmountable', namespace);
        const c = (
          bs.status?.conditions as { type: string; status: string; message: string }[] | undefined
        )?.find((x) => x.type === 'BackendInitialized');
        if (c?.message.includes('is waiting'))
          return { phase: bs.status?.phase, status: c.status, message: c.message };
        throw new Error(JSON.stringify(bs.status));
      },
      { what: 'BackupStorage unmountable saying why its Job waits', timeoutMs: 60_000 },
    );
    assert.equal(condition.phase, 'NotReady');
    assert.equal(condition.status, 'Unknown');
    assert.match(
      condition.message,
      new RegExp(
        `Job ${namespace}/unmountable-write-[0-9a-f]+ has not finished yet: pod unmountable-write-\\S+ is waiting \\(\\w+: hostPath ${missing} is not a directory\\)`,
      ),
    );
    assert.equal(existsSync(missing), false, 'nothing was created in place of the missing volume');
  },
);
