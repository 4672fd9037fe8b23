// deletionPolicy WipeOut removes real data, and only the data it names: a BackupConfiguration with two
// repositories (one WipeOut, one Delete) backs up once; deleting it deletes both Repositories, and only the
// WipeOut one's directory is gone from the backend, while the storage's metadata.yaml and the Delete one's
// repository.yaml, Snapshot records and restic repository stay. Then the WipeOut BackupStorage itself is
// deleted and nothing is left under its prefix. On MinIO and fake-gcs-server (through the storage SDKs) and
// on a local hostPath volume (through `cairn storage remove-tree` Jobs). And a WipeOut the backend refuses
// keeps the Repository until its policy is switched to Delete.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TestContext } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startFakeGcs, startMinio } from '../harness/objectstores.ts';
import { createBackend, listAll } from '../../src/storage/backend.ts';
import { resolveStorage } from '../../src/storage/resolve.ts';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

const PASSWORD = 'wipeout-planted-password-51c8';

/** A storage under test: its spec, and every key under its root (its prefix removed), sorted. */
interface Backend {
  storage: Record<string, unknown>;
  keys: () => Promise<string[]>;
  /** What the WipeOut Event of the Repository says was done (by the SDK or by a Job). */
  wipedBy: RegExp;
}

async function setup(client: KubeClient, namespace: string, backend: Backend): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace });
  await create(K8S.secrets, {
    metadata: { name: 'enc', namespace },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'store', namespace },
    spec: {
      storage: backend.storage,
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'WipeOut',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace },
    spec: { successfulSnapshots: { last: 3 } },
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'manifests', namespace },
    spec: {
      target: { apiGroup: '', kind: 'Namespace', name: namespace },
      backends: [
        {
          name: 'main',
          storageRef: { name: 'store', namespace },
          retentionPolicy: { name: 'keep', namespace },
        },
      ],
      sessions: [
        {
          name: 'once',
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: { backoffLimit: 0 } },
          addon: {
            name: 'kubedump-addon',
            tasks: [{ name: 'manifest-backup', params: { IncludeResources: 'configmaps' } }],
          },
          repositories: [
            { name: 'wiped', deletionPolicy: 'WipeOut' },
            { name: 'kept', deletionPolicy: 'Delete' },
          ].map((r) => ({
            ...r,
            backend: 'main',
            directory: r.name,
            encryptionSecret: { name: 'enc', namespace },
          })),
        },
      ],
    },
  });
}

/** The keys a backed-up repository directory holds, by the §4 layout: record, Snapshot record, restic config. */
function layoutOf(keys: string[], dir: string): string[] {
  return [
    keys.includes(`${dir}/repository.yaml`) ? 'repository.yaml' : '',
    keys.some((k) => k.startsWith(`${dir}/snapshots/`) && k.endsWith('.yaml')) ? 'snapshots/' : '',
    keys.includes(`${dir}/repository/v1/once/manifest/config`) ? 'restic' : '',
  ].filter((x) => x !== '');
}

const FULL = ['repository.yaml', 'snapshots/', 'restic'];

async function scenario(
  client: KubeClient,
  namespace: string,
  backend: Backend,
  t: TestContext,
): Promise<void> {
  await setup(client, namespace, backend);
  const session = await waitFor(
    async () => {
      const runs = (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items;
      const run = runs[0];
      const phase = typeof run?.status?.phase === 'string' ? run.status.phase : '';
      if (['Succeeded', 'Failed', 'Skipped'].includes(phase)) return `${run?.metadata?.name}=${phase}`;
      return undefined;
    },
    { what: 'the first BackupSession to end', timeoutMs: 240_000 },
  );
  assert.match(session, /=Succeeded$/, `the first backup ended ${session}`);
  // The Snapshot records are uploaded once the components reported; wait for both directories to be whole.
  const before = await waitFor(
    async () => {
      const keys = await backend.keys();
      const ok = layoutOf(keys, 'wiped').length === 3 && layoutOf(keys, 'kept').length === 3;
      if (ok) return keys;
      throw new Error(`keys: ${keys.join(', ')}`);
    },
    { what: 'both repositories backed up in the backend', timeoutMs: 60_000 },
  );
  assert.ok(before.includes('metadata.yaml'));
  for (const name of ['wiped', 'kept']) {
    const repo = await client.get<Obj>(KUBESTASH.repositories, name, namespace);
    assert.deepEqual(
      repo.metadata?.finalizers,
      ['kubestash.com/cleanup'],
      `Repository ${name} has the finalizer`,
    );
  }

  const started = Date.now();
  await client.delete(KUBESTASH.backupConfigurations, 'manifests', { namespace });
  for (const name of ['wiped', 'kept']) {
    await waitFor(
      async () => ((await client.find(KUBESTASH.repositories, name, namespace)) ? undefined : true),
      { what: `Repository ${name} deleted with its BackupConfiguration`, timeoutMs: 120_000 },
    );
  }
  t.diagnostic(
    `both Repositories were gone ${Date.now() - started} ms after the BackupConfiguration was deleted`,
  );
  const after = await backend.keys();
  assert.deepEqual(
    after.filter((k) => k.startsWith('wiped/')),
    [],
    'nothing is left of the WipeOut repository',
  );
  assert.deepEqual(layoutOf(after, 'kept'), FULL, 'the Delete repository keeps its data');
  assert.deepEqual(
    after.filter((k) => !k.startsWith('wiped/')),
    before.filter((k) => !k.startsWith('wiped/')),
    'nothing outside the WipeOut repository changed',
  );
  type Event = KubeObject & { regarding?: { name?: string }; reason?: string; note?: string };
  const events = (await client.list<Event>(K8S.events, { namespace })).items;
  const about = (name: string, reason: string): Event | undefined =>
    events.find((e) => e.regarding?.name === name && e.reason === reason);
  assert.match(about('wiped', 'RepositoryDataWipedOut')?.note ?? '', backend.wipedBy);
  assert.match(about('kept', 'RepositoryDataKept')?.note ?? '', /its data at "kept" .* was kept/);
  await waitFor(
    async () =>
      (await client.list(KUBESTASH.snapshots, { namespace })).items.length === 0 ? true : undefined,
    { what: 'the Snapshots garbage-collected with their Repositories', timeoutMs: 60_000 },
  );

  await client.delete(KUBESTASH.backupStorages, 'store', { namespace });
  await waitFor(
    async () => ((await client.find(KUBESTASH.backupStorages, 'store', namespace)) ? undefined : true),
    { what: 'BackupStorage store deleted', timeoutMs: 120_000 },
  );
  assert.deepEqual(await backend.keys(), [], 'a WipeOut BackupStorage leaves nothing under its root');
}

clusterTest(
  'on MinIO, deleting a BackupConfiguration removes only its WipeOut repository’s objects, and deleting the WipeOut BackupStorage empties its prefix',
  async ({ client, namespace }, t) => {
    const s3 = await startMinio(t);
    await s3.createBucket('wipe');
    // A neighbour under another prefix of the same bucket, which no WipeOut may touch.
    await client.create(
      K8S.secrets,
      { metadata: { name: 's3-cred', namespace }, stringData: s3.secretData },
      { namespace },
    );
    const put = s3.s3Client();
    await put.send(new PutObjectCommand({ Bucket: 'wipe', Key: `${namespace}-other/keep.txt`, Body: 'x' }));
    put.destroy();
    const prefix = `${namespace}/`;
    await scenario(
      client,
      namespace,
      {
        storage: { provider: 's3', s3: { ...s3.storageSpec('wipe', namespace).s3, secretName: 's3-cred' } },
        keys: async () => (await s3.keys('wipe', prefix)).map((k) => k.slice(prefix.length)),
        wipedBy: /\d+ objects under ".*\/wiped" of BackupStorage .*\/store were deleted/,
      },
      t,
    );
    assert.deepEqual(await s3.keys('wipe'), [`${namespace}-other/keep.txt`]);
  },
  420_000,
);

clusterTest(
  'on fake-gcs-server, deleting a BackupConfiguration removes only its WipeOut repository’s objects, and deleting the WipeOut BackupStorage empties its prefix',
  async ({ client, namespace }, t) => {
    const gcs = await startFakeGcs(t);
    await gcs.createBucket('wipe');
    // The storage Secret a reader writes (project and service-account key), with the two Cairn extensions
    // that point the storage and restic at the emulator.
    const secretData = {
      ...gcs.secretData,
      GOOGLE_SERVICE_ACCOUNT_JSON_KEY: JSON.stringify({
        type: 'service_account',
        project_id: 'cairn-test',
        client_email: 'wipeout@cairn-test.iam.gserviceaccount.com',
        private_key_id: randomBytes(8).toString('hex'),
        private_key: `planted-not-a-key-${randomBytes(12).toString('hex')}`,
      }),
      GOOGLE_ACCESS_TOKEN: gcs.resticEnv.GOOGLE_ACCESS_TOKEN ?? '',
      STORAGE_EMULATOR_HOST: gcs.endpoint,
    };
    await client.create(
      K8S.secrets,
      { metadata: { name: 'gcs-cred', namespace }, stringData: secretData },
      { namespace },
    );
    const storage = { provider: 'gcs', gcs: { bucket: 'wipe', prefix: namespace, secretName: 'gcs-cred' } };
    const backend = await createBackend(resolveStorage(storage), gcs.secretData, gcs.backendOptions);
    t.after(() => backend.close());
    const prefix = `${namespace}/`;
    await scenario(
      client,
      namespace,
      {
        storage,
        keys: async () => (await listAll(backend, namespace)).map((k) => k.slice(prefix.length)),
        wipedBy: /\d+ objects under ".*\/wiped" of BackupStorage .*\/store were deleted/,
      },
      t,
    );
  },
  420_000,
);

/** Every file under `dir`, relative to it, sorted. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

clusterTest(
  'on a local hostPath volume, deleting a BackupConfiguration removes only its WipeOut repository’s directory through a Job, and deleting the WipeOut BackupStorage empties the volume',
  async ({ client, namespace }, t) => {
    const work = mkdtempSync(join(tmpdir(), 'cairn-wipeout-local-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const volume = join(work, 'volume');
    await scenario(
      client,
      namespace,
      {
        storage: {
          provider: 'local',
          local: { mountPath: '/safe/data', hostPath: { path: volume, type: 'DirectoryOrCreate' } },
        },
        keys: () => Promise.resolve(files(volume)),
        wipedBy: /"wiped" of BackupStorage .*\/store was removed from the volume/,
      },
      t,
    );
  },
  420_000,
);

clusterTest(
  'a Repository WipeOut the backend refuses keeps its finalizer and data, says what failed and the fix in a condition and a Warning Event, and deletionPolicy Delete then finishes the deletion keeping the data',
  async ({ client, namespace }) => {
    const s3 = await startMinio();
    try {
      await s3.createBucket('refuse');
      await client.create(
        K8S.secrets,
        { metadata: { name: 's3-cred', namespace }, stringData: s3.secretData },
        { namespace },
      );
      await client.create(
        KUBESTASH.backupStorages,
        {
          apiVersion: 'storage.kubestash.com/v1alpha1',
          kind: 'BackupStorage',
          metadata: { name: 'store', namespace },
          spec: {
            storage: {
              provider: 's3',
              s3: { ...s3.storageSpec('refuse', namespace).s3, secretName: 's3-cred' },
            },
            usagePolicy: { allowedNamespaces: { from: 'Same' } },
            deletionPolicy: 'Delete',
          },
        },
        { namespace },
      );
      await client.create(
        KUBESTASH.repositories,
        {
          apiVersion: 'storage.kubestash.com/v1alpha1',
          kind: 'Repository',
          metadata: { name: 'doomed', namespace },
          spec: {
            storageRef: { name: 'store', namespace },
            path: 'doomed',
            deletionPolicy: 'WipeOut',
          },
        },
        { namespace },
      );
      const record = `${namespace}/doomed/repository.yaml`;
      await waitFor(
        async () => ((await s3.keys('refuse', `${namespace}/`)).includes(record) ? true : undefined),
        {
          what: 'repository.yaml of Repository doomed written',
          timeoutMs: 60_000,
        },
      );
      // The credentials stop working: the backend refuses every request from now on.
      await client.patch(
        K8S.secrets,
        's3-cred',
        { stringData: { AWS_SECRET_ACCESS_KEY: 'not-the-key' } },
        { namespace, type: 'merge' },
      );
      await client.delete(KUBESTASH.repositories, 'doomed', { namespace });
      const condition = await waitFor(
        async () => {
          const repo = await client.get<Obj>(KUBESTASH.repositories, 'doomed', namespace);
          const conditions = (repo.status?.conditions ?? []) as {
            type: string;
            reason?: string;
            message?: string;
          }[];
          return conditions.find((c) => c.type === 'RepositoryCleanupIncomplete');
        },
        { what: 'RepositoryCleanupIncomplete on the Repository', timeoutMs: 60_000 },
      );
      assert.equal(condition.reason, 'RepositoryWipeOutFailed');
      assert.match(condition.message ?? '', /rejected the credentials in Secret .*\/s3-cred/);
      assert.match(
        condition.message ?? '',
        /set spec\.deletionPolicy to Delete to finish the deletion without removing data/,
      );
      assert.doesNotMatch(condition.message ?? '', /not-the-key/);
      // The Warning Event is recorded just after the condition is written: it is waited for, not read once.
      await waitFor(
        async () =>
          (await client.list<Obj>(K8S.events, { namespace })).items.some(
            (e) =>
              (e as { regarding?: { name?: string } }).regarding?.name === 'doomed' &&
              (e as { reason?: string }).reason === 'RepositoryWipeOutFailed',
          )
            ? true
            : undefined,
        { what: 'a Warning Event saying the WipeOut of Repository doomed failed', timeoutMs: 30_000 },
      );
      const repo = await client.get<Obj>(KUBESTASH.repositories, 'doomed', namespace);
      assert.deepEqual(repo.metadata?.finalizers, ['kubestash.com/cleanup']);

      await client.patch(
        KUBESTASH.repositories,
        'doomed',
        { spec: { deletionPolicy: 'Delete' } },
        { namespace, type: 'merge' },
      );
      await waitFor(
        async () => ((await client.find(KUBESTASH.repositories, 'doomed', namespace)) ? undefined : true),
        { what: 'Repository doomed released once its policy is Delete', timeoutMs: 60_000 },
      );
      assert.ok((await s3.keys('refuse', `${namespace}/`)).includes(record), 'the data was kept');
    } finally {
      await s3.dispose();
    }
  },
  300_000,
);
