// `kubedump backup` against the dev cluster with a local BackupStorage: the objects of a run (BackupStorage,
// Repository, a paused BackupConfiguration so no reconciler starts runs of its own, BackupSession, Snapshot)
// are created here; the task runs in-process. The Snapshot's manifest component must be Succeeded with a
// restic snapshot that the real restic lists with the dump tree's files; a second run of the unchanged
// namespace adds little to the repository.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { binaryPaths, projectRoot, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { runKubedumpBackup, type LogLine } from '../../src/tasks/kubedump/backup.ts';
import { parseDumpFlags } from '../../src/tasks/kubedump/flags.ts';
import { clusterTest } from '../harness/cluster.ts';

const PASSWORD = 'kd-planted-password-5c1e9a';
const REPO_PATH = 'ns-manifests';
const SESSION = 'daily';

let restic = '';
let work = '';

before(() => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  work = mkdtempSync(join(tmpdir(), 'cairn-kubedump-backup-'));
});

after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

type Obj = KubeObject & { status?: Record<string, unknown> };

/**
 * The backup objects in `namespace`; the backed-up ConfigMaps in `app`, a namespace of their own, so that the
 * run's own objects (BackupSessions, Snapshots, Events) do not change what is dumped.
 */
async function setup(
  client: KubeClient,
  namespace: string,
  app: string,
  mountPath = '/safe/data',
): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace });
  await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: app } });
  await create(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'enc', namespace },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  for (const name of ['cm-a', 'cm-b', 'cm-c']) {
    await client.create(
      K8S.configMaps,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: app },
        data: { greeting: `hello from ${name}`, filler: 'x'.repeat(2000) },
      },
      { namespace: app },
    );
  }
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'local', namespace },
    spec: {
      storage: {
        provider: 'local',
        local: { mountPath, hostPath: { path: join(work, 'volume') } },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace },
    spec: { successfulSnapshots: { last: 3 } },
  });
  await create(KUBESTASH.repositories, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: 'manifests', namespace },
    spec: {
      appRef: { apiGroup: '', kind: 'Namespace', name: app },
      storageRef: { name: 'local', namespace },
      path: REPO_PATH,
      encryptionSecret: { name: 'enc', namespace },
    },
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'nsdump', namespace },
    spec: {
      paused: true,
      target: { apiGroup: '', kind: 'Namespace', name: app },
      backends: [
        {
          name: 'main',
          storageRef: { name: 'local', namespace },
          retentionPolicy: { name: 'keep', namespace },
        },
      ],
      sessions: [
        {
          name: SESSION,
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: {} },
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
          repositories: [
            {
              name: 'manifests',
              backend: 'main',
              directory: REPO_PATH,
              encryptionSecret: { name: 'enc', namespace },
            },
          ],
        },
      ],
    },
  });
}

/** A BackupSession of the configuration and its Snapshot of Repository `manifests`, as the operator makes them. */
async function session(client: KubeClient, namespace: string, name: string): Promise<string> {
  await client.create(
    KUBESTASH.backupSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'BackupSession',
      metadata: { name, namespace },
      spec: {
        invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'nsdump' },
        session: SESSION,
      },
    },
    { namespace },
  );
  const snapshot = `manifests-${name}`;
  await client.create(
    KUBESTASH.snapshots,
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Snapshot',
      metadata: { name: snapshot, namespace },
      spec: {
        snapshotID: '01HHKQQ59XN4979HMDFNCANA9V',
        type: 'FullBackup',
        repository: 'manifests',
        session: SESSION,
        backupSession: name,
        version: 'v1',
        deletionPolicy: 'Delete',
      },
    },
    { namespace },
  );
  await client.patchStatus(KUBESTASH.snapshots, snapshot, namespace, {
    phase: 'Pending',
    totalComponents: 1,
  });
  return snapshot;
}

function resticEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: work,
    RESTIC_CACHE_DIR: join(work, 'restic-cache-check'),
    RESTIC_PASSWORD: PASSWORD,
    RESTIC_REPOSITORY: join(work, 'volume', REPO_PATH, 'repository', 'v1', SESSION, 'manifest'),
  };
}

function repoBytes(): number {
  const out = execFileSync(restic, ['stats', '--mode', 'raw-data', '--json', '--no-lock'], {
    env: resticEnv(),
  });
  return (JSON.parse(out.toString()) as { total_size: number }).total_size;
}

clusterTest(
  'a kubedump backup uploads the dump tree to the manifest repository and reports it in the Snapshot',
  async (ctx, t) => {
    const { client, namespace } = ctx;
    const app = `${namespace}-app`;
    t.after(() => client.delete(K8S.namespaces, app).then(() => undefined));
    await setup(client, namespace, app);
    const scratch = join(work, 'scratch');
    const lines: LogLine[] = [];
    const run = async (bs: string) => {
      const request = parseDumpFlags({
        namespace,
        backupsession: bs,
        'enable-cache': 'true',
        'scratch-dir': scratch,
        sanitize: 'true',
      });
      return runKubedumpBackup(request, {
        client,
        log: (l) => lines.push(l),
        localRoot: join(work, 'volume'),
        process: { binary: restic, cacheDir: join(scratch, 'restic-cache') },
      });
    };

    const first = await session(client, namespace, 'nsdump-daily-1');
    const outcome = await run('nsdump-daily-1');
    assert.equal(outcome.ok, true, JSON.stringify(outcome.snapshots));
    const snap = await client.get<Obj>(KUBESTASH.snapshots, first, namespace);
    const component = (snap.status?.components as Record<string, Record<string, unknown>>).manifest;
    assert.ok(component);
    assert.equal(component.phase, 'Succeeded');
    assert.equal(component.path, `repository/v1/${SESSION}/manifest`);
    assert.equal(component.driver, 'Restic');
    assert.equal(component.integrity, true);
    assert.match(String(component.size), /^\d+(\.\d{3} (KiB|MiB)| B)$/);
    const summary = (component.resticStats as { summary: Record<string, string> }[])[0]?.summary;
    assert.ok(summary?.id);
    assert.match(summary.id, /^[0-9a-f]{64}$/);
    assert.equal(summary.hostPath, join(scratch, 'manifest'));

    const listed = execFileSync(restic, ['ls', summary.id, '--no-lock'], { env: resticEnv() }).toString();
    for (const cm of ['cm-a', 'cm-b', 'cm-c']) {
      assert.ok(
        listed
          .split('\n')
          .some((p) => p.startsWith(join(scratch, 'manifest')) && p.includes(cm) && p.endsWith('.yaml')),
        `restic ls lists the file of ${cm}:\n${listed}`,
      );
    }
    const afterFirst = repoBytes();

    const second = await session(client, namespace, 'nsdump-daily-2');
    const again = await run('nsdump-daily-2');
    assert.equal(again.ok, true, JSON.stringify(again.snapshots));
    const snap2 = await client.get<Obj>(KUBESTASH.snapshots, second, namespace);
    const component2 = (snap2.status?.components as Record<string, Record<string, unknown>>).manifest;
    assert.equal(component2?.phase, 'Succeeded');
    const afterSecond = repoBytes();
    const added = afterSecond - afterFirst;
    t.diagnostic(
      `repository raw-data size after run 1: ${afterFirst} B; after run 2: ${afterSecond} B; added by run 2: ${added} B; ` +
        `run 2 dump files: ${JSON.stringify(again.dump?.files)}`,
    );
    // An unchanged namespace writes no file: restic finds every blob already stored and adds the snapshot.
    assert.deepEqual(again.dump?.files.written, 0);
    assert.ok(added < 2048, `the second run added ${added} B (the first stored ${afterFirst} B)`);
    assert.ok(lines.some((l) => l.msg === 'dump progress'));
    assert.ok(!JSON.stringify(lines).includes(PASSWORD), 'no log line holds the password');
    assert.ok(!JSON.stringify(snap2.status).includes(PASSWORD));
  },
  300_000,
);

clusterTest(
  'a Repository whose encryption Secret is missing fails the component, naming the Secret',
  async (ctx, t) => {
    const { client, namespace } = ctx;
    const app = `${namespace}-app`;
    t.after(() => client.delete(K8S.namespaces, app).then(() => undefined));
    await setup(client, namespace, app);
    await client.delete(K8S.secrets, 'enc', { namespace });
    const snapshot = await session(client, namespace, 'nsdump-daily-9');
    const outcome = await runKubedumpBackup(
      parseDumpFlags({
        namespace,
        backupsession: 'nsdump-daily-9',
        'enable-cache': 'true',
        'scratch-dir': join(work, 'scratch-fail'),
      }),
      { client, log: () => undefined, localRoot: join(work, 'volume'), process: { binary: restic } },
    );
    assert.equal(outcome.ok, false);
    const snap = await client.get<Obj>(KUBESTASH.snapshots, snapshot, namespace);
    const component = (snap.status?.components as Record<string, Record<string, unknown>>).manifest;
    assert.equal(component?.phase, 'Failed');
    assert.match(String(component?.error), new RegExp(`Repository ${namespace}/manifests: .*enc`));
  },
);

clusterTest(
  'cairn kubedump backup, run as a Job runs it, logs JSON lines, exits 0 and leaves a Succeeded component',
  async (ctx, t) => {
    const { client, namespace } = ctx;
    const app = `${namespace}-app`;
    t.after(() => client.delete(K8S.namespaces, app).then(() => undefined));
    const volume = join(work, 'cli-volume');
    await setup(client, namespace, app, volume);
    const snapshot = await session(client, namespace, 'nsdump-daily-7');
    const kubeconfig = process.env.CAIRN_TEST_KUBECONFIG;
    assert.ok(kubeconfig, 'CAIRN_TEST_KUBECONFIG is set by the global setup');
    const args = [
      'kubedump',
      'backup',
      `--namespace=${namespace}`,
      '--backupsession=nsdump-daily-7',
      '--enable-cache=true',
      `--scratch-dir=${join(work, 'cli-scratch')}`,
      '--sanitize=true',
      '--kubeconfig',
      kubeconfig,
      '--restic',
      restic,
    ];
    const child = spawn(join(projectRoot, 'bin/cairn'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    assert.equal(code, 0, `stdout:\n${stdout}\nstderr:\n${stderr}`);
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LogLine);
    assert.ok(lines.some((l) => l.msg === 'dump finished'));
    assert.ok(lines.some((l) => l.msg === 'component reported' && l.phase === 'Succeeded'));
    assert.ok(!stdout.includes(PASSWORD) && !stderr.includes(PASSWORD), 'the password is never printed');
    const snap = await client.get<Obj>(KUBESTASH.snapshots, snapshot, namespace);
    const component = (snap.status?.components as Record<string, Record<string, unknown>>).manifest;
    assert.equal(component?.phase, 'Succeeded');
  },
  300_000,
);
