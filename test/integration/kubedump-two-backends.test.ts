// One backup session, two repositories on two backends (a local hostPath volume and S3 on MinIO), its Job
// running as a ServiceAccount the user made with get and list only (as KubeStash's guides do): the real
// backup Job uploads the same dump tree to both, and plain `restic ls latest` of each repository lists
// exactly the files of the dump tree, at the hostPath its Snapshot reports.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before } from 'node:test';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const PASSWORD = 'two-backends-planted-password-3e8a';
const MOUNT_PATH = '/safe/data';

let restic = '';
let work = '';
let s3: MinioServer | undefined;

before(async () => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  work = mkdtempSync(join(tmpdir(), 'cairn-two-backends-'));
  s3 = await startMinio();
});

after(async () => {
  await s3?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function setup(client: KubeClient, namespace: string, app: string, minio: MinioServer): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace });
  await create(K8S.secrets, {
    metadata: { name: 'enc', namespace },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  await create(K8S.secrets, { metadata: { name: 's3-cred', namespace }, stringData: minio.secretData });
  await minio.createBucket('two');
  const storage = (name: string, spec: Record<string, unknown>) =>
    create(KUBESTASH.backupStorages, {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'BackupStorage',
      metadata: { name, namespace },
      spec: { storage: spec, usagePolicy: { allowedNamespaces: { from: 'Same' } }, deletionPolicy: 'Delete' },
    });
  await storage('local', {
    provider: 'local',
    local: { mountPath: MOUNT_PATH, hostPath: { path: join(work, 'volume'), type: 'DirectoryOrCreate' } },
  });
  await storage('s3', {
    provider: 's3',
    s3: { ...minio.storageSpec('two', namespace).s3, secretName: 's3-cred' },
  });
  await create(K8S.serviceAccounts, { metadata: { name: 'resource-reader', namespace } });
  await client.apply(
    K8S.clusterRoles,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: `resource-reader-${namespace}` },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list'] }],
    },
    { fieldManager: 'cairn-test' },
  );
  await client.apply(
    K8S.clusterRoleBindings,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `resource-reader-${namespace}` },
      subjects: [{ kind: 'ServiceAccount', name: 'resource-reader', namespace }],
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: `resource-reader-${namespace}`,
      },
    },
    { fieldManager: 'cairn-test' },
  );
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace },
    spec: { successfulSnapshots: { last: 5 } },
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'both', namespace },
    spec: {
      target: { apiGroup: '', kind: 'Namespace', name: app },
      backends: ['local', 's3'].map((name) => ({
        name,
        storageRef: { name, namespace },
        retentionPolicy: { name: 'keep', namespace },
      })),
      sessions: [
        {
          name: 'daily',
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: { backoffLimit: 0 } },
          repositories: ['local', 's3'].map((backend) => ({
            name: `on-${backend}`,
            backend,
            directory: `manifests-${backend}`,
            encryptionSecret: { name: 'enc', namespace },
          })),
          addon: {
            name: 'kubedump-addon',
            // The user's own ServiceAccount, as KubeStash's guides name it: it may only get and list.
            jobTemplate: { spec: { serviceAccountName: 'resource-reader' } },
            tasks: [
              {
                name: 'manifest-backup',
                addonVolumes: [
                  {
                    name: 'kubestash-tmp-volume',
                    source: { hostPath: { path: join(work, 'scratch'), type: 'DirectoryOrCreate' } },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  });
}

/** Every file under `root`, as paths relative to it, sorted. */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else out.push(relative(root, join(d, e.name)));
    }
  };
  walk(root);
  return out.sort();
}

clusterTest(
  "one session with a local and an S3 repository, run as the user's get-and-list ServiceAccount, uploads the same dump tree to both, and restic ls latest of each lists exactly its files",
  async ({ client, namespace }, t) => {
    const minio = s3;
    assert.ok(minio, 'MinIO started');
    const app = `${namespace}-app`;
    await client.create(K8S.namespaces, { metadata: { name: app } });
    t.after(async () => {
      await client.delete(K8S.namespaces, app);
      await client.delete(K8S.clusterRoleBindings, `resource-reader-${namespace}`);
      await client.delete(K8S.clusterRoles, `resource-reader-${namespace}`);
    });
    for (const name of ['alpha', 'beta', 'gamma'])
      await client.create(
        K8S.configMaps,
        { metadata: { name, namespace: app }, data: { k: name } },
        { namespace: app },
      );
    await client.create(
      K8S.secrets,
      { metadata: { name: 'app-secret', namespace: app }, stringData: { k: 'v' } },
      { namespace: app },
    );
    await setup(client, namespace, app, minio);

    const session = await waitFor(
      async () => {
        const bs = (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items[0];
        const phase = bs?.status?.phase;
        return phase === 'Succeeded' || phase === 'Failed' ? bs : undefined;
      },
      { what: 'the first BackupSession to end', timeoutMs: 240_000 },
    );
    const snapshots = (await client.list<Obj>(KUBESTASH.snapshots, { namespace })).items;
    assert.equal(
      session.status?.phase,
      'Succeeded',
      `the session ended ${String(session.status?.phase)}: ${JSON.stringify(snapshots.map((s) => s.status))}`,
    );
    assert.equal(snapshots.length, 2);
    const job = await client.get<
      KubeObject & { spec?: { template?: { spec?: { serviceAccountName?: string } } } }
    >(K8S.jobs, session.metadata?.name ?? '', namespace);
    assert.equal(
      job.spec?.template?.spec?.serviceAccountName,
      'resource-reader',
      "the Job ran as the user's account",
    );

    const dumpTree = tree(join(work, 'scratch', 'manifest'));
    assert.ok(
      dumpTree.some((f) => f.includes('alpha')),
      'the dump tree holds the ConfigMaps',
    );
    for (const snap of snapshots) {
      const component = (
        snap.status?.components as Record<
          string,
          { resticStats?: { summary?: { id?: string; hostPath?: string } }[]; path?: string }
        >
      ).manifest;
      const summary = component?.resticStats?.[0]?.summary;
      assert.ok(
        summary?.id && summary.hostPath,
        `Snapshot ${snap.metadata?.name ?? ''} reports its restic snapshot`,
      );
      const repo = await client.get<Obj>(KUBESTASH.repositories, String(snap.spec?.repository), namespace);
      const repoPath: string = `${String(repo.spec?.path).replace(/^\//, '')}/${component?.path ?? ''}`;
      const url: string =
        String(snap.spec?.repository) === 'on-local'
          ? join(work, 'volume', repoPath)
          : `s3:${minio.endpoint}/two/${namespace}/${repoPath}`;
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        ...minio.resticEnv,
        RESTIC_REPOSITORY: url,
        RESTIC_PASSWORD: PASSWORD,
      };
      const listed: string[] = execFileSync(restic, ['ls', 'latest', '--json', '--no-lock'], { env })
        .toString()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { struct_type?: string; type?: string; path?: string; id?: string })
        .filter((n) => n.struct_type === 'node' && n.type === 'file')
        .map((n) => n.path ?? '');
      // The Job saw the scratch volume at its container path; the files under it are the dump tree's.
      const root = summary.hostPath.replace(/\/$/, '');
      assert.ok(
        listed.every((p) => p.startsWith(`${root}/`)),
        `every file is under ${root}`,
      );
      assert.deepEqual(listed.map((p) => p.slice(root.length + 1)).sort(), dumpTree, url);
      const latest = JSON.parse(
        execFileSync(restic, ['snapshots', 'latest', '--json', '--no-lock'], { env }).toString(),
      ) as { id: string }[];
      assert.equal(latest[0]?.id, summary.id, 'the Snapshot names the latest restic snapshot');
    }
  },
  300_000,
);
