// `cairn repo snapshots|check|unlock` as a user runs it (bin/cairn against the shared dev cluster and a
// MinIO), a local BackupStorage reached through --local-root, and the messages when something is missing.
// Every password and credential is planted in distinctive values that must never show up in the CLI's output.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { ResticRepository } from '../../../src/restic/repository.ts';
import { clusterTest } from '../../harness/cluster.ts';
import {
  BUCKET,
  EXTRA,
  MANIFEST,
  NEW_PASSWORD,
  PASSWORD,
  REPOSITORY_PATH,
  assertNoPlantedSecret,
  cairnRepo,
  createBackupStorage,
  createRepository,
  fixture,
  json,
  keysUnder,
  minio,
  readPassword,
  restic,
  secret,
  setUp,
  tearDown,
  tree,
  update,
  work,
  type SnapshotsJson,
} from './fixture.ts';

before(() => setUp('cairn-repo-cli-inspect'));
after(tearDown);

clusterTest('repo snapshots lists each component and check passes', async (ctx) => {
  const f = await fixture(ctx, [MANIFEST, EXTRA]);
  const expected = new Map<string, string>();
  for (const component of [MANIFEST, EXTRA]) {
    const repo = await f.open(component);
    try {
      expected.set(component, (await repo.snapshots())[0]?.id ?? '');
    } finally {
      await repo.close();
    }
  }

  const listed = await cairnRepo(ctx, ['snapshots', 'manifests', '-o', 'json']);
  assert.equal(listed.code, 0, listed.stderr);
  const all = json<SnapshotsJson>(listed);
  assert.equal(all.ok, true);
  assert.deepEqual(
    all.components.map((c) => [c.path, c.snapshots.map((s) => s.id)]),
    [
      [MANIFEST, [expected.get(MANIFEST)]],
      [EXTRA, [expected.get(EXTRA)]],
    ],
  );
  assert.deepEqual(all.components[0]?.snapshots[0]?.tags, ['frequent-backup']);

  const one = json<SnapshotsJson>(
    await cairnRepo(ctx, ['snapshots', 'manifests', '--component', 'extra', '-o', 'json']),
  );
  assert.deepEqual(
    one.components.map((c) => c.path),
    [EXTRA],
  );

  const onTerminal = await cairnRepo(ctx, ['check', 'manifests'], { terminal: true });
  assert.equal(onTerminal.code, 0, onTerminal.stdout);
  assert.match(onTerminal.stdout, new RegExp(`checking ${MANIFEST} …\\r?\\n${MANIFEST}: no errors`));
  assert.match(onTerminal.stdout, /COMPONENT\s+RESULT/);

  const text = await cairnRepo(ctx, ['snapshots', 'manifests']);
  assert.doesNotMatch(text.stderr, /checking|reading Repository/, 'no progress lines off a terminal');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^COMPONENT\s+ID\s+TIME/);
  assert.ok(text.stdout.includes(expected.get(MANIFEST)?.slice(0, 8) ?? '?'), text.stdout);

  const checked = await cairnRepo(ctx, ['check', 'manifests', '--read-data-subset', '10%', '-o', 'json']);
  assert.equal(checked.code, 0, checked.stderr);
  const report = json<{ ok: boolean; components: { path: string; check: { ok: boolean } }[] }>(checked);
  assert.equal(report.ok, true);
  assert.deepEqual(
    report.components.map((c) => [c.path, c.check.ok]),
    [
      [MANIFEST, true],
      [EXTRA, true],
    ],
  );
});

clusterTest('repo check exits non-zero when a component has lost data', async (ctx) => {
  const f = await fixture(ctx, [MANIFEST, EXTRA]);
  const packs = await keysUnder(`${f.prefix}/${REPOSITORY_PATH}/${EXTRA}/data`);
  assert.ok(packs.length > 0);
  const client = minio.s3Client();
  try {
    await client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: packs.map((Key) => ({ Key })) } }),
    );
  } finally {
    client.destroy();
  }

  const checked = await cairnRepo(ctx, ['check', 'manifests', '-o', 'json']);
  assert.equal(checked.code, 1);
  const report = json<{
    ok: boolean;
    components: { path: string; check?: { ok: boolean; numErrors: number }; error?: unknown }[];
  }>(checked);
  assert.equal(report.ok, false);
  const [manifest, extra] = report.components;
  assert.equal(manifest?.check?.ok, true);
  assert.ok(extra?.check ? !extra.check.ok : extra?.error, JSON.stringify(extra));
});

clusterTest('repo unlock removes the stale lock of a killed restic and nothing else', async (ctx) => {
  const f = await fixture(ctx);
  // A backup of stdin holds its lock until stdin ends; killing it leaves the lock of a dead PID on this host.
  const repo = await f.open(MANIFEST);
  const locks = `${f.prefix}/${REPOSITORY_PATH}/${MANIFEST}/locks`;
  try {
    const child = spawn(restic, ['-r', repo.location, 'backup', '--stdin', '--stdin-filename', 'x'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: work,
        RESTIC_CACHE_DIR: join(work, 'cache'),
        RESTIC_PASSWORD: PASSWORD,
        ...minio.resticEnv,
      },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await waitFor(async () => ((await keysUnder(locks)).length > 0 ? true : undefined), {
      what: 'the lock of the stdin backup',
      timeoutMs: 30_000,
    });
    child.kill('SIGKILL');
    await exited;
    assert.equal((await repo.listLocks()).length, 1);
  } finally {
    await repo.close();
  }

  const unlocked = await cairnRepo(ctx, ['unlock', 'manifests', '-o', 'json']);
  assert.equal(unlocked.code, 0, unlocked.stderr);
  const report = json<{
    ok: boolean;
    removeAll: boolean;
    components: { removed: number; remaining: unknown[] }[];
  }>(unlocked);
  assert.equal(report.removeAll, false);
  assert.deepEqual(
    report.components.map((c) => [c.removed, c.remaining.length]),
    [[1, 0]],
  );
  assert.deepEqual(await keysUnder(locks), []);
});

clusterTest(
  'a local BackupStorage is reached through --local-root, and without it the CLI says how',
  async (ctx) => {
    const co = ctx.kc.makeApiClient(CustomObjectsApi);
    const volume = join(work, `volume-${ctx.namespace}`);
    mkdirSync(join(volume, 'backups'), { recursive: true });
    await secret(ctx, 'encryption', { RESTIC_PASSWORD: PASSWORD });
    const storage = {
      provider: 'local',
      local: { mountPath: '/safe/data', hostPath: { path: '/mnt/node-backups' }, subPath: 'backups' },
    };
    await createBackupStorage(co, ctx.namespace, 'local', storage);
    // The backup pod sees the volume at /safe/data; on this machine it is <volume>/backups.
    const repo = await ResticRepository.open(
      {
        storage: { ...storage, local: { ...storage.local, mountPath: join(volume, 'backups') } },
        encryptionSecret: { RESTIC_PASSWORD: PASSWORD },
        repositoryPath: REPOSITORY_PATH,
        componentPath: MANIFEST,
      },
      { process: { binary: restic, cacheDir: join(work, 'cache'), tmpDir: work } },
    );
    let snapshotId: string | undefined;
    try {
      await repo.init();
      ({ snapshotId } = await repo.backup({ paths: [tree], host: 'host-0' }));
    } finally {
      await repo.close();
    }
    assert.ok(snapshotId);
    await createRepository(co, ctx.namespace, 'manifests', REPOSITORY_PATH, [MANIFEST], 'local');

    const unreachable = await cairnRepo(ctx, ['snapshots', 'manifests']);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /mounted at \/safe\/data inside the backup pods/);
    assert.match(unreachable.stderr, /hostPath \/mnt\/node-backups with subPath backups/);
    assert.match(unreachable.stderr, /--local-root DIR/);

    const listed = await cairnRepo(ctx, [
      'snapshots',
      'manifests',
      '--local-root',
      join(volume, 'backups'),
      '-o',
      'json',
    ]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(
      json<SnapshotsJson>(listed).components.map((c) => [c.path, c.snapshots.map((s) => s.id)]),
      [[MANIFEST, [snapshotId]]],
    );
    const wrongRoot = await cairnRepo(ctx, ['check', 'manifests', '--local-root', join(volume, 'nope')]);
    assert.equal(wrongRoot.code, 1);
    assert.match(wrongRoot.stderr, /--local-root \S+nope is not a directory/);
  },
);

clusterTest('repo commands explain what is missing', async (ctx) => {
  const f = await fixture(ctx, null); // no status.componentPaths
  const noPaths = await cairnRepo(ctx, ['snapshots', 'manifests', '-o', 'json']);
  assert.equal(noPaths.code, 1);
  assert.equal(noPaths.stdout, '');
  assert.match(
    noPaths.stderr,
    new RegExp(`Repository ${ctx.namespace}/manifests has no status.componentPaths yet`),
  );

  const absent = await cairnRepo(ctx, ['check', 'nothing-here']);
  assert.equal(absent.code, 1);
  assert.match(absent.stderr, new RegExp(`Repository ${ctx.namespace}/nothing-here not found`));

  await createRepository(f.co, ctx.namespace, 'other', 'other', [MANIFEST]);
  const unknown = await cairnRepo(ctx, ['unlock', 'other', '--component', 'nope']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /has no component "nope"; it has: repository\/v1\/frequent-backup\/manifest/);

  // password update refuses a new password restic would trim, and an encryption Secret another Repository
  // (here: manifests) uses too; neither changes the Secret.
  await secret(ctx, 'padded-password', { RESTIC_PASSWORD: `${NEW_PASSWORD}\n` });
  const padded = await update(ctx, 'padded-password', 'other');
  assert.equal(padded.code, 1);
  assert.match(
    padded.stderr,
    new RegExp(
      `key RESTIC_PASSWORD of Secret ${ctx.namespace}/padded-password starts or ends with whitespace, which restic would strip`,
    ),
  );
  await secret(ctx, 'new-password', { RESTIC_PASSWORD: NEW_PASSWORD });
  const shared = await update(ctx, 'new-password', 'other');
  assert.equal(shared.code, 1);
  assert.match(
    shared.stderr,
    new RegExp(
      `Secret ${ctx.namespace}/encryption is also the encryption Secret of Repository ${ctx.namespace}/manifests; .*lock those out`,
    ),
  );
  assert.equal(await readPassword(ctx, 'encryption'), PASSWORD);

  await ctx.core.replaceNamespacedSecret({
    name: 'encryption',
    namespace: ctx.namespace,
    body: { metadata: { name: 'encryption' }, stringData: { PASSWORD: PASSWORD } },
  });
  const noKey = await cairnRepo(ctx, ['snapshots', 'other']);
  assert.equal(noKey.code, 1);
  assert.match(noKey.stderr, new RegExp(`Secret ${ctx.namespace}/encryption has no key RESTIC_PASSWORD`));
});

test('no planted password or credential appears in any output of the CLI', () => assertNoPlantedSecret(20));
