// `cairn kubedump restore` as the restore Job runs it: bin/cairn with the args the catalog's kubedump-restore
// Function gets for a RestoreSession, after a real backup (the operator's Job, kubedump into MinIO) of a
// namespace of its own whose objects are then deleted. The RestoreSession names an Addon that does not
// exist, so no operator Job runs for it: the command runs here, as a subprocess, and is the only writer of
// its component status. Every secret in play (the repository password, MinIO's keys, a Secret's value) is
// planted and must not show up in the log lines, the results file or the status.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { taskArgs } from '../../src/api/function-args.ts';
import type { Addon, Task } from '../../src/api/kinds/addon.ts';
import type { FunctionObject } from '../../src/api/kinds/function.ts';
import { K8S, KUBESTASH, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, projectRoot, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import type { ObjectResult } from '../../src/restore/types.ts';
import {
  applyAll,
  backupConfiguration,
  firstSessionEnded,
  retentionPolicy,
  s3Storage,
  secret,
  type Obj,
} from '../harness/backup-manifests.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

const PASSWORD = 'kd-restore-planted-password-8d2c';
const SECRET_VALUE = 'kd-restore-planted-secret-value-61fa';
const REPOSITORY = 'manifests';

let s3: MinioServer | undefined;
let restic = '';
let work = '';

before(async () => {
  restic = requireBinary(binaryPaths().restic, 'restic');
  s3 = await startMinio();
  work = mkdtempSync(join(tmpdir(), 'cairn-kubedump-restore-'));
});
after(async () => {
  await s3?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The objects of the backed-up namespace. */
const APP_OBJECTS: [ResourceType, KubeObject & Record<string, unknown>][] = [
  [
    K8S.configMaps,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config' }, data: { mode: 'fast' } },
  ],
  [
    K8S.configMaps,
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db-config' }, data: { size: '3' } },
  ],
  [
    K8S.secrets,
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { token: SECRET_VALUE } },
  ],
  [K8S.serviceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } }],
  [
    K8S.roles,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    },
  ],
  [
    K8S.roleBindings,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'robot-reads' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'robot' }],
    },
  ],
];

const resourceId = (t: ResourceType): string => (t.group ? `${t.plural}.${t.group}` : t.plural);

const run = promisify(execFile);

/** bin/cairn with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
async function cairn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(join(projectRoot, 'bin/cairn'), args, { maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The container args of the restore Job of RestoreSession `namespace/name`, plus Cairn's connection flags. */
function restoreArgs(namespace: string, name: string, snapshot: string, scratch: string): string[] {
  const addons = join(projectRoot, 'deploy', 'addons');
  const fn = parse(readFileSync(join(addons, 'kubedump-restore-function.yaml'), 'utf8')) as FunctionObject;
  const addon = parse(readFileSync(join(addons, 'kubedump-addon.yaml'), 'utf8')) as Addon;
  const task = addon.spec.restoreTasks?.find((t) => t.name === 'manifest-restore') as Task;
  const resolved = taskArgs(
    fn.spec,
    task,
    { params: { scratchDir: scratch } },
    {
      namespace,
      restoreSession: name,
      snapshot,
    },
  );
  assert.deepEqual(resolved.undeclaredParams, []);
  return [...resolved.args, `--kubeconfig=${process.env.CAIRN_TEST_KUBECONFIG ?? ''}`, `--restic=${restic}`];
}

/** A RestoreSession of the repository; its Addon does not exist, so the operator starts no Job for it. */
async function createRestoreSession(client: KubeClient, namespace: string, name: string, snapshot: string) {
  await client.create(
    KUBESTASH.restoreSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'RestoreSession',
      metadata: { name, namespace },
      spec: {
        dataSource: { repository: REPOSITORY, snapshot },
        addon: { name: 'kubedump-addon-run-by-the-test', tasks: [{ name: 'manifest-restore' }] },
      },
    },
    { namespace },
  );
}

type Component = {
  phase?: string;
  duration?: string;
  error?: string;
  objects?: Record<string, number>;
};

async function manifestComponent(client: KubeClient, namespace: string, name: string): Promise<Component> {
  const rs = await client.get<Obj>(KUBESTASH.restoreSessions, name, namespace);
  return ((rs.status?.components ?? {}) as Record<string, Component>).manifest ?? {};
}

clusterTest(
  'a namespace backed up by a real backup and then deleted object by object is restored by cairn kubedump restore run with the Function’s args: every object is back, the component is Succeeded, and no secret is in the log, the results file or the status; a Snapshot that is not Succeeded is refused naming the fix',
  async ({ client, namespace }, t) => {
    const minio = s3;
    assert.ok(minio, 'MinIO started');
    const secrets = [PASSWORD, SECRET_VALUE, ...Object.values(minio.secretData)].filter((v) => v.length >= 6);
    const app = `${namespace}-app`;
    await client.create(K8S.namespaces, { metadata: { name: app } });
    t.after(() => client.delete(K8S.namespaces, app).then(() => undefined));
    for (const [type, o] of APP_OBJECTS) {
      await client.create(type, { ...o, metadata: { ...o.metadata, namespace: app } }, { namespace: app });
    }
    await minio.createBucket('kd-restore');
    await applyAll(client, [
      secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
      ...s3Storage(namespace, 'store', minio, 'kd-restore'),
      retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 5 } }),
      backupConfiguration({
        namespace,
        name: 'app-backup',
        target: app,
        backends: { s3: 'store' },
        retentionPolicy: 'keep',
        repositories: { [REPOSITORY]: 's3' },
        encryptionSecret: 'enc',
        session: { name: 'daily' },
        params: { IncludeNamespaces: app },
      }),
    ]);
    const session = await firstSessionEnded(client, namespace);
    assert.equal(session.status?.phase, 'Succeeded');

    // Delete what was backed up, and wait until the API server no longer serves any of it.
    for (const [type, o] of APP_OBJECTS)
      await client.delete(type, o.metadata?.name ?? '', { namespace: app });
    await waitFor(
      async () => {
        for (const [type, o] of APP_OBJECTS) {
          if (await client.find(type, o.metadata?.name ?? '', app)) return undefined;
        }
        return true;
      },
      { what: `the objects of ${app} to be deleted`, timeoutMs: 30_000 },
    );

    // The restore Job's command, with the snapshot left to `latest`.
    await createRestoreSession(client, namespace, 'restore-app', 'latest');
    const scratch = join(work, 'scratch');
    const ran = await cairn(restoreArgs(namespace, 'restore-app', '', scratch));
    assert.equal(ran.code, 0, `${ran.stderr}\n${ran.stdout}`);
    const lines = ran.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string } & Record<string, unknown>);
    const finished = lines.find((l) => l.msg === 'restore finished');
    assert.ok(finished, 'a summary line with the counts');
    assert.equal(finished.failed, 0);
    assert.ok(Number(finished.created) >= APP_OBJECTS.length, JSON.stringify(finished));
    assert.equal(lines.find((l) => l.msg === 'snapshot chosen')?.by, 'latest');

    // Every object is back, as it was.
    for (const [type, o] of APP_OBJECTS) {
      const back = await client.find<KubeObject & Record<string, unknown>>(type, o.metadata?.name ?? '', app);
      assert.ok(back, `${resourceId(type)} ${app}/${o.metadata?.name ?? ''} is back`);
      for (const field of ['data', 'rules', 'roleRef', 'subjects']) {
        if (field in o) assert.deepEqual(back[field], o[field], `${o.metadata?.name ?? ''} ${field}`);
      }
    }
    const creds = await client.get<{ data?: Record<string, string> }>(K8S.secrets, 'creds', app);
    assert.equal(Buffer.from(creds.data?.token ?? '', 'base64').toString(), SECRET_VALUE);

    // The results file has one line per object, each restored object created.
    const resultsFile = join(scratch, 'restore', 'results.jsonl');
    assert.ok(existsSync(resultsFile), 'the results file is written');
    const resultsText = readFileSync(resultsFile, 'utf8');
    const results = resultsText
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ObjectResult);
    for (const [type, o] of APP_OBJECTS) {
      const r = results.find((x) => x.resource === resourceId(type) && x.name === o.metadata?.name);
      assert.equal(
        r?.outcome,
        'created',
        `${resourceId(type)} ${o.metadata?.name ?? ''}: ${JSON.stringify(r)}`,
      );
    }

    const component = await manifestComponent(client, namespace, 'restore-app');
    assert.equal(component.phase, 'Succeeded', JSON.stringify(component));
    assert.match(component.duration ?? '', /s$/);
    assert.equal(component.error, undefined);
    assert.equal(component.objects?.created, finished.created);
    assert.equal(component.objects?.failed, 0);

    // A Snapshot that has not finished is refused, and the refusal says what to do.
    await client.create(
      KUBESTASH.snapshots,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Snapshot',
        metadata: { name: 'unfinished', namespace },
        spec: { repository: REPOSITORY, session: 'daily', version: 'v1' },
      },
      { namespace },
    );
    await createRestoreSession(client, namespace, 'restore-unfinished', 'unfinished');
    const refused = await cairn(
      restoreArgs(namespace, 'restore-unfinished', 'unfinished', join(work, 'scratch-2')),
    );
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Snapshot .*\/unfinished is .*not Succeeded.*pick another Snapshot/);
    const failed = await manifestComponent(client, namespace, 'restore-unfinished');
    assert.equal(failed.phase, 'Failed');
    assert.match(failed.error ?? '', /unfinished is .*not Succeeded.*pick another Snapshot/);

    const status = JSON.stringify([component, failed]);
    for (const [what, text] of [
      ['the log', ran.stdout + ran.stderr + refused.stdout + refused.stderr],
      ['the results file', resultsText],
      ['the status', status],
    ] as const) {
      for (const s of secrets) assert.ok(!text.includes(s), `${what} holds a planted secret`);
    }
  },
  360_000,
);
