// KubeStash's kubedump guides, applied to the dev cluster as written, back up end to end. The test supplies
// only what a reader of a guide supplies: the Secrets, the values of placeholders, the namespaces (each
// guide's `demo`, `kubestash`, `demo-a` … get a name of their own, since the guides reuse object names), the
// objects a guide backs up without creating them, the ServiceAccount a guide's BackupConfiguration names
// where its RBAC creates it elsewhere or misspelt, and the storage stanza of each BackupStorage: MinIO,
// fake-gcs-server (its Secret carries STORAGE_EMULATOR_HOST) or a local hostPath volume in a temp directory. Each guide's first BackupSession (the one a BackupConfiguration
// triggers when it becomes Ready) must end Succeeded with a Succeeded Snapshot; the storage must hold exactly
// the backend layout of the API reference §4, whose manifest repository the `restic` CLI opens with the
// password and whose dump holds what the guide's filters select. A second cluster with a BackupStorage on the
// same bucket and prefix must then list the Repository and Snapshot with the phase the first one recorded.
// No credential may show up in a Job, Event, status, backend file (other than restic's own, encrypted),
// container log or operator log.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient } from '../../src/kube/types.ts';
import { createBackend, type StorageBackend } from '../../src/storage/backend.ts';
import { resolveStorage } from '../../src/storage/resolve.ts';
import { adminClient, failureReport } from '../harness/cluster.ts';
import {
  BUCKET,
  GCS_KEY,
  GUIDES,
  type Guide,
  type GuideWorld,
  type Obj,
  type Outcome,
} from '../harness/kubestash-guides.ts';
import { guideWorld } from '../harness/kubestash-guide-world.ts';
import { startFakeGcs, startMinio, type FakeGcsServer, type MinioServer } from '../harness/objectstores.ts';
import { startSecondCluster } from '../harness/second-cluster.ts';

const PASSWORD = `guides-restic-password-${randomBytes(8).toString('hex')}`;
const SUFFIX = randomBytes(3).toString('hex');

/**
 * What runs: every guide on MinIO and on a local volume, and the filtering guide on GCS. The kubedump-v1
 * guides run their Job as the jobTemplate's ServiceAccount, which they grant only get and list; Cairn binds
 * the session's Role to it (reading the session, writing its Snapshots' status), as KubeStash binds its
 * backup-job role.
 */
const RUN_KEYS = ['kd-cluster', 'kd-namespace', 'kd-application', 'cr-full', 'cr-filtering'];
const RUNS: Guide[] = [
  ...GUIDES.filter((g) => RUN_KEYS.includes(g.key)).flatMap((g) => [
    g,
    { ...g, key: `${g.key}-local`, local: true },
  ]),
  { ...GUIDES.find((g) => g.key === 'cr-filtering')!, key: 'cr-filtering-gcs', gcs: true },
];

let s3: MinioServer;
let gcs: FakeGcsServer;
let restic = '';
let work = '';
const client: KubeClient = adminClient();
let world: GuideWorld;

function resticEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: work,
    RESTIC_CACHE_DIR: join(work, 'restic-cache'),
    RESTIC_PASSWORD: PASSWORD,
    ...s3.resticEnv,
    ...gcs.resticEnv,
  };
}

function resticRepo(o: Outcome): string {
  const path = `${o.directory}/repository/v1/frequent-backup/manifest`;
  if (o.guide.local) return join(world.localRoot(o.guide), path);
  if (o.guide.gcs) return `gs:${BUCKET}:/${o.guide.key}/${path}`;
  return `s3:${s3.endpoint}/${BUCKET}/${o.guide.key}/${path}`;
}

/** The bucket of a guide's object store, read through src/storage. */
function bucketOf(g: Guide, backends: { s3: StorageBackend; gcs: StorageBackend }): StorageBackend {
  return g.gcs ? backends.gcs : backends.s3;
}

/** Every file of a guide's storage, as `<guide key>/<path from the storage root>` (the bucket's keys). */
async function storageKeys(g: Guide, bucket: StorageBackend): Promise<string[]> {
  if (g.local)
    return filesUnder(world.localRoot(g)).map((f) => `${g.key}/${relative(world.localRoot(g), f)}`);
  const keys: string[] = [];
  for await (const k of bucket.list(g.key)) keys.push(k);
  return keys;
}

/** A small file of a guide's storage (by its key from storageKeys). */
async function storageFile(g: Guide, key: string, bucket: StorageBackend): Promise<string> {
  if (!g.local) return (await bucket.get(key)).toString('utf8');
  return readFileSync(join(world.localRoot(g), key.slice(g.key.length + 1)), 'utf8');
}

/** Every key of a guide's prefix fits the layout of §4, and each part of it is there. */
function checkLayout(o: Outcome, keys: string[]): void {
  const p = `${o.guide.key}/${o.directory}`;
  const allowed = [
    new RegExp(`^${o.guide.key}/metadata\\.yaml$`),
    new RegExp(`^${p}/repository\\.yaml$`),
    new RegExp(`^${p}/snapshots/[a-z0-9.-]+\\.yaml$`),
    new RegExp(
      `^${p}/repository/v1/frequent-backup/manifest/(config|(data|index|keys|snapshots|locks)/[0-9a-f/]+)$`,
    ),
  ];
  const stray = keys.filter((k) => !allowed.some((re) => re.test(k)));
  assert.deepEqual(stray, [], `guide ${o.guide.key}: keys outside the §4 layout`);
  for (const want of [
    `${o.guide.key}/metadata.yaml`,
    `${p}/repository.yaml`,
    `${p}/snapshots/${o.snapshot.metadata?.name}.yaml`,
    `${p}/repository/v1/frequent-backup/manifest/config`,
  ]) {
    assert.ok(keys.includes(want), `guide ${o.guide.key}: ${want} in the bucket`);
  }
  for (const d of ['data', 'index', 'keys', 'snapshots']) {
    assert.ok(
      keys.some((k) => k.startsWith(`${p}/repository/v1/frequent-backup/manifest/${d}/`)),
      `guide ${o.guide.key}: restic's ${d}/ in the bucket`,
    );
  }
}

/** Files under `dir` (recursively), for the log scan. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

before(async () => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  work = mkdtempSync(join(tmpdir(), 'cairn-guides-'));
  [s3, gcs] = await Promise.all([startMinio(), startFakeGcs()]);
  await Promise.all([s3.createBucket(BUCKET), gcs.createBucket(BUCKET)]);
  world = guideWorld({ client, s3, gcs, work, password: PASSWORD, suffix: SUFFIX });
});

after(async () => {
  // The BackupStorages go first: a local one with WipeOut empties its volume through a Job, which a
  // terminating namespace would refuse, leaving the namespace stuck on the storage's finalizer.
  const storages = (
    await Promise.all(
      world.namespaces.map((n) => client.list<Obj>(KUBESTASH.backupStorages, { namespace: n })),
    )
  ).flatMap((l) => l.items);
  for (const bs of storages) {
    await client.delete(KUBESTASH.backupStorages, bs.metadata?.name ?? '', {
      namespace: bs.metadata?.namespace,
    });
  }
  await waitFor(
    async () => {
      for (const bs of storages) {
        if (await client.find(KUBESTASH.backupStorages, bs.metadata?.name ?? '', bs.metadata?.namespace)) {
          return undefined;
        }
      }
      return true;
    },
    { what: 'the guides’ BackupStorages to be deleted', timeoutMs: 120_000, intervalMs: 500 },
  );
  for (const n of world.namespaces) await client.delete(K8S.namespaces, n).catch(() => undefined);
  for (const c of world.clusterScoped) await client.delete(c.r, c.name).catch(() => undefined);
  await Promise.all([s3?.dispose(), gcs?.dispose()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  'the kubedump guides (v1 cluster, namespace, application; full cluster, filtering), applied as written on MinIO, on a local volume and (filtering) on fake-gcs-server, back up Succeeded into exactly the layout of §4; restic opens each repository with the password and its dump holds what the guide selects; a second cluster syncing the bucket lists the Repository and Snapshot with the phases the first recorded; no credential shows up anywhere but restic’s own files',
  { timeout: 600_000 },
  async (t) => {
    const dir = process.env.CAIRN_TEST_DIR ?? '';
    try {
      const outcomes = await Promise.all(RUNS.map((g) => world.runGuide(g)));
      const secretValues = [
        PASSWORD,
        s3.secretAccessKey,
        s3.accessKeyId,
        GCS_KEY,
        gcs.resticEnv.GOOGLE_ACCESS_TOKEN!,
      ];
      const backends = {
        s3: await createBackend(
          resolveStorage({
            provider: 's3',
            s3: { endpoint: s3.endpoint, bucket: BUCKET, region: s3.region, secretName: 'x' },
          }),
          s3.secretData,
          s3.backendOptions,
        ),
        gcs: await createBackend(
          resolveStorage({ provider: 'gcs', gcs: { bucket: BUCKET, secretName: 'x' } }),
          gcs.secretData,
          gcs.backendOptions,
        ),
      };
      try {
        for (const o of outcomes) {
          const bucket = bucketOf(o.guide, backends);
          const own = await storageKeys(o.guide, bucket);
          checkLayout(o, own);
          // Backend files other than restic's own: the small YAML records.
          for (const k of own.filter((x) => x.endsWith('.yaml') && !x.includes('/repository/v1/'))) {
            const text = await storageFile(o.guide, k, bucket);
            for (const v of secretValues)
              assert.ok(!text.includes(v), `backend file ${k} holds a credential`);
          }
          const listed = JSON.parse(
            execFileSync(restic, ['snapshots', '--json', '--no-lock', '-r', resticRepo(o)], {
              env: resticEnv(),
            }).toString(),
          ) as { id: string }[];
          assert.ok(listed.length >= 1, `guide ${o.guide.key}: restic lists the snapshot`);
          const tree = execFileSync(restic, ['ls', listed[0]!.id, '--no-lock', '-r', resticRepo(o)], {
            env: resticEnv(),
            maxBuffer: 64 << 20,
          })
            .toString()
            .split('\n');
          for (const re of o.guide.expect(o.ns)) {
            assert.ok(
              tree.some((l) => re.test(l)),
              `guide ${o.guide.key}: the dump holds ${re}; it holds (first 40):\n${tree.slice(0, 40).join('\n')}`,
            );
          }
        }
      } finally {
        await Promise.all([backends.s3.close(), backends.gcs.close()]);
      }

      // A second cluster on the same bucket and prefix sees the Repository and Snapshot with their phases.
      const synced = outcomes.find((o) => o.guide.key === 'cr-filtering')!;
      const second = await startSecondCluster('cairn.test/cairn');
      t.after(() => second.stop());
      const demo = synced.ns.demo!;
      const c2 = second.client;
      await c2.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: demo } });
      const storage = world.guideObjects(synced.guide, synced.ns).find((o) => o.kind === 'BackupStorage')!;
      const secretName = (storage.spec?.storage as { s3: { secretName: string } }).s3.secretName;
      await c2.create(
        K8S.secrets,
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: secretName, namespace: demo },
          stringData: s3.secretData,
        },
        { namespace: demo },
      );
      await c2.create(KUBESTASH.backupStorages, storage, { namespace: demo });
      const repoName = synced.snapshot.spec?.repository as string;
      const snapName = synced.snapshot.metadata?.name ?? '';
      const repo2 = await waitFor(() => c2.find<Obj>(KUBESTASH.repositories, repoName, demo), {
        what: `Repository ${demo}/${repoName} in the second cluster`,
        timeoutMs: 60_000,
      });
      assert.equal((repo2.spec?.storageRef as { name?: string }).name, storage.metadata?.name);
      const snap2 = await waitFor(
        async () => {
          const s = await c2.find<Obj>(KUBESTASH.snapshots, snapName, demo);
          return s?.status?.phase === synced.snapshot.status?.phase ? s : undefined;
        },
        {
          what: `Snapshot ${demo}/${snapName} ${String(synced.snapshot.status?.phase)} in the second cluster`,
          timeoutMs: 60_000,
        },
      );
      assert.deepEqual(snap2.status?.components, synced.snapshot.status?.components);
      assert.equal(snap2.spec?.backupSession, synced.session.metadata?.name);
      assert.equal(snap2.metadata?.ownerReferences?.[0]?.uid, repo2.metadata?.uid);
      await waitFor(
        async () =>
          (await c2.get<Obj>(KUBESTASH.repositories, repoName, demo)).status?.phase === 'Ready'
            ? true
            : undefined,
        { what: `Repository ${demo}/${repoName} Ready in the second cluster`, timeoutMs: 60_000 },
      );

      // No credential in Jobs, Events, the status of Cairn's objects, container logs or operator logs.
      const seen: { what: string; text: string }[] = [];
      for (const o of outcomes) {
        for (const n of Object.values(o.ns).filter((x) => world.namespaces.includes(x))) {
          for (const r of [
            K8S.jobs,
            K8S.events,
            KUBESTASH.backupStorages,
            KUBESTASH.repositories,
            KUBESTASH.snapshots,
            KUBESTASH.backupConfigurations,
            KUBESTASH.backupSessions,
          ]) {
            for (const item of (await client.list<Obj>(r, { namespace: n })).items) {
              seen.push({
                what: `${r.kind} ${n}/${item.metadata?.name}`,
                text: JSON.stringify(
                  r === K8S.jobs || r === K8S.events ? item : { status: item.status, spec: item.spec },
                ),
              });
            }
          }
          for (const f of filesUnder(join(dir, 'pods', n)).filter((x) => x.includes('/logs/')))
            seen.push({ what: f, text: readFileSync(f, 'utf8') });
        }
      }
      for (const r of [KUBESTASH.repositories, KUBESTASH.snapshots, KUBESTASH.backupStorages, K8S.events]) {
        for (const item of (await c2.list<Obj>(r, { namespace: demo })).items) {
          seen.push({ what: `second cluster ${r.kind} ${item.metadata?.name}`, text: JSON.stringify(item) });
        }
      }
      for (const f of [join(dir, 'logs', 'operator.log'), second.operatorLog]) {
        seen.push({ what: f, text: readFileSync(f, 'utf8') });
      }
      for (const kind of ['Job ', 'Event ', 'Snapshot ', 'second cluster Snapshot ']) {
        assert.ok(
          seen.some((x) => x.what.startsWith(kind)),
          `the credential scan read a ${kind.trim()}`,
        );
      }
      assert.ok(
        seen.some((x) => x.what.endsWith('.log') && x.what.includes('/pods/')),
        'the credential scan read container logs',
      );
      for (const { what, text } of seen) {
        for (const v of secretValues) assert.ok(!text.includes(v), `${what} holds a credential`);
      }
    } catch (err) {
      for (const n of world.namespaces) t.diagnostic(failureReport(dir, n));
      throw err;
    }
  },
);
