// `make demo`: the first backup. A dev cluster (with the operator in this process and the local pod runner),
// a sample application in its own namespace, and the objects of KubeStash's "backup a namespace" guide — a
// local BackupStorage on a host directory, a RetentionPolicy and a BackupConfiguration. The operator triggers
// the first backup as soon as the configuration is Ready; the demo waits for its Snapshot, prints what was
// backed up (objects per type, read back from the restic snapshot itself), the repository's size and the
// run's duration, and the `kubectl get` tables. Then the restore (tools/demo-restore.ts): the sample namespace
// is deleted and a RestoreSession brings it back, owners re-linked to the new UIDs. The cluster runs the
// Deployment and ReplicaSet controllers (the `workloads` option), so the sample Deployment owns a ReplicaSet.
// The cluster then keeps running for the user to explore until Ctrl-C (or `bin/cairn down --dir
// .cairn/demo`); `--exit` stops it right after the report instead.
//
//   tools/with-node.sh node tools/demo.ts [--exit]
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { K8S, KUBESTASH } from '../src/api/resource-type.ts';
import { runningPid } from '../src/devcluster/cluster.ts';
import { startDevEnvironment, type DevEnvironment } from '../src/devcluster/environment.ts';
import { DEFAULT_IMAGE } from '../src/devcluster/podrunner/command.ts';
import { waitFor } from '../src/devcluster/probe.ts';
import { binaryPaths, projectRoot, requireBinary } from '../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../src/kube/types.ts';
import { ownedBudget, restoreDemo, untilReplicaSet } from './demo-restore.ts';

const run = promisify(execFile);
const say = (m: string): void => void process.stdout.write(`demo: ${m}\n`);
const { values: flags } = parseArgs({ options: { exit: { type: 'boolean', default: false } } });

const DIR = join(projectRoot, '.cairn', 'demo');
const NS = 'demo';
const APP = 'sample-app';
const SESSION = 'frequent-backup';
// A demo password: the user reads the backup back with it (restic -r … snapshots).
const PASSWORD = 'cairn-demo-password';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const text = (v: unknown): string => (typeof v === 'string' && v !== '' ? v : 'unknown');

/** The sample application: what a small web service keeps in its namespace. */
function sampleApplication(): KubeObject[] {
  const labels = { app: 'web' };
  const meta = (name: string): KubeObject['metadata'] => ({ name, namespace: APP, labels });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: APP } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('web') },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta('web-config'),
      data: { 'nginx.conf': 'server { listen 8080; location / { return 200 "hello\\n"; } }\n' },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta('web-credentials'),
      stringData: { token: 'sample-token' },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta('web'),
      spec: { selector: labels, ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('web'),
      spec: {
        replicas: 2,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: 'web',
            containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }],
          },
        },
      },
    },
  ];
}

/** The guide's objects (namespace backup), on a local BackupStorage at `volume` on this machine. */
function backupObjects(volume: string): { resource: Parameters<KubeClient['create']>[0]; obj: KubeObject }[] {
  return [
    { resource: K8S.namespaces, obj: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } } },
    {
      resource: K8S.secrets,
      obj: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'encrypt-secret', namespace: NS },
        stringData: { RESTIC_PASSWORD: PASSWORD },
      },
    },
    {
      resource: KUBESTASH.backupStorages,
      obj: {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'BackupStorage',
        metadata: { name: 'local-storage', namespace: NS },
        spec: {
          storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: volume } } },
          usagePolicy: { allowedNamespaces: { from: 'All' } },
          default: true,
          deletionPolicy: 'WipeOut',
        },
      },
    },
    {
      resource: KUBESTASH.retentionPolicies,
      obj: {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'RetentionPolicy',
        metadata: { name: 'demo-retention', namespace: NS },
        spec: {
          default: true,
          failedSnapshots: { last: 2 },
          maxRetentionPeriod: '2mo',
          successfulSnapshots: { last: 5 },
          usagePolicy: { allowedNamespaces: { from: 'Same' } },
        },
      },
    },
    {
      resource: KUBESTASH.backupConfigurations,
      obj: {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        metadata: { name: `${APP}-backup`, namespace: NS },
        spec: {
          target: { apiGroup: '', kind: 'Namespace', name: APP },
          backends: [
            {
              name: 'local-backend',
              storageRef: { namespace: NS, name: 'local-storage' },
              retentionPolicy: { name: 'demo-retention', namespace: NS },
            },
          ],
          sessions: [
            {
              name: SESSION,
              sessionHistoryLimit: 3,
              scheduler: { schedule: '*/5 * * * *', jobTemplate: { backoffLimit: 1 } },
              repositories: [
                {
                  name: 'local-repository',
                  backend: 'local-backend',
                  directory: `/${APP}-manifests`,
                  encryptionSecret: { name: 'encrypt-secret', namespace: NS },
                  deletionPolicy: 'WipeOut',
                },
              ],
              addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
            },
          ],
        },
      },
    },
  ];
}

/** The restic repository of the session's manifest component under the volume (found by its `config`). */
function resticRepository(volume: string): string | undefined {
  const walk = (dir: string, depth: number): string | undefined => {
    if (depth > 8 || !existsSync(dir)) return undefined;
    if (dir.endsWith(join(SESSION, 'manifest')) && existsSync(join(dir, 'config'))) return dir;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const found = walk(join(dir, e.name), depth + 1);
      if (found) return found;
    }
    return undefined;
  };
  return walk(volume, 0);
}

/** Objects per type in the restic snapshot: each dumped file is `…/<Kind>/<name>.yaml`. */
async function objectsPerType(repo: string, snapshot: string): Promise<Map<string, number>> {
  const restic = requireBinary(binaryPaths().restic, 'restic');
  const { stdout } = await run(restic, ['-r', repo, 'ls', '--json', snapshot], {
    env: { ...process.env, RESTIC_PASSWORD: PASSWORD },
    maxBuffer: 64 << 20,
  });
  const counts = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const node = JSON.parse(line) as { struct_type?: string; type?: string; path?: string };
    if (node.struct_type !== 'node' || node.type !== 'file' || !node.path?.endsWith('.yaml')) continue;
    const parts = node.path.split('/');
    const kind = parts[parts.length - 2] ?? '?';
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

async function firstBackup(env: DevEnvironment, volume: string): Promise<boolean> {
  const client = env.client;
  for (const obj of sampleApplication()) {
    await client.create(obj.kind === 'Namespace' ? K8S.namespaces : resourceOf(obj.kind ?? ''), obj);
  }
  // Backed up only once the Deployment owns its ReplicaSet, so that the restore has an owner to re-link.
  const rs = await untilReplicaSet(env, APP);
  await ownedBudget(env, APP);
  say(
    `sample application in namespace ${APP}: Deployment web (owning ReplicaSet ${rs} and PodDisruptionBudget web), Service web, ConfigMap web-config, Secret web-credentials, ServiceAccount web`,
  );
  for (const { resource, obj } of backupObjects(volume)) await client.create(resource, obj);
  say(
    `applied in namespace ${NS}: BackupStorage local-storage (a host directory: ${relative(process.cwd(), volume)}), RetentionPolicy demo-retention, BackupConfiguration ${APP}-backup`,
  );
  say('waiting for the first backup (the operator starts it when the BackupConfiguration is Ready) …');
  const started = Date.now();
  const session = await waitFor(
    async () => {
      const runs = await client.list<Obj>(KUBESTASH.backupSessions, { namespace: NS });
      return runs.items.find((r) => ['Succeeded', 'Failed'].includes(String(r.status?.phase)));
    },
    { what: 'the first BackupSession to finish', timeoutMs: 300_000 },
  ).catch(async (err: unknown) => {
    say(`${err instanceof Error ? err.message : String(err)}; what is not ready and why:`);
    for (const r of [KUBESTASH.backupStorages, KUBESTASH.backupConfigurations, KUBESTASH.backupSessions]) {
      for (const o of (await client.list<Obj>(r, { namespace: NS })).items) {
        const failing = ((o.status?.conditions ?? []) as { type: string; status: string; message?: string }[])
          .filter((c) => c.status !== 'True')
          .map((c) => `\n    ${c.type}: ${c.message ?? ''}`);
        if (failing.length > 0) process.stdout.write(`  ${o.kind} ${o.metadata?.name}:${failing.join('')}\n`);
      }
    }
    return undefined;
  });
  if (!session) return false;
  const name = session.metadata?.name ?? '';
  say(
    `BackupSession ${NS}/${name} ${String(session.status?.phase)} after ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (session.status?.phase !== 'Succeeded') {
    say(`status: ${JSON.stringify(session.status, null, 2)}`);
    say(`the Job's output: bin/cairn logs <pod> -n ${NS} --dir ${relative(process.cwd(), DIR)}`);
    return false;
  }
  const snapshot = await client.get<Obj>(KUBESTASH.snapshots, `local-repository-${name}`, NS);
  const component = (snapshot.status?.components as Record<string, Record<string, unknown>> | undefined)
    ?.manifest;
  const stats = (component?.resticStats as { summary?: { id?: string } }[] | undefined)?.[0]?.summary;
  const repository = await waitFor(
    async () => {
      const r = await client.get<Obj>(KUBESTASH.repositories, 'local-repository', NS);
      return r.status?.size ? r : undefined;
    },
    { what: 'the Repository to report its size', timeoutMs: 60_000 },
  ).catch(() => undefined);
  const repo = resticRepository(volume);
  process.stdout.write(
    `\nWhat was backed up (restic snapshot ${stats?.id?.slice(0, 8) ?? '?'} in ${repo ? relative(process.cwd(), repo) : '?'}):\n`,
  );
  if (repo && stats?.id) {
    const counts = await objectsPerType(repo, stats.id);
    const kinds = [...counts.keys()].sort();
    const width = Math.max(4, ...kinds.map((k) => k.length));
    for (const k of kinds) process.stdout.write(`  ${k.padEnd(width)}  ${counts.get(k)}\n`);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    process.stdout.write(`  ${'total'.padEnd(width)}  ${total}\n`);
  }
  process.stdout.write(
    `Repository size: ${text(repository?.status?.size ?? snapshot.status?.size)}; ` +
      `backup duration: ${text(session.status?.duration)}\n\n`,
  );
  const { stdout } = await run(env.kubectl, [
    '--kubeconfig',
    env.cluster.info.kubeconfig,
    'get',
    'backupconfiguration,backupsession,snapshot',
    '-n',
    NS,
  ]);
  process.stdout.write(`$ kubectl get backupconfiguration,backupsession,snapshot -n ${NS}\n${stdout}\n`);
  return true;
}

function resourceOf(kind: string): Parameters<KubeClient['create']>[0] {
  const table: Record<string, Parameters<KubeClient['create']>[0]> = {
    ServiceAccount: K8S.serviceAccounts,
    ConfigMap: K8S.configMaps,
    Secret: K8S.secrets,
    Service: K8S.services,
    Deployment: K8S.deployments,
  };
  const r = table[kind];
  if (!r) throw new Error(`no resource type for ${kind}`);
  return r;
}

/** Resolves with the signal's name at the first SIGINT or SIGTERM (`cairn down --dir` sends the latter). */
function untilInterrupted(): Promise<string> {
  return new Promise((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
}

async function main(): Promise<void> {
  const dir = relative(process.cwd(), DIR);
  const holder = runningPid(DIR);
  if (holder) {
    throw new Error(
      `a demo already runs (pid ${holder}); stop it with Ctrl-C in its terminal or bin/cairn down --dir ${dir}`,
    );
  }
  rmSync(DIR, { recursive: true, force: true });
  // The BackupStorage's hostPath: a directory that exists, as it would on a node.
  const volume = resolve(DIR, 'backup-volume');
  mkdirSync(volume, { recursive: true });
  const started = Date.now();
  const env = await startDevEnvironment({ dir: DIR, images: [DEFAULT_IMAGE], workloads: true });
  // From here on an interruption at any point stops everything and removes the directory.
  const interrupted = untilInterrupted();
  try {
    say(
      `dev cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${env.cluster.info.server}; the operator runs in this process`,
    );
    const backup = firstBackup(env, volume);
    backup.catch(() => undefined); // an interruption wins the race; the abandoned wait's error is moot
    const first = await Promise.race([backup, interrupted]);
    if (typeof first === 'string') {
      say(`stopping (${first})`);
      return;
    }
    if (!first) process.exitCode = 1;
    else {
      const restored = restoreDemo({ env, dir: DIR, ns: NS, app: APP, repository: 'local-repository', say });
      restored.catch(() => undefined); // as above; the error itself is raised by the await below
      const second = await Promise.race([restored, interrupted]);
      if (typeof second === 'string') {
        say(`stopping (${second})`);
        return;
      }
      if (!second) process.exitCode = 1;
    }
    if (flags.exit) return;
    say('the cluster keeps running; to look around in another terminal:');
    process.stdout.write(
      `  export KUBECONFIG=${env.cluster.info.kubeconfig}\n` +
        `  alias kubectl=${env.kubectl}\n` +
        `  kubectl get backupstorage,repository,backupconfiguration,backupsession,snapshot -n ${NS}\n` +
        `  kubectl get cronjob,job -n ${NS}   # the schedule runs a backup every 5 minutes\n` +
        `  kubectl get restoresession -n ${NS}; kubectl get all -n ${APP}\n` +
        `  bin/cairn logs <pod> -n ${NS} --dir ${dir}   # a Job's output\n`,
    );
    say(`stop it with Ctrl-C here (or bin/cairn down --dir ${dir}); its directory ${dir} is removed then`);
    say(`stopping (${await interrupted})`);
  } finally {
    await env.stop();
    rmSync(DIR, { recursive: true, force: true });
    say('stopped the dev cluster; nothing is left running');
  }
}

await main();
