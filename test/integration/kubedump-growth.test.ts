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
import { binaryPaths, projectRoot, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient } from '../../src/kube/types.ts';
import {
  applyAll,
  backupConfiguration,
  firstSessionEnded,
  retentionPolicy,
  runSession,
  s3Storage,
  secret,
  type Manifest,
  type Obj,
} from '../harness/backup-manifests.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

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

function objects(namespace: string, app: string, minio: MinioServer): Manifest[] {
  return [
    secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
    ...s3Storage(namespace, 'store', minio, 'growth'),
    retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 10 } }),
    backupConfiguration({
      namespace,
      name: 'growth',
      target: app,
      backends: { s3: 'store' },
      retentionPolicy: 'keep',
      repositories: { manifests: 's3' },
      encryptionSecret: 'enc',
      session: { name: 'daily', sessionHistoryLimit: 5 },
      // The scratch volume outlives each Job: the dump tree stays stable between runs.
      scratchHostDir: scratch,
    }),
  ];
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
    await minio.createBucket('growth');
    await applyAll(client, objects(namespace, app, minio));

    // The first run is the one the BackupConfiguration triggers when it becomes Ready.
    const first = await firstSessionEnded(client, namespace);
    assert.equal(first.status?.phase, 'Succeeded');
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

    await runSession(client, namespace, 'growth', 'daily', 'second');
    const added = size() - before;
    t.diagnostic(`first backup: ${before} B raw data; the unchanged second backup added ${added} B`);
    assert.ok(added <= LIMIT_BYTES, `the second backup added ${added} B (limit ${LIMIT_BYTES})`);

    await client.patch(
      K8S.configMaps,
      'cm-00042',
      { data: { value: 'changed' } },
      { type: 'merge', namespace: app },
    );
    await runSession(client, namespace, 'growth', 'daily', 'third');
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
    await runSession(client, namespace, 'growth', 'daily', 'fresh');
    const fresh = size() - beforeFresh;
    t.diagnostic(`a fresh scratch directory added ${fresh} B: ${(fresh / OBJECTS).toFixed(1)} B per object`);
    assert.ok(fresh < OBJECTS * 512, `a fresh dump tree added ${fresh} B, more than 512 B per object`);

    // What a user sees of it all at a glance.
    const described = execFileSync(join(projectRoot, 'bin/cairn'), ['describe', 'growth', '-n', namespace], {
      env: { ...process.env, KUBECONFIG: process.env.CAIRN_TEST_KUBECONFIG ?? '' },
    }).toString();
    assert.match(described, /^BackupConfiguration .*\/growth: Ready\n/);
    assert.match(described, /Runs \(newest 4 of 4\):/);
    assert.equal(
      (described.match(/\sdaily\s+Succeeded\s+\S+\s+1\/1 Succeeded\s/g) ?? []).length,
      4,
      described,
    );
  },
  600_000,
);
