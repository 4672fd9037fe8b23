// Near-zero growth through the real Job path: a BackupConfiguration whose session gives the kubedump task's
// scratch volume a lasting hostPath (addonVolumes) backs up an unchanged namespace of 2,000 objects a second
// time and the repository grows by at most 64 KiB; when one object changes, `restic diff` between the two
// snapshots names exactly that object's file, so nothing else was lost or rewritten.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const PASSWORD = 'growth-planted-password-9d2b';
const OBJECTS = 2_000;
const LIMIT_BYTES = 64 * 1024;

let restic = '';
let scratch = '';
let s3: MinioServer | undefined;

before(async () => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  scratch = mkdtempSync(join(tmpdir(), 'cairn-growth-scratch-'));
  s3 = await startMinio();
});

after(async () => {
  await s3?.dispose();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** ConfigMaps of varied size (a few hundred bytes to a few KiB), created 16 at a time. */
async function fill(client: KubeClient, namespace: string): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < OBJECTS) {
      const i = next++;
      await client.create(
        K8S.configMaps,
        {
          metadata: { name: `cm-${String(i).padStart(5, '0')}`, namespace, labels: { tier: `t${i % 7}` } },
          data: { value: `${i}:`.padEnd(200 + ((i * 37) % 3000), 'x') },
        },
        { namespace },
      );
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

async function setup(client: KubeClient, namespace: string, app: string, minio: MinioServer): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace });
  await create(K8S.secrets, {
    metadata: { name: 'enc', namespace },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  await create(K8S.secrets, { metadata: { name: 's3-cred', namespace }, stringData: minio.secretData });
  await minio.createBucket('growth');
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'store', namespace },
    spec: {
      storage: {
        provider: 's3',
        s3: { ...minio.storageSpec('growth', namespace).s3, secretName: 's3-cred' },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace },
    spec: { successfulSnapshots: { last: 10 } },
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'growth', namespace },
    spec: {
      target: { apiGroup: '', kind: 'Namespace', name: app },
      backends: [
        {
          name: 's3',
          storageRef: { name: 'store', namespace },
          retentionPolicy: { name: 'keep', namespace },
        },
      ],
      sessions: [
        {
          name: 'daily',
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: { backoffLimit: 0 } },
          repositories: [
            {
              name: 'manifests',
              backend: 's3',
              directory: 'manifests',
              encryptionSecret: { name: 'enc', namespace },
            },
          ],
          addon: {
            name: 'kubedump-addon',
            tasks: [
              {
                name: 'manifest-backup',
                // The scratch volume outlives each Job: the dump tree stays stable between runs.
                addonVolumes: [
                  {
                    name: 'kubestash-tmp-volume',
                    source: { hostPath: { path: scratch, type: 'DirectoryOrCreate' } },
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

const phaseOf = (o: Obj): string => (typeof o.status?.phase === 'string' ? o.status.phase : '');

/** Waits for BackupSession `name` to end; it must have Succeeded. */
async function succeeded(client: KubeClient, namespace: string, name: string): Promise<void> {
  const phase = await waitFor(
    async () => {
      const bs = await client.find<Obj>(KUBESTASH.backupSessions, name, namespace);
      const p = bs ? phaseOf(bs) : '';
      return ['Succeeded', 'Failed', 'Skipped'].includes(p) ? p : undefined;
    },
    { what: `BackupSession ${name} to end`, timeoutMs: 240_000 },
  );
  assert.equal(phase, 'Succeeded', `BackupSession ${name} ended ${phase}`);
}

async function newSession(client: KubeClient, namespace: string, name: string): Promise<void> {
  await client.create(
    KUBESTASH.backupSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'BackupSession',
      metadata: { name, namespace },
      spec: {
        invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'growth' },
        session: 'daily',
      },
    },
    { namespace },
  );
  await succeeded(client, namespace, name);
}

clusterTest(
  'a second backup of an unchanged 2,000-object namespace through the backup Job with a lasting scratch volume adds at most 64 KiB, a changed object shows in restic diff alone, and a fresh scratch tree adds only tree metadata',
  async ({ client, namespace }, t) => {
    const minio = s3;
    assert.ok(minio, 'MinIO started');
    const app = `${namespace}-app`;
    await client.create(K8S.namespaces, { metadata: { name: app } });
    t.after(() => client.delete(K8S.namespaces, app).then(() => undefined));
    await fill(client, app);
    await setup(client, namespace, app, minio);

    // The first run is the one the BackupConfiguration triggers when it becomes Ready.
    const first = await waitFor(
      async () => (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items[0]?.metadata?.name,
      { what: 'the first BackupSession', timeoutMs: 120_000 },
    );
    await succeeded(client, namespace, first);
    const repository = await client.get<Obj>(KUBESTASH.repositories, 'manifests', namespace);
    const url = `s3:${minio.endpoint}/growth/${namespace}/${String(repository.spec?.path).replace(/^\//, '')}/repository/v1/daily/manifest`;
    const env = { ...process.env, ...minio.resticEnv, RESTIC_REPOSITORY: url, RESTIC_PASSWORD: PASSWORD };
    const run = (args: string[]): string => execFileSync(restic, [...args, '--no-lock'], { env }).toString();
    const size = (): number =>
      (JSON.parse(run(['stats', '--mode', 'raw-data', '--json'])) as { total_size: number }).total_size;
    const snapshots = (): { id: string }[] => JSON.parse(run(['snapshots', '--json'])) as { id: string }[];

    const files = run(['ls', 'latest'])
      .split('\n')
      .filter((l) => l.endsWith('.yaml'));
    assert.ok(
      files.length >= OBJECTS,
      `the first snapshot holds the ${OBJECTS} ConfigMaps (${files.length} files)`,
    );
    const before = size();

    await newSession(client, namespace, 'second');
    const added = size() - before;
    t.diagnostic(`first backup: ${before} B raw data; the unchanged second backup added ${added} B`);
    assert.ok(added <= LIMIT_BYTES, `the second backup added ${added} B (limit ${LIMIT_BYTES})`);

    await client.patch(
      K8S.configMaps,
      'cm-00042',
      { data: { value: 'changed' } },
      { type: 'merge', namespace: app },
    );
    await newSession(client, namespace, 'third');
    const ids = snapshots().map((s) => s.id);
    assert.equal(ids.length, 3);
    const diff = run(['diff', ids[1] ?? '', ids[2] ?? ''])
      .split('\n')
      .filter((l) => /^[-+MUT?] /.test(l));
    assert.equal(diff.length, 1, `restic diff names one file:\n${diff.join('\n')}`);
    assert.match(diff[0] ?? '', /^M .*cm-00042/);

    // A scratch volume that does not last (the default emptyDir) is simulated by removing the dump tree:
    // the content is deduplicated all the same and only restic's tree metadata (inodes, ctimes) is new.
    rmSync(join(scratch, 'manifest'), { recursive: true, force: true });
    const beforeFresh = size();
    await newSession(client, namespace, 'fresh');
    const fresh = size() - beforeFresh;
    t.diagnostic(`a fresh scratch directory added ${fresh} B: ${(fresh / OBJECTS).toFixed(1)} B per object`);
    assert.ok(fresh < OBJECTS * 512, `a fresh dump tree added ${fresh} B, more than 512 B per object`);
  },
  600_000,
);
