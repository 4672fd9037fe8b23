// Benchmark (not a test): what the operator costs at rest, and how fast it reconciles many
// BackupConfigurations at once.
//
// 1. Idle RSS: `cairn operator` (type-stripped .ts, as `cairn up` runs it) starts against a dev cluster of its
//    own with Cairn's CRDs, namespace and webhook configurations (pointing at a local port) and no other
//    object; once /readyz answers 200 (informers synced, certificate issued, CA bundle injected) its RSS is
//    sampled once a second for --idle seconds. Baseline: a plain Node process that only waits.
// 2. Reconcile latency: a BackupStorage on MinIO and a RetentionPolicy, then --count BackupConfigurations
//    created at once (--concurrency creates in flight, each through the operator's webhooks). Paused, so that
//    no backup Job runs: what is timed is the configuration's own reconcile. From watch events: per object, the
//    time from its ADDED event to the MODIFIED event showing phase Ready, and to the last of Ready, its
//    Repository's ADDED and its trigger CronJob's ADDED. Baseline: the API server alone, the same number of
//    ConfigMaps created the same way, from create to their ADDED event.
//
//   tools/with-node.sh node bench/operator.ts [--count 1000] [--concurrency 16] [--idle 10]
//
// Needs the binaries `make setup` builds (kube-apiserver, etcd, MinIO).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { K8S, KUBESTASH, type ResourceType } from '../src/api/resource-type.ts';
import { startDevEnvironment } from '../src/devcluster/environment.ts';
import { applyAll } from '../src/devcluster/manifests.ts';
import { freePort } from '../src/devcluster/ports.ts';
import { waitFor } from '../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../src/kube/types.ts';
import { startMinio } from '../test/harness/objectstores.ts';
import { idleRss, rssOf, startOperator, stopProcess, webhookPrerequisites } from './operator-process.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    idle: { type: 'string', default: '10' },
  },
});
const COUNT = Number(values.count);
const CONCURRENCY = Number(values.concurrency);
const IDLE_S = Number(values.idle);
const NS = 'bench';

type Obj = KubeObject & { status?: { phase?: string } };

function printTable(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const pad = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  const lines = [pad(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)];
  process.stdout.write(`\n${title}\n${lines.join('\n')}\n`);
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
};

/** CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat (100 ticks a second). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs `make` over `items` with `limit` calls in flight. */
async function inParallel<T>(items: T[], limit: number, make: (x: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await make(items[next++]!);
    }),
  );
}

/** Follows `r` in the bench namespace and calls `on` with each event and the time it arrived. */
function follow(
  client: KubeClient,
  r: ResourceType,
  signal: AbortSignal,
  on: (type: string, o: Obj, at: number) => void,
): Promise<void> {
  return (async () => {
    try {
      for await (const ev of client.watch<Obj>(r, { namespace: NS, signal }))
        on(ev.type, ev.object, performance.now());
    } catch (err) {
      if (!signal.aborted) throw err;
    }
  })();
}

function backupConfiguration(i: number): KubeObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: `bc-${i}`, namespace: NS },
    spec: {
      paused: true,
      target: { apiGroup: '', kind: 'Namespace', name: NS },
      backends: [
        {
          name: 'main',
          storageRef: { name: 'store', namespace: NS },
          retentionPolicy: { name: 'keep', namespace: NS },
        },
      ],
      sessions: [
        {
          name: 'daily',
          scheduler: { schedule: '0 3 * * *', jobTemplate: {} },
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
          repositories: [
            {
              name: `repo-${i}`,
              backend: 'main',
              directory: `bc-${i}`,
              encryptionSecret: { name: 'enc', namespace: NS },
            },
          ],
        },
      ],
    },
  };
}

async function storage(client: KubeClient, s3: Awaited<ReturnType<typeof startMinio>>): Promise<void> {
  await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  const secret = (name: string, stringData: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS },
    stringData,
  });
  await client.create(K8S.secrets, secret('enc', { RESTIC_PASSWORD: 'bench-only-password' }));
  await client.create(K8S.secrets, secret('s3', s3.secretData));
  await s3.createBucket('bench');
  await client.create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'store', namespace: NS },
    spec: {
      storage: {
        provider: 's3',
        s3: { endpoint: s3.endpoint, bucket: 'bench', region: s3.region, secretName: 's3' },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  });
  await client.create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace: NS },
    spec: { successfulSnapshots: { last: 3 } },
  });
  await waitFor(
    async () =>
      (await client.get<Obj>(KUBESTASH.backupStorages, 'store', NS)).status?.phase === 'Ready'
        ? true
        : undefined,
    { what: 'BackupStorage store Ready', timeoutMs: 120_000 },
  );
}

interface Latencies {
  ready: number[];
  children: number[];
  makespanS: number;
}

/** Creates COUNT BackupConfigurations and times each from its ADDED event to Ready and to its children. */
async function reconcileLatency(client: KubeClient): Promise<Latencies> {
  const added = new Map<string, number>();
  const ready = new Map<string, number>();
  const repo = new Map<string, number>();
  const cron = new Map<string, number>();
  const stop = new AbortController();
  const watches = [
    follow(client, KUBESTASH.backupConfigurations, stop.signal, (type, o, at) => {
      const name = o.metadata?.name ?? '';
      if (type === 'ADDED' && !added.has(name)) added.set(name, at);
      if (o.status?.phase === 'Ready' && !ready.has(name)) ready.set(name, at);
    }),
    follow(client, KUBESTASH.repositories, stop.signal, (type, o, at) => {
      const bc = (o.metadata?.name ?? '').replace(/^repo-/, 'bc-');
      if (type === 'ADDED' && !repo.has(bc)) repo.set(bc, at);
    }),
    follow(client, K8S.cronJobs, stop.signal, (type, o, at) => {
      const bc = o.metadata?.ownerReferences?.[0]?.name ?? '';
      if (type === 'ADDED' && !cron.has(bc)) cron.set(bc, at);
    }),
  ];
  const t0 = performance.now();
  try {
    const ids = Array.from({ length: COUNT }, (_, i) => i);
    await inParallel(ids, CONCURRENCY, (i) =>
      client.create(KUBESTASH.backupConfigurations, backupConfiguration(i)),
    );
    await waitFor(
      () => (ready.size >= COUNT && repo.size >= COUNT && cron.size >= COUNT ? true : undefined),
      {
        what: `${COUNT} BackupConfigurations Ready with their Repository and CronJob`,
        timeoutMs: 30 * 60_000,
      },
    );
  } finally {
    stop.abort();
    await Promise.allSettled(watches);
  }
  const names = [...added.keys()];
  const done = (n: string): number => Math.max(ready.get(n)!, repo.get(n)!, cron.get(n)!);
  return {
    ready: names.map((n) => ready.get(n)! - added.get(n)!),
    children: names.map((n) => done(n) - added.get(n)!),
    makespanS: (Math.max(...names.map(done)) - t0) / 1000,
  };
}

/** The baseline: COUNT ConfigMaps created the same way, each timed from its create call to its ADDED event. */
async function apiServerLatency(client: KubeClient): Promise<number[]> {
  const sent = new Map<string, number>();
  const seen = new Map<string, number>();
  const stop = new AbortController();
  const watch = follow(client, K8S.configMaps, stop.signal, (type, o, at) => {
    if (type === 'ADDED') seen.set(o.metadata?.name ?? '', at);
  });
  try {
    // The watch is open once it delivered the namespace's own kube-root-ca.crt.
    await waitFor(() => (seen.has('kube-root-ca.crt') ? true : undefined), {
      what: 'the ConfigMap watch',
      timeoutMs: 30_000,
    });
    const ids = Array.from({ length: COUNT }, (_, i) => `cm-${i}`);
    await inParallel(ids, CONCURRENCY, async (name) => {
      sent.set(name, performance.now());
      await client.create(K8S.configMaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: NS },
      });
    });
    await waitFor(() => (ids.every((n) => seen.has(n)) ? true : undefined), {
      what: 'every ConfigMap seen',
      timeoutMs: 600_000,
    });
    return ids.map((n) => seen.get(n)! - sent.get(n)!);
  } finally {
    stop.abort();
    await watch.catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-operator-'));
  const s3 = await startMinio();
  const env = await startDevEnvironment({ dir, images: [], operator: false });
  let child: ChildProcess | undefined;
  let baseline: ChildProcess | undefined;
  try {
    const webhookPort = await freePort();
    await applyAll(env.client, webhookPrerequisites(`https://127.0.0.1:${webhookPort}`));
    const started = await startOperator(env.cluster.info.kubeconfig, webhookPort, 120_000);
    child = started.child;
    const operator = child;
    const readyS = started.readyS;
    const idle = await idleRss(operator.pid!, IDLE_S);
    baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const floor = await idleRss(baseline.pid!, IDLE_S);
    printTable(
      `idle resident memory, median of ${IDLE_S} samples a second after ready`,
      ['what', 'ready s', 'idle RSS MiB', 'x'],
      [
        ['plain Node, waiting (baseline)', '-', floor.toFixed(0), '1.00'],
        [
          'cairn operator (.ts), synced, no objects',
          readyS.toFixed(1),
          idle.toFixed(0),
          (idle / floor).toFixed(2),
        ],
      ],
    );

    await storage(env.client, s3);
    const api = await apiServerLatency(env.client);
    // CPU used by each process while the configurations are reconciled: where the time goes.
    const busy = [
      ['operator', operator.pid!],
      ...env.cluster.processes.map((p) => [p.name, p.pid] as const),
    ] as const;
    const cpuBefore = busy.map(([, pid]) => cpuSecondsOf(pid));
    const bc = await reconcileLatency(env.client);
    const cpu = busy.map(([name, pid], i) => `${name} ${(cpuSecondsOf(pid) - cpuBefore[i]!).toFixed(0)} s`);
    const row = (label: string, xs: number[]): string[] => [
      label,
      (percentile(xs, 50) / 1000).toFixed(2),
      (percentile(xs, 99) / 1000).toFixed(2),
      (Math.max(...xs) / 1000).toFixed(2),
    ];
    printTable(
      `${COUNT} objects created at once (${CONCURRENCY} creates in flight); seconds from ADDED event`,
      ['what', 'p50 s', 'p99 s', 'max s'],
      [
        row('ConfigMap create → ADDED (API server alone, baseline)', api),
        row('BackupConfiguration ADDED → status Ready', bc.ready),
        row('BackupConfiguration ADDED → Ready + Repository + CronJob', bc.children),
      ],
    );
    const loaded = rssOf(operator.pid!);
    process.stdout.write(
      `all ${COUNT} reconciled ${bc.makespanS.toFixed(1)} s after the first create (${(COUNT / bc.makespanS).toFixed(1)}/s); ` +
        `operator RSS then ${loaded.rss.toFixed(0)} MiB, peak ${loaded.hwm.toFixed(0)} MiB\n` +
        `CPU used meanwhile: ${cpu.join(', ')}\n`,
    );
  } finally {
    baseline?.kill('SIGTERM');
    await stopProcess(child);
    await env.stop();
    await s3.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
