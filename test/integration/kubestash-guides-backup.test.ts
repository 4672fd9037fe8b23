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
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { K8S, KUBESTASH, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { createBackend, type StorageBackend } from '../../src/storage/backend.ts';
import { resolveStorage } from '../../src/storage/resolve.ts';
import { adminClient, failureReport } from '../harness/cluster.ts';
import { startFakeGcs, startMinio, type FakeGcsServer, type MinioServer } from '../harness/objectstores.ts';
import { startSecondCluster } from '../harness/second-cluster.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DOCS = process.env.CAIRN_KUBESTASH_DOCS ?? join(REPO_ROOT, '..', 'shared', 'kubestash-docs');
const PASSWORD = `guides-restic-password-${randomBytes(8).toString('hex')}`;
const BUCKET = 'kubestash-guides';
const SUFFIX = randomBytes(3).toString('hex');
const FIELD_MANAGER = 'kubestash-guide';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** Kinds the guides create that src/api has no table entry for. */
const EXTRA: ResourceType[] = [
  {
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
  },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
];
const REPLICA_SETS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
};

function resourceOf(o: KubeObject): ResourceType {
  const r = [...Object.values(K8S), ...Object.values(KUBESTASH), ...EXTRA].find(
    (x) => x.kind === o.kind && (x.group ? `${x.group}/${x.version}` : x.version) === o.apiVersion,
  );
  if (!r) throw new Error(`no resource for ${o.apiVersion} ${o.kind}`);
  return r;
}

interface Guide {
  /** Also the storage prefix and the guide's `demo` namespace (with the run's suffix). */
  key: string;
  /** Manifest files, relative to the docs folder, in the guide's order. */
  files: string[];
  /** What the dump must hold (paths of `restic ls`, relative to the dump root), given the namespace map. */
  expect: (ns: Record<string, string>) => RegExp[];
  /** Namespaces the guide's reader has (the guide's own objects do not create them). */
  namespaces: string[];
  /** Set on the variant whose BackupStorage is a local volume (a hostPath in a temp directory). */
  local?: boolean;
  /** Set on the variant whose BackupStorage is GCS (fake-gcs-server). */
  gcs?: boolean;
  /** Creates what the guide's reader already has (the application guide backs up a Deployment it does not create). */
  given?: (ns: Record<string, string>) => Promise<void>;
}

const GUIDES: Guide[] = [
  {
    key: 'kd-cluster',
    files: ['01-backupstorage', '02-retentionpolicy', '03-rbac.inline', '04-backupconfiguration'].map(
      (f) => `kubedump-v1/cluster/${f}.yaml`,
    ),
    namespaces: ['demo'],
    expect: (ns) => [
      /(^|\/)kube-system\/.*ConfigMap|configmaps\/namespaces\/kube-system\//,
      new RegExp(ns.demo!),
    ],
  },
  {
    key: 'kd-namespace',
    files: ['01-backupstorage', '02-retentionpolicy', '03-rbac', '04-backupconfiguration'].map(
      (f) => `kubedump-v1/namespace/${f}.yaml`,
    ),
    namespaces: ['demo'],
    expect: () => [/ServiceAccount\/default\.yaml$|serviceaccounts\/.*default\.yaml$/],
  },
  {
    key: 'kd-application',
    files: ['01-backupstorage', '02-retentionpolicy', '03-rbac', '04-backupconfiguration'].map(
      (f) => `kubedump-v1/application/${f}.yaml`,
    ),
    namespaces: ['demo', 'kubestash'],
    given: (ns) => operatorDeployment(ns.kubestash!),
    expect: () => [
      /\/kubestash-kubestash-operator\.yaml$/,
      /\/ReplicaSet\/kubestash-kubestash-operator-5d8f7\/kubestash-kubestash-operator-5d8f7\.yaml$/,
      /\/Pod\/kubestash-kubestash-operator-5d8f7-x2x9q\/kubestash-kubestash-operator-5d8f7-x2x9q\.yaml$/,
    ],
  },
  {
    key: 'cr-full',
    files: [
      'configure-storage-and-rbac/02-rbac.yaml',
      'full-cluster-backup-and-restore/02-backupstorage.yaml',
      'full-cluster-backup-and-restore/03-retentionpolicy.inline.yaml',
      'full-cluster-backup-and-restore/04-backupconfiguration.yaml',
    ].map((f) => `cluster-resources/${f}`),
    namespaces: ['demo', 'db'],
    given: async (ns) => {
      await applyObject({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'mysql-settings', namespace: ns.db },
        data: { 'my.cnf': '[mysqld]\n' },
      });
    },
    expect: (ns) => [
      new RegExp(`configmaps/namespaces/${ns.db}/mysql-settings\\.yaml$`),
      /clusterroles\.rbac\.authorization\.k8s\.io\/cluster\/cluster-resource-reader-writer\.yaml$/,
    ],
  },
  {
    key: 'cr-filtering',
    files: [
      '01-resources-a',
      '02-resources-b',
      '03-backupstorage',
      '04-rbac',
      '05-retentionpolicy',
      '06-backupconfiguration',
    ].map((f) => `cluster-resources/filtering-demonstration/${f}.yaml`),
    namespaces: ['demo', 'demo-a', 'demo-b'],
    expect: (ns) => [
      new RegExp(`deployments\\.apps/namespaces/${ns['demo-a']}/my-deployment-a\\.yaml$`),
      new RegExp(`statefulsets\\.apps/namespaces/${ns['demo-b']}/my-statefulset\\.yaml$`),
      new RegExp(`configmaps/namespaces/${ns['demo-a']}/my-config-a\\.yaml$`),
      /clusterroles\.rbac\.authorization\.k8s\.io\/cluster\/my-clusterrole-a\.yaml$/,
    ],
  },
];

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

/** The namespaces of a guide, renamed for this run. */
function namespaceMap(g: Guide): Record<string, string> {
  const m: Record<string, string> = {};
  for (const n of ['demo', 'kubestash', 'demo-a', 'demo-b', 'db', 'kubedb']) {
    m[n] = n === 'demo' ? `${g.key}-${SUFFIX}` : `${g.key}-${n}-${SUFFIX}`;
  }
  return m;
}

/** A guide's file with its namespace names replaced (a whole YAML token or list item, never a part). */
function renamed(text: string, ns: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(ns)) {
    out = out.replace(new RegExp(`(?<![\\w.-])${from}(?![\\w.-])`, 'g'), to);
  }
  return out;
}

let s3: MinioServer;
let gcs: FakeGcsServer;
/** A service-account key as a reader would paste it; fake-gcs-server never checks it. */
const GCS_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'cairn-test',
  client_email: 'kubestash@cairn-test.iam.gserviceaccount.com',
  private_key_id: randomBytes(8).toString('hex'),
  private_key: `planted-not-a-key-${randomBytes(12).toString('hex')}`,
});
let restic = '';
let work = '';
const client: KubeClient = adminClient();
const clusterScoped: { r: ResourceType; name: string }[] = [];
const namespaces: string[] = [];

/**
 * The stanza standing in for a guide's storage stanza: MinIO or fake-gcs-server (its prefix: the guide's
 * key; its Secret: the guide's), or for a local variant a hostPath volume in this run's temp directory.
 */
function storageStanza(guide: Guide, stanza: Record<string, unknown>): Record<string, unknown> {
  if (guide.local) {
    return {
      provider: 'local',
      local: { mountPath: '/kubestash/backup', hostPath: { path: localRoot(guide) } },
    };
  }
  const provider = String(stanza.provider);
  const secretName =
    (stanza[provider] as { secretName?: string } | undefined)?.secretName ?? 'storage-secret';
  if (guide.gcs) return { provider: 'gcs', gcs: { bucket: BUCKET, prefix: guide.key, secretName } };
  return {
    provider: 's3',
    s3: { endpoint: s3.endpoint, bucket: BUCKET, region: s3.region, prefix: guide.key, secretName },
  };
}

function guideObjects(g: Guide, ns: Record<string, string>): Obj[] {
  const out: Obj[] = [];
  for (const file of g.files) {
    for (const doc of parseAllDocuments(renamed(readFileSync(join(DOCS, file), 'utf8'), ns))) {
      const o = doc.toJS() as Obj | null;
      if (!o?.kind) continue;
      if (o.kind === 'BackupStorage')
        o.spec = { ...o.spec, storage: storageStanza(g, o.spec?.storage as Record<string, unknown>) };
      out.push(o);
    }
  }
  return out;
}

/** Serialises the read-modify-write of ClusterRoleBindings the guides share. */
let bindings: Promise<unknown> = Promise.resolve();

/** Applies an object; a ClusterRoleBinding several guides share gets the union of their subjects. */
async function applyObject(o: Obj): Promise<void> {
  const r = resourceOf(o);
  if (!r.namespaced) clusterScoped.push({ r, name: o.metadata?.name ?? '' });
  if (o.kind !== 'ClusterRoleBinding') {
    await client.apply(r, o, { fieldManager: FIELD_MANAGER, force: true });
    return;
  }
  const merge = async (): Promise<void> => {
    const name = o.metadata?.name ?? '';
    const live = await client.find<Obj & { subjects?: unknown[] }>(r, name);
    const subjects = [...(live?.subjects ?? []), ...((o as { subjects?: unknown[] }).subjects ?? [])];
    if (live) await client.patch(r, name, { subjects }, { type: 'merge' });
    else await client.create(r, o);
  };
  const next = bindings.then(merge);
  bindings = next.catch(() => undefined);
  await next;
}

/**
 * The application guide's target as a cluster with a deployment controller has it: the Deployment, its
 * ReplicaSet and a Pod, each owned by the one before (the suite's dev cluster runs no workload controllers).
 */
async function operatorDeployment(ns: string): Promise<void> {
  const labels = { app: 'kubestash-operator' };
  const owner = (o: KubeObject) => [
    {
      apiVersion: o.apiVersion ?? '',
      kind: o.kind ?? '',
      name: o.metadata?.name ?? '',
      uid: o.metadata?.uid ?? '',
      controller: true,
    },
  ];
  const container = { name: 'operator', image: 'registry.invalid/kubestash-operator:v0.5.0' };
  const dep = await client.apply(
    K8S.deployments,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'kubestash-kubestash-operator', namespace: ns, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [container] } },
      },
    },
    { fieldManager: FIELD_MANAGER, force: true },
  );
  const rs = await client.apply(
    REPLICA_SETS,
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'kubestash-kubestash-operator-5d8f7',
        namespace: ns,
        labels,
        ownerReferences: owner(dep),
      },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [container] } },
      },
    },
    { fieldManager: FIELD_MANAGER, force: true },
  );
  await client.apply(
    K8S.pods,
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'kubestash-kubestash-operator-5d8f7-x2x9q',
        namespace: ns,
        labels,
        ownerReferences: owner(rs),
      },
      spec: { containers: [container] },
    },
    { fieldManager: FIELD_MANAGER, force: true },
  );
}

/** The ServiceAccount the BackupConfiguration's jobTemplate names. */
function jobSaName(bc: Obj): string {
  const sessions = bc.spec?.sessions as {
    addon?: { jobTemplate?: { spec?: { serviceAccountName?: string } } };
  }[];
  return sessions[0]?.addon?.jobTemplate?.spec?.serviceAccountName ?? '';
}

/**
 * Where a guide's RBAC does not create the ServiceAccount its BackupConfiguration's Job runs as in the
 * BackupConfiguration's namespace (the full-cluster guide misspells it, `cluster-resource-reader-writter`;
 * the application guide creates it in the target's namespace), that ServiceAccount is supplied and added to
 * the guide's ClusterRoleBinding, as a reader of the guide has to.
 */
function jobServiceAccount(objects: Obj[], bc: Obj): Obj[] {
  const name = jobSaName(bc);
  const ns = bc.metadata?.namespace ?? '';
  const created = objects.some(
    (o) => o.kind === 'ServiceAccount' && o.metadata?.name === name && o.metadata?.namespace === ns,
  );
  const binding = objects.find((o) => o.kind === 'ClusterRoleBinding');
  if (!name || created || !binding) return [];
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } },
    {
      ...binding,
      subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
    },
  ];
}

interface Outcome {
  guide: Guide;
  ns: Record<string, string>;
  session: Obj;
  snapshot: Obj;
  directory: string;
}

/** Applies a guide with its Secrets and waits for its first BackupSession and Snapshot to be Succeeded. */
async function runGuide(g: Guide): Promise<Outcome> {
  const ns = namespaceMap(g);
  for (const n of g.namespaces) {
    await client.create(K8S.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns[n], labels: { 'cairn.dev/test': 'true' } },
    });
    namespaces.push(ns[n]!);
  }
  const objects = guideObjects(g, ns);
  const demo = ns.demo!;
  const storage = objects.find((o) => o.kind === 'BackupStorage')!;
  const stanza = storage.spec?.storage as Record<string, { secretName?: string } | undefined>;
  const secretName = (stanza.s3 ?? stanza.gcs)?.secretName;
  if (g.local) mkdirSync(localRoot(g), { recursive: true });
  const secret = (name: string, data: Record<string, string>): Obj => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: demo },
    stringData: data,
  });
  const bc = objects.find((o) => o.kind === 'BackupConfiguration')!;
  const bcName = bc.metadata?.name ?? '';
  await g.given?.(ns);
  for (const o of [
    ...(secretName ? [secret(secretName, g.gcs ? gcsSecretData() : s3.secretData)] : []),
    secret('encrypt-secret', { RESTIC_PASSWORD: PASSWORD }),
    ...jobServiceAccount(objects, bc),
    ...objects,
  ]) {
    await applyObject(o);
  }
  const sessions = bc.spec?.sessions as { repositories: { directory: string }[] }[];
  const directory = sessions[0]!.repositories[0]!.directory.replace(/^\/+|\/+$/g, '');
  const session = await waitFor(
    async () => {
      const list = await client.list<Obj>(KUBESTASH.backupSessions, {
        namespace: demo,
        labelSelector: `kubestash.com/invoker-name=${bcName}`,
      });
      // A run the schedule (every 5 minutes) starts meanwhile is Skipped while the first one runs.
      const done = list.items.find((s) => ['Succeeded', 'Failed'].includes(String(s.status?.phase)));
      return done;
    },
    {
      what: `guide ${g.key}: a BackupSession of ${demo}/${bcName} to end`,
      timeoutMs: 240_000,
      intervalMs: 1000,
    },
  );
  const live = await client.get<Obj>(KUBESTASH.backupConfigurations, bcName, demo);
  assert.equal(
    session.status?.phase,
    'Succeeded',
    `guide ${g.key}: BackupSession ${session.metadata?.name} ${JSON.stringify(session.status)}\nBackupConfiguration: ${JSON.stringify(live.status)}`,
  );
  // Paused, as a reader would once done, so that no run the schedule starts writes to the storage while
  // it is checked; a run started before the pause is let finish.
  await client.patch(
    KUBESTASH.backupConfigurations,
    bcName,
    { spec: { paused: true } },
    { type: 'merge', namespace: demo },
  );
  await waitFor(
    async () => {
      const list = await client.list<Obj>(KUBESTASH.backupSessions, {
        namespace: demo,
        labelSelector: `kubestash.com/invoker-name=${bcName}`,
      });
      const terminal = ['Succeeded', 'Failed', 'Skipped'];
      return list.items.every((s) => terminal.includes(String(s.status?.phase))) ? true : undefined;
    },
    {
      what: `guide ${g.key}: every BackupSession of ${demo}/${bcName} to end`,
      timeoutMs: 120_000,
      intervalMs: 1000,
    },
  );
  const snaps = await client.list<Obj>(KUBESTASH.snapshots, { namespace: demo });
  const snapshot = snaps.items.find((s) => s.spec?.backupSession === session.metadata?.name);
  assert.ok(snapshot, `guide ${g.key}: the Snapshot of ${session.metadata?.name}`);
  assert.equal(snapshot.status?.phase, 'Succeeded', `guide ${g.key}: ${JSON.stringify(snapshot.status)}`);
  return { guide: g, ns, session, snapshot, directory };
}

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

/**
 * The GCS storage Secret a reader of a guide writes (project and service-account key, which Cairn requires),
 * with the two Cairn extensions that point the storage and restic at fake-gcs-server instead of Google.
 */
function gcsSecretData(): Record<string, string> {
  return {
    ...gcs.secretData,
    GOOGLE_SERVICE_ACCOUNT_JSON_KEY: GCS_KEY,
    GOOGLE_ACCESS_TOKEN: gcs.resticEnv.GOOGLE_ACCESS_TOKEN!,
    STORAGE_EMULATOR_HOST: gcs.endpoint,
  };
}

function localRoot(g: Guide): string {
  return join(work, 'volumes', g.key);
}

function resticRepo(o: Outcome): string {
  const path = `${o.directory}/repository/v1/frequent-backup/manifest`;
  if (o.guide.local) return join(localRoot(o.guide), path);
  if (o.guide.gcs) return `gs:${BUCKET}:/${o.guide.key}/${path}`;
  return `s3:${s3.endpoint}/${BUCKET}/${o.guide.key}/${path}`;
}

/** The bucket of a guide's object store, read through src/storage. */
function bucketOf(g: Guide, backends: { s3: StorageBackend; gcs: StorageBackend }): StorageBackend {
  return g.gcs ? backends.gcs : backends.s3;
}

/** Every file of a guide's storage, as `<guide key>/<path from the storage root>` (the bucket's keys). */
async function storageKeys(g: Guide, bucket: StorageBackend): Promise<string[]> {
  if (g.local) return filesUnder(localRoot(g)).map((f) => `${g.key}/${relative(localRoot(g), f)}`);
  const keys: string[] = [];
  for await (const k of bucket.list(g.key)) keys.push(k);
  return keys;
}

/** A small file of a guide's storage (by its key from storageKeys). */
async function storageFile(g: Guide, key: string, bucket: StorageBackend): Promise<string> {
  if (!g.local) return (await bucket.get(key)).toString('utf8');
  return readFileSync(join(localRoot(g), key.slice(g.key.length + 1)), 'utf8');
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
});

after(async () => {
  // The BackupStorages go first: a local one with WipeOut empties its volume through a Job, which a
  // terminating namespace would refuse, leaving the namespace stuck on the storage's finalizer.
  const storages = (
    await Promise.all(namespaces.map((n) => client.list<Obj>(KUBESTASH.backupStorages, { namespace: n })))
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
  for (const n of namespaces) await client.delete(K8S.namespaces, n).catch(() => undefined);
  for (const c of clusterScoped) await client.delete(c.r, c.name).catch(() => undefined);
  await Promise.all([s3?.dispose(), gcs?.dispose()]);
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  'the kubedump guides (v1 cluster, namespace, application; full cluster, filtering), applied as written on MinIO, on a local volume and (filtering) on fake-gcs-server, back up Succeeded into exactly the layout of §4; restic opens each repository with the password and its dump holds what the guide selects; a second cluster syncing the bucket lists the Repository and Snapshot with the phases the first recorded; no credential shows up anywhere but restic’s own files',
  { timeout: 600_000 },
  async (t) => {
    const dir = process.env.CAIRN_TEST_DIR ?? '';
    try {
      const outcomes = await Promise.all(RUNS.map((g) => runGuide(g)));
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
      const storage = guideObjects(synced.guide, synced.ns).find((o) => o.kind === 'BackupStorage')!;
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
        for (const n of Object.values(o.ns).filter((x) => namespaces.includes(x))) {
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
      for (const n of namespaces) t.diagnostic(failureReport(dir, n));
      throw err;
    }
  },
);
