// What the `cairn repo` tests share: bin/cairn run as a subprocess against the shared dev cluster and a MinIO
// started per test file, a Repository with its BackupStorage and Secrets in the test's namespace, component
// repositories created directly (ResticRepository: init + backup), and every stdout and stderr collected
// for the file's leak check. The state below is set by setUp (a test file's `before`), read through live
// bindings.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { binaryPaths, projectRoot, requireBinary } from '../../../src/devcluster/toolchain.ts';
import { ResticRepository } from '../../../src/restic/repository.ts';
import type { StorageSpec } from '../../../src/storage/types.ts';
import type { ClusterContext } from '../../harness/cluster.ts';
import { startMinio, type MinioServer } from '../../harness/objectstores.ts';

const GROUP = { group: 'storage.kubestash.com', version: 'v1alpha1' };
/** The test file's own bucket, set by setUp. */
export let BUCKET = '';
export const REPOSITORY_PATH = 'cluster-manifests';
export const MANIFEST = 'repository/v1/frequent-backup/manifest';
export const EXTRA = 'repository/v1/frequent-backup/extra';
export const UNLISTED = 'repository/v1/frequent-backup/unlisted';

export const PASSWORD = `pw-planted-${randomBytes(8).toString('hex')}`;
export const NEW_PASSWORD = `pw-new-planted-${randomBytes(8).toString('hex')}`;
export const OTHER_PASSWORD = `pw-other-planted-${randomBytes(8).toString('hex')}`;

export let minio: MinioServer;
export let restic = '';
export let work = '';
export let tree = '';
/** Every stdout and stderr the CLI produced. */
const outputs: string[] = [];

/** Writes the source tree and starts MinIO with `bucket`: a test file's `before`. */
export async function setUp(bucket: string): Promise<void> {
  BUCKET = bucket;
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
}

/** Stops MinIO and removes the work directory: a test file's `after`. */
export async function tearDown(): Promise<void> {
  await minio?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
}

export interface Fixture {
  ctx: ClusterContext;
  co: CustomObjectsApi;
  prefix: string;
  /** Opens a component repository as the backup Job would, with `password`. */
  open(component: string, password?: string): Promise<ResticRepository>;
}

/** Keys under the directory `prefix` of the test bucket. */
export const keysUnder = (prefix: string): Promise<string[]> => minio.keys(BUCKET, `${prefix}/`);

export async function secret(ctx: ClusterContext, name: string, data: Record<string, string>): Promise<void> {
  await ctx.core.createNamespacedSecret({
    namespace: ctx.namespace,
    body: { metadata: { name }, stringData: data },
  });
}

export async function readPassword(ctx: ClusterContext, name: string): Promise<string> {
  const s = await ctx.core.readNamespacedSecret({ name, namespace: ctx.namespace });
  return Buffer.from(s.data?.RESTIC_PASSWORD ?? '', 'base64').toString('utf8');
}

export async function createBackupStorage(
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

export async function createRepository(
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
export async function fixture(
  ctx: ClusterContext,
  components: string[] | null = [MANIFEST],
): Promise<Fixture> {
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

export interface CliResult {
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
export const cairnRepo = (
  ctx: ClusterContext,
  args: string[],
  options: { terminal?: boolean } = {},
): Promise<CliResult> => cairn(['repo', ...args, '-n', ctx.namespace], options);

export function json<T>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    assert.fail(`stdout is not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** `cairn repo password update REPOSITORY --new-password-secret NAME -o json`. */
export const update = (
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

export interface SnapshotsJson {
  ok: boolean;
  components: { path: string; snapshots: { id: string; hostname: string; tags: string[] }[] }[];
}

/**
 * The leak check over every stdout and stderr of this file's CLI runs: no planted password or credential,
 * plain or base64. `minimum` guards against a check that passes because nothing was collected.
 */
export function assertNoPlantedSecret(minimum: number): void {
  assert.ok(outputs.length >= minimum, `only ${outputs.length} outputs collected`);
  const all = outputs.join('\n');
  for (const planted of [PASSWORD, NEW_PASSWORD, OTHER_PASSWORD, minio.secretAccessKey, minio.accessKeyId]) {
    assert.equal(all.includes(planted), false, 'a planted secret leaked into the output');
    assert.equal(all.includes(Buffer.from(planted).toString('base64')), false);
  }
}
