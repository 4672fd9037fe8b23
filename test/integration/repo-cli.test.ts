// `cairn repo snapshots|check|unlock|password` as a user runs it: bin/cairn as a subprocess against the
// shared dev cluster (Repository, BackupStorage and Secrets as objects) and a MinIO. No operator takes
// backups yet, so each test creates the component repositories itself (ResticRepository: init + backup)
// and writes the Repository's status.componentPaths through the status subresource. Every password and
// credential is planted in distinctive values that must never show up in the CLI's stdout or stderr.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { DeleteObjectsCommand } from '@aws-sdk/client-s3';
import { binaryPaths, projectRoot, requireBinary } from '../../src/devcluster/toolchain.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { ResticRepository } from '../../src/restic/repository.ts';
import { ResticError } from '../../src/restic/errors.ts';
import type { StorageSpec } from '../../src/storage/types.ts';
import { clusterTest, type ClusterContext } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

const GROUP = { group: 'storage.kubestash.com', version: 'v1alpha1' };
const BUCKET = 'cairn-repo-cli';
const REPOSITORY_PATH = 'cluster-manifests';
const MANIFEST = 'repository/v1/frequent-backup/manifest';
const EXTRA = 'repository/v1/frequent-backup/extra';
const UNLISTED = 'repository/v1/frequent-backup/unlisted';

const PASSWORD = `pw-planted-${randomBytes(8).toString('hex')}`;
const NEW_PASSWORD = `pw-new-planted-${randomBytes(8).toString('hex')}`;
const OTHER_PASSWORD = `pw-other-planted-${randomBytes(8).toString('hex')}`;

let minio: MinioServer;
let restic = '';
let work = '';
let tree = '';
/** Every stdout and stderr the CLI produced. */
const outputs: string[] = [];

before(async () => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  work = mkdtempSync(join(tmpdir(), 'cairn-repo-cli-'));
  tree = join(work, 'tree');
  for (let i = 0; i < 20; i++) {
    const dir = join(tree, 'configmaps', 'namespaces', `ns-${i % 3}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `cm-${i}.yaml`), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\n`);
  }
  minio = await startMinio();
  await minio.createBucket(BUCKET);
});

after(async () => {
  await minio?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface Fixture {
  ctx: ClusterContext;
  co: CustomObjectsApi;
  prefix: string;
  /** Opens a component repository as the backup Job would, with `password`. */
  open(component: string, password?: string): Promise<ResticRepository>;
}

/** Keys under the directory `prefix` of the test bucket. */
const keysUnder = (prefix: string): Promise<string[]> => minio.keys(BUCKET, `${prefix}/`);

async function secret(ctx: ClusterContext, name: string, data: Record<string, string>): Promise<void> {
  await ctx.core.createNamespacedSecret({
    namespace: ctx.namespace,
    body: { metadata: { name }, stringData: data },
  });
}

async function readPassword(ctx: ClusterContext, name: string): Promise<string> {
  const s = await ctx.core.readNamespacedSecret({ name, namespace: ctx.namespace });
  return Buffer.from(s.data?.RESTIC_PASSWORD ?? '', 'base64').toString('utf8');
}

async function createBackupStorage(
  co: CustomObjectsApi,
  namespace: string,
  name: string,
  storage: StorageSpec,
): Promise<void> {
  await co.createNamespacedCustomObject({
    ...GROUP,
    plural: 'backupstorages',
    namespace,
    body: {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'BackupStorage',
      metadata: { name },
      spec: { storage },
    },
  });
}

async function createRepository(
  co: CustomObjectsApi,
  namespace: string,
  name: string,
  path: string,
  componentPaths: string[] | undefined,
  storageName = 'minio',
): Promise<void> {
  await co.createNamespacedCustomObject({
    ...GROUP,
    plural: 'repositories',
    namespace,
    body: {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Repository',
      metadata: { name },
      spec: { storageRef: { name: storageName, namespace }, path, encryptionSecret: { name: 'encryption' } },
    },
  });
  if (!componentPaths) return;
  // A merge patch of the status: the operator's Repository reconciler writes the same status concurrently
  // (it keeps the component paths it finds listed).
  await co.patchNamespacedCustomObjectStatus(
    { ...GROUP, plural: 'repositories', namespace, name, body: { status: { componentPaths } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
}

/** Secrets, a BackupStorage on MinIO with its own prefix, a Repository, and backed-up components. */
async function fixture(ctx: ClusterContext, components: string[] | null = [MANIFEST]): Promise<Fixture> {
  const co = ctx.kc.makeApiClient(CustomObjectsApi);
  const prefix = `p-${ctx.namespace}`;
  await secret(ctx, 'minio-credentials', minio.secretData);
  await secret(ctx, 'encryption', { RESTIC_PASSWORD: PASSWORD });
  await createBackupStorage(co, ctx.namespace, 'minio', {
    provider: 's3',
    s3: {
      endpoint: minio.endpoint,
      bucket: BUCKET,
      prefix,
      region: minio.region,
      secretName: 'minio-credentials',
    },
  });
  const open = (component: string, password = PASSWORD): Promise<ResticRepository> =>
    ResticRepository.open(
      {
        storage: minio.storageSpec(BUCKET, prefix),
        storageSecret: minio.secretData,
        encryptionSecret: { RESTIC_PASSWORD: password },
        repositoryPath: REPOSITORY_PATH,
        componentPath: component,
      },
      { process: { binary: restic, cacheDir: join(work, 'cache'), tmpDir: work } },
    );
  for (const component of components ?? []) {
    const repo = await open(component);
    try {
      await repo.init();
      const { snapshotId } = await repo.backup({ paths: [tree], host: 'host-0', tags: ['frequent-backup'] });
      assert.ok(snapshotId);
    } finally {
      await repo.close();
    }
  }
  await createRepository(co, ctx.namespace, 'manifests', REPOSITORY_PATH, components ?? undefined);
  return { ctx, co, prefix, open };
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs bin/cairn; with `terminal`, under script(1), so that stdout and stderr are a terminal (merged). */
function cairn(args: string[], options: { terminal?: boolean } = {}): Promise<CliResult> {
  const kubeconfig = process.env.CAIRN_TEST_KUBECONFIG;
  assert.ok(kubeconfig, 'CAIRN_TEST_KUBECONFIG is set by the global setup');
  const argv = [join(projectRoot, 'bin/cairn'), ...args, '--restic', restic];
  const quoted = argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
  const [command, commandArgs] = options.terminal
    ? ['script', ['-q', '-e', '-c', quoted, '/dev/null']]
    : [argv[0] ?? '', argv.slice(1)];
  const child = spawn(command, commandArgs, {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      outputs.push(stdout, stderr);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `cairn repo ARGS -n <the test's namespace>`. */
const cairnRepo = (
  ctx: ClusterContext,
  args: string[],
  options: { terminal?: boolean } = {},
): Promise<CliResult> => cairn(['repo', ...args, '-n', ctx.namespace], options);

function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    assert.fail(`stdout is not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** `cairn repo password update REPOSITORY --new-password-secret NAME -o json`. */
const update = (
  ctx: ClusterContext,
  newSecret: string,
  repository = 'manifests',
  ...extra: string[]
): Promise<CliResult> =>
  cairnRepo(ctx, [
    'password',
    'update',
    repository,
    '--new-password-secret',
    newSecret,
    '-o',
    'json',
    ...extra,
  ]);

interface SnapshotsJson {
  ok: boolean;
  components: { path: string; snapshots: { id: string; hostname: string; tags: string[] }[] }[];
}

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

interface PasswordJson {
  ok: boolean;
  secretUpdated: boolean;
  components: { path: string; state: string; removedKeyId?: string }[];
}

/** The IDs of every key of a component, opened with `password`. */
async function keyIds(f: Fixture, component: string, password: string): Promise<string[]> {
  const repo = await f.open(component, password);
  try {
    return (await repo.keys()).map((k) => k.id).sort();
  } finally {
    await repo.close();
  }
}

async function assertOnlyOpensWith(
  f: Fixture,
  component: string,
  password: string,
  old: string,
): Promise<void> {
  const withNew = await f.open(component, password);
  const withOld = await f.open(component, old);
  try {
    assert.equal((await withNew.snapshots()).length, 1);
    assert.equal((await withNew.keys()).length, 1, `${component} keeps exactly one key`);
    await assert.rejects(
      withOld.snapshots(),
      (err: unknown) => err instanceof ResticError && err.kind === 'wrong-password',
    );
  } finally {
    await Promise.all([withNew.close(), withOld.close()]);
  }
}

async function annotations(ctx: ClusterContext, name: string): Promise<Record<string, string>> {
  const s = await ctx.core.readNamespacedSecret({ name, namespace: ctx.namespace });
  return s.metadata?.annotations ?? {};
}

clusterTest('repo password update rotates every component and updates the encryption Secret', async (ctx) => {
  const f = await fixture(ctx, [MANIFEST, EXTRA]);
  await secret(ctx, 'new-password', { RESTIC_PASSWORD: NEW_PASSWORD });

  const missing = await update(ctx, 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`Secret ${ctx.namespace}/nope .*does not exist`));
  const one = await update(ctx, 'new-password', 'manifests', '--component', 'extra');
  assert.equal(one.code, 1);
  assert.match(one.stderr, /--component cannot be used with password update/);
  assert.equal(await readPassword(ctx, 'encryption'), PASSWORD);

  // An earlier run was interrupted after adding the new key to one component.
  const interrupted = await f.open(MANIFEST);
  try {
    await interrupted.addKey(NEW_PASSWORD);
  } finally {
    await interrupted.close();
  }
  const oldKeys = await keyIds(f, EXTRA, PASSWORD);
  // A component repository in the storage that status.componentPaths does not list.
  const unlisted = await f.open(UNLISTED);
  try {
    await unlisted.init();
    await unlisted.backup({ paths: [tree], host: 'host-0' });
  } finally {
    await unlisted.close();
  }

  const rotated = await update(ctx, 'new-password');
  assert.equal(rotated.code, 0, rotated.stderr);
  const report = json<PasswordJson>(rotated);
  assert.equal(report.ok, true);
  assert.equal(report.secretUpdated, true);
  assert.deepEqual(
    report.components.map((c) => [c.path, c.state]),
    [
      [MANIFEST, 'rotated'],
      [EXTRA, 'rotated'],
      [UNLISTED, 'rotated'],
    ],
  );
  assert.match(rotated.stderr, new RegExp(`does not list: ${UNLISTED}; rotating them too`));
  assert.deepEqual([report.components[1]?.removedKeyId], oldKeys);
  assert.equal(await readPassword(ctx, 'encryption'), NEW_PASSWORD);
  assert.deepEqual(Object.keys(await annotations(ctx, 'encryption')), [], 'no rotation left pending');
  for (const component of [MANIFEST, EXTRA, UNLISTED]) {
    await assertOnlyOpensWith(f, component, NEW_PASSWORD, PASSWORD);
  }

  // Run again: nothing left to do, and the CLI keeps working from the updated Secret.
  const again = await update(ctx, 'new-password');
  assert.equal(again.code, 1, 'the Secret already holds the new password');
  assert.match(again.stderr, /holds the password already in use/);
  const listed = await cairnRepo(ctx, ['snapshots', 'manifests', '-o', 'json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(json<SnapshotsJson>(listed).ok, true);
});

clusterTest('repo password update finishes a rotation whose old keys were not all removed', async (ctx) => {
  const f = await fixture(ctx, [MANIFEST, EXTRA]);
  // The state a run leaves when it fails after writing the Secret: both keys on every component, the new
  // password in the Secret, the old key IDs in the annotation.
  const oldKeys: Record<string, string> = {};
  for (const component of [MANIFEST, EXTRA]) {
    const repo = await f.open(component);
    try {
      oldKeys[component] = (await repo.keys()).find((k) => k.current)?.id ?? '';
      await repo.addKey(NEW_PASSWORD);
    } finally {
      await repo.close();
    }
  }
  const pendingState = async (password: string): Promise<void> => {
    await ctx.core.replaceNamespacedSecret({
      name: 'encryption',
      namespace: ctx.namespace,
      body: {
        metadata: {
          name: 'encryption',
          annotations: {
            'cairn.dev/password-rotation-pending': JSON.stringify({
              newPasswordSecret: `${ctx.namespace}/new-password`,
              oldKeys,
            }),
          },
        },
        stringData: { RESTIC_PASSWORD: password },
      },
    });
  };

  // The Secret was reverted to the old password after the rotation wrote it: no key may go.
  await pendingState(PASSWORD);
  const reverted = await update(ctx, 'new-password');
  assert.equal(reverted.code, 1);
  assert.match(reverted.stderr, /is the one the Secret's password opens .*not removing it/);
  for (const component of [MANIFEST, EXTRA]) {
    assert.equal((await keyIds(f, component, PASSWORD)).length, 2, `${component} keeps both keys`);
  }

  await pendingState(NEW_PASSWORD);
  await secret(ctx, 'other-password', { RESTIC_PASSWORD: OTHER_PASSWORD });
  const other = await update(ctx, 'other-password');
  assert.equal(other.code, 1);
  assert.match(other.stderr, /is unfinished .*--new-password-secret \S+\/new-password again/);

  // The new-password Secret is not needed to finish (it was never created here): the encryption Secret
  // holds the password already.
  const finished = await update(ctx, 'new-password');
  assert.equal(finished.code, 0, finished.stderr);
  const report = json<PasswordJson>(finished);
  assert.deepEqual(
    report.components.map((c) => [c.path, c.state, c.removedKeyId]),
    [
      [MANIFEST, 'rotated', oldKeys[MANIFEST]],
      [EXTRA, 'rotated', oldKeys[EXTRA]],
    ],
  );
  assert.deepEqual(Object.keys(await annotations(ctx, 'encryption')), []);
  for (const component of [MANIFEST, EXTRA]) await assertOnlyOpensWith(f, component, NEW_PASSWORD, PASSWORD);
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

test('no planted password or credential appears in any output of the CLI', () => {
  assert.ok(outputs.length >= 20, `only ${outputs.length} outputs collected`);
  const all = outputs.join('\n');
  for (const planted of [PASSWORD, NEW_PASSWORD, OTHER_PASSWORD, minio.secretAccessKey, minio.accessKeyId]) {
    assert.equal(all.includes(planted), false, 'a planted secret leaked into the output');
    assert.equal(all.includes(Buffer.from(planted).toString('base64')), false);
  }
});
