// `cairn download|manifest-view|manifest-restore` as a user runs them: bin/cairn as a subprocess against the
// dev cluster, after a real backup (the operator's Job, kubedump into MinIO) of a namespace of its own. The
// CLI runs with a PATH that holds no restic, so the restic that setup builds is the one it must find. Every
// secret in play (the repository password, MinIO's key, a Secret's value) is planted and must never show up
// in anything the CLI prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, before } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { K8S, KUBESTASH, type ResourceType } from '../../src/api/resource-type.ts';
import { projectRoot } from '../../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
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

const PASSWORD = 'cli-restore-planted-password-4e1f';
const SECRET_VALUE = 'cli-restore-planted-secret-value-77ab';

let s3: MinioServer | undefined;
let work = '';
/** Every stdout and stderr the CLI printed. */
const printed: string[] = [];

before(async () => {
  s3 = await startMinio();
  work = mkdtempSync(join(tmpdir(), 'cairn-cli-restore-'));
});
after(async () => {
  await s3?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** PATH without any directory holding a restic: the CLI must fall back to the one setup built. */
const pathWithoutRestic = (): string =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => !existsSync(join(dir, 'restic')))
    .join(delimiter);

const run = promisify(execFile);

/** bin/cairn with `args`; resolves with its exit code and output (never rejects on a non-zero exit). */
async function cairn(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    PATH: pathWithoutRestic(),
    KUBECONFIG: process.env.CAIRN_TEST_KUBECONFIG ?? '',
  };
  let out: { code: number; stdout: string; stderr: string };
  try {
    const r = await run(join(projectRoot, 'bin/cairn'), args, { env, maxBuffer: 64 * 1024 * 1024 });
    out = { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    out = { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
  printed.push(out.stdout, out.stderr);
  return out;
}

/** One object of the backed-up namespace, with its resource. */
function object(
  type: ResourceType,
  name: string,
  rest: Record<string, unknown> = {},
): [ResourceType, KubeObject] {
  const apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
  return [type, { apiVersion, kind: type.kind, metadata: { name }, ...rest }];
}

const APP_OBJECTS: [ResourceType, KubeObject][] = [
  object(K8S.configMaps, 'web-config', {
    metadata: { name: 'web-config', labels: { app: 'web' } },
    data: { mode: 'fast' },
  }),
  object(K8S.configMaps, 'db-config', { data: { size: '3' } }),
  object(K8S.secrets, 'creds', {
    metadata: { name: 'creds', labels: { app: 'web' } },
    stringData: { token: SECRET_VALUE },
  }),
  object(K8S.serviceAccounts, 'robot'),
  object(K8S.roles, 'reader', { rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }] }),
  object(K8S.roleBindings, 'robot-reads', {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
    subjects: [{ kind: 'ServiceAccount', name: 'robot' }],
  }),
];

function backupObjects(namespace: string, app: string, minio: MinioServer): Manifest[] {
  return [
    secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
    ...s3Storage(namespace, 'store', minio, 'cli-restore'),
    localStorage(namespace, 'local', join(work, 'volume')),
    retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 5 } }),
    backupConfiguration({
      namespace,
      name: 'app-backup',
      target: app,
      backends: { s3: 'store', local: 'local' },
      retentionPolicy: 'keep',
      repositories: { manifests: 's3', 'on-local': 'local' },
      encryptionSecret: 'enc',
      session: { name: 'daily' },
    }),
  ];
}

/** `Kind namespace/name` of every object file under a dump tree (of any layout), read from the files. */
function treeIds(root: string): Set<string> {
  const out = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else {
        const o = parse(readFileSync(path, 'utf8')) as KubeObject;
        out.add(`${o.kind ?? ''} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
      }
    }
  };
  walk(root);
  return out;
}

/** The resource id of each Kind a namespace backup of the test holds, as manifest-view names types. */
const RESOURCE_OF: Record<string, string> = {
  ConfigMap: 'configmaps',
  Secret: 'secrets',
  ServiceAccount: 'serviceaccounts',
  Role: 'roles.rbac.authorization.k8s.io',
  RoleBinding: 'rolebindings.rbac.authorization.k8s.io',
};

/** The file of an object in a tree: `<Kind>/<name>.yaml` (a namespace's layout) or the v2 path. */
function findFile(root: string, kind: string, namespace: string, name: string): string {
  const candidates = [
    join(root, kind, `${name}.yaml`),
    join(root, RESOURCE_OF[kind] ?? kind, 'namespaces', namespace, `${name}.yaml`),
  ];
  for (const candidate of candidates) {
    try {
      accessSync(candidate);
      return candidate;
    } catch {
      // the other layout
    }
  }
  throw new Error(`no file for ${kind} ${namespace}/${name} under ${root}`);
}

interface ViewData {
  total: number;
  types: {
    resource: string;
    count: number;
    cluster: string[];
    namespaces: { namespace: string; names: string[] }[];
  }[];
}

const viewIds = (v: ViewData): Set<string> =>
  new Set(
    v.types.flatMap((t) => [
      ...t.cluster.map((n) => `${t.resource} /${n}`),
      ...t.namespaces.flatMap((ns) => ns.names.map((n) => `${t.resource} ${ns.namespace}/${n}`)),
    ]),
  );

/** resourceVersion of every object of the types the test created, in `app`. */
async function versions(client: KubeClient, app: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const type of [K8S.configMaps, K8S.secrets, K8S.serviceAccounts, K8S.roles, K8S.roleBindings]) {
    for (const o of (await client.list<KubeObject>(type, { namespace: app })).items) {
      out.set(`${type.plural}/${o.metadata?.name ?? ''}`, o.metadata?.resourceVersion ?? '');
    }
  }
  return out;
}

clusterTest(
  'after a real backup, cairn download lands the files, manifest-view lists what the backup holds, manifest-restore --dry-run changes nothing and lists what it would create, and manifest-restore brings deleted objects back, printing no secret',
  async ({ client, namespace }, t) => {
    const minio = s3;
    assert.ok(minio, 'MinIO started');
    const app = `${namespace}-app`;
    await client.create(K8S.namespaces, { metadata: { name: app } });
    t.after(() => client.delete(K8S.namespaces, app).then(() => undefined));
    for (const [type, o] of APP_OBJECTS)
      await client.create(type, { ...o, metadata: { ...o.metadata, namespace: app } }, { namespace: app });
    await minio.createBucket('cli-restore');
    await applyAll(client, backupObjects(namespace, app, minio));
    const session = await firstSessionEnded(client, namespace);
    assert.equal(session.status?.phase, 'Succeeded');
    const snapshots = (await client.list<Obj>(KUBESTASH.snapshots, { namespace })).items;
    const recorded = snapshots.find(
      (s) => s.spec?.repository === 'manifests' && s.status?.phase === 'Succeeded',
    );
    const onLocal = snapshots.find((s) => s.spec?.repository === 'on-local')?.metadata?.name;
    assert.ok(onLocal, 'the backup recorded a Snapshot in the local repository');
    const snapshot = recorded?.metadata?.name;
    assert.ok(snapshot, 'the backup recorded a Succeeded Snapshot');
    // The directory the backup Job dumped into (the pod runner maps the scratch volume to a host directory).
    const hostPath = (
      recorded?.status?.components as { manifest?: { resticStats?: { summary?: { hostPath?: string } }[] } }
    ).manifest?.resticStats?.[0]?.summary?.hostPath;
    assert.ok(hostPath, 'the Snapshot records the directory it backed up');

    // download: the refusal first, then the files.
    const both = await cairn(['download', snapshot, '-n', namespace, '--include', '/a', '--exclude', '/b']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /--include and --exclude cannot be used together/);
    const dest = join(work, 'download');
    const dl = await cairn(['download', snapshot, '-n', namespace, '--destination', dest]);
    assert.equal(dl.code, 0, dl.stderr);
    const tree = join(dest, snapshot, 'manifest', hostPath);
    assert.match(dl.stdout, new RegExp(`^manifest: \\d+ files, .* in ${tree}$`, 'm'));
    assert.match(
      dl.stdout,
      new RegExp(`Downloaded Snapshot ${namespace}/${snapshot}: 1 component, \\d+ files`),
    );
    const backedUp = treeIds(tree);

    // A local storage's volume is read from --local-root; without it the download says so, and how.
    const volume = join(work, 'volume');
    const refused = await cairn(['download', onLocal, '-n', namespace, '--destination', join(work, 'local')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /BackupStorage \S+\/local is a local volume .* pass --local-root DIR/);
    assert.ok(refused.stderr.includes(`--local-root ${volume})`), refused.stderr);
    const local = await cairn([
      'download',
      onLocal,
      '-n',
      namespace,
      '--destination',
      join(work, 'local'),
      '--local-root',
      volume,
    ]);
    assert.equal(local.code, 0, local.stderr);
    assert.deepEqual(
      treeIds(join(work, 'local', onLocal, 'manifest', hostPath)),
      backedUp,
      'both repositories hold the same dump',
    );
    for (const [, o] of APP_OBJECTS) {
      const id = `${o.kind ?? ''} ${app}/${o.metadata?.name ?? ''}`;
      assert.ok(backedUp.has(id), `the download holds ${id}: ${[...backedUp].join(', ')}`);
    }
    const cm = parse(readFileSync(findFile(tree, 'ConfigMap', app, 'web-config'), 'utf8')) as {
      data?: unknown;
    };
    assert.deepEqual(cm.data, { mode: 'fast' });

    // manifest-view: object by object what the backup holds; the filters apply; the text has counts.
    const view = await cairn(['manifest-view', '--snapshot', snapshot, '-n', namespace, '-o', 'json']);
    assert.equal(view.code, 0, view.stderr);
    const data = JSON.parse(view.stdout) as ViewData;
    const viewed = viewIds(data);
    const expected = new Set(
      [...backedUp].map((id) => {
        const [kind = '', rest = ''] = id.split(' ');
        assert.ok(RESOURCE_OF[kind], `the test knows the resource of ${kind}`);
        return `${RESOURCE_OF[kind]} ${rest}`;
      }),
    );
    assert.deepEqual([...viewed].sort(), [...expected].sort());
    assert.equal(data.total, expected.size);
    const onlyWeb = await cairn([
      'manifest-view',
      '--snapshot',
      snapshot,
      '-n',
      namespace,
      '--and-label-selectors',
      'app=web',
    ]);
    assert.equal(onlyWeb.code, 0, onlyWeb.stderr);
    assert.equal(
      onlyWeb.stdout,
      [
        'configmaps (1)',
        `  ${app} (1)`,
        '    web-config',
        'secrets (1)',
        `  ${app} (1)`,
        '    creds',
        `Total: 2 objects of 2 resource types in 1 namespace (Snapshot ${snapshot})`,
        '',
      ].join('\n'),
    );

    // Delete some objects; a dry run must change nothing and list them as what it would create.
    for (const [type, name] of [
      [K8S.configMaps, 'web-config'],
      [K8S.secrets, 'creds'],
      [K8S.roleBindings, 'robot-reads'],
    ] as const) {
      await client.delete(type, name, { namespace: app });
    }
    const before = await versions(client, app);
    const dryDir = join(work, 'dry-run');
    const dry = await cairn([
      'manifest-restore',
      '--snapshot',
      snapshot,
      '-n',
      namespace,
      '--include-namespaces',
      app,
      '--dry-run',
      '--dry-run-dir',
      dryDir,
      '-o',
      'json',
    ]);
    assert.equal(dry.code, 0, dry.stderr + dry.stdout);
    assert.deepEqual(await versions(client, app), before, 'a dry run changes no object and creates none');
    const report = JSON.parse(dry.stdout) as {
      dryRun: boolean;
      results: Record<string, { resource: string; namespace?: string; name: string }[]>;
    };
    assert.equal(report.dryRun, true);
    const wouldCreate = new Set(
      (report.results.created ?? []).map((r) => `${r.resource} ${r.namespace ?? ''}/${r.name}`),
    );
    for (const id of [
      `configmaps ${app}/web-config`,
      `secrets ${app}/creds`,
      `rolebindings.rbac.authorization.k8s.io ${app}/robot-reads`,
    ]) {
      assert.ok(wouldCreate.has(id), `the dry run would create ${id}: ${[...wouldCreate].join(', ')}`);
    }
    assert.ok(!wouldCreate.has(`configmaps ${app}/db-config`), 'an object that exists is not created');
    const written = parse(
      readFileSync(join(dryDir, 'configmaps', 'namespaces', app, 'web-config.yaml'), 'utf8'),
    ) as KubeObject & { data?: unknown };
    assert.deepEqual(written.data, { mode: 'fast' });
    assert.equal(written.metadata?.resourceVersion, undefined, 'the dry-run file is sanitised');

    // The real restore brings the deleted objects back.
    const restored = await cairn([
      'manifest-restore',
      '--snapshot',
      snapshot,
      '-n',
      namespace,
      '--include-namespaces',
      app,
    ]);
    assert.equal(restored.code, 0, restored.stderr + restored.stdout);
    t.diagnostic(restored.stdout);
    assert.match(restored.stdout, /^created \(\d+\):$/m);
    assert.match(
      restored.stdout,
      new RegExp(
        `Restored Snapshot ${snapshot}: \\d+ created, 0 updated, \\d+ unchanged, \\d+ skipped, 0 failed`,
      ),
    );
    const back = await client.get<KubeObject & { data?: Record<string, string> }>(K8S.secrets, 'creds', app);
    assert.equal(Buffer.from(back.data?.token ?? '', 'base64').toString('utf8'), SECRET_VALUE);
    const cmBack = await client.get<KubeObject & { data?: unknown }>(K8S.configMaps, 'web-config', app);
    assert.deepEqual(cmBack.data, { mode: 'fast' });
    await client.get(K8S.roleBindings, 'robot-reads', app);

    // Nothing printed holds a secret.
    const all = printed.join('\n');
    for (const planted of [
      PASSWORD,
      SECRET_VALUE,
      Buffer.from(SECRET_VALUE).toString('base64'),
      minio.secretAccessKey,
    ]) {
      assert.ok(!all.includes(planted), 'a secret value was printed');
    }
  },
  480_000,
);
