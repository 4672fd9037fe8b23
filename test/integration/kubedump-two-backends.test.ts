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
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import {
  applyAll,
  backupConfiguration,
  firstSessionEnded,
  localStorage,
  retentionPolicy,
  s3Storage,
  secret,
  type Manifest,
  type Obj,
} from '../harness/backup-manifests.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

const PASSWORD = 'two-backends-planted-password-3e8a';

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

/**
 * The storages, policy and configuration; and the user's own ServiceAccount, bound (as KubeStash's guides
 * do) to a ClusterRole that may only get and list.
 */
function objects(namespace: string, app: string, minio: MinioServer): Manifest[] {
  const reader = `resource-reader-${namespace}`;
  return [
    secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
    localStorage(namespace, 'local', join(work, 'volume')),
    ...s3Storage(namespace, 's3', minio, 'two'),
    [K8S.serviceAccounts, { metadata: { name: 'resource-reader', namespace } }],
    [
      K8S.clusterRoles,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: reader },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list'] }],
      },
    ],
    [
      K8S.clusterRoleBindings,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: reader },
        subjects: [{ kind: 'ServiceAccount', name: 'resource-reader', namespace }],
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: reader },
      },
    ],
    retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 5 } }),
    backupConfiguration({
      namespace,
      name: 'both',
      target: app,
      backends: { local: 'local', s3: 's3' },
      retentionPolicy: 'keep',
      repositories: { 'on-local': 'local', 'on-s3': 's3' },
      encryptionSecret: 'enc',
      session: { name: 'daily' },
      addon: { jobTemplate: { spec: { serviceAccountName: 'resource-reader' } } },
      scratchHostDir: join(work, 'scratch'),
    }),
  ];
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
    await minio.createBucket('two');
    await applyAll(client, objects(namespace, app, minio));

    const session = await firstSessionEnded(client, namespace);
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
