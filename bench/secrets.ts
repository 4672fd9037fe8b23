// Benchmark (not a test): what the Secrets of a cluster cost the operator's memory. A real cluster holds
// many large Secrets Cairn never uses (a Helm release is one Secret of often 100 KiB or more, kept for
// each revision); an operator that caches every Secret with its data pays for all of them.
//
// A dev cluster of its own (no in-process operator) gets Cairn's CRDs, namespace and webhook
// configurations (pointing at a local port). `cairn operator` (type-stripped .ts, as the admin) starts, is
// ready once /readyz answers 200, and its RSS is sampled once a second for --idle seconds: first with no
// Secret but the operator's certificate, then — after a restart, so that the first LIST brings them all —
// with --count Helm-release-like Secrets of --kib KiB of data each (incompressible bytes, as Helm's gzip)
// spread over --namespaces namespaces. Baseline: a plain Node process that only waits.
//
//   tools/with-node.sh node bench/secrets.ts [--count 300] [--kib 100] [--namespaces 10] [--idle 10]
//
// Needs the binaries `make setup` builds (kube-apiserver, etcd).

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { K8S } from '../src/api/resource-type.ts';
import { startDevEnvironment } from '../src/devcluster/environment.ts';
import { applyAll } from '../src/devcluster/manifests.ts';
import { freePort } from '../src/devcluster/ports.ts';
import { probe, waitFor } from '../src/devcluster/probe.ts';
import { projectRoot } from '../src/devcluster/toolchain.ts';
import type { KubeClient, KubeObject } from '../src/kube/types.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '300' },
    kib: { type: 'string', default: '100' },
    namespaces: { type: 'string', default: '10' },
    idle: { type: 'string', default: '10' },
  },
});
const COUNT = Number(values.count);
const KIB = Number(values.kib);
const NAMESPACES = Math.max(1, Number(values.namespaces));
const IDLE_S = Number(values.idle);
const MIB = 1024 * 1024;
const CLI = join(projectRoot, 'src/cli/main.ts');

/** The resident set of a live process now, in MiB (VmRSS), and its peak so far (VmHWM). */
function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: (kib('VmRSS') * 1024) / MIB, hwm: (kib('VmHWM') * 1024) / MIB };
}

/** The median of one RSS sample a second over the idle period, in MiB. */
async function idleRss(pid: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < IDLE_S; i++) {
    await new Promise((r) => setTimeout(r, 1000)); // the idle period is what is measured
    samples.push(rssOf(pid).rss);
  }
  return [...samples].sort((a, b) => a - b)[Math.floor((samples.length - 1) / 2)] ?? NaN;
}

/** deploy/'s namespace and webhook configurations, the latter pointing at `url`. */
function prerequisites(url: string): KubeObject[] {
  const docs = (file: string): KubeObject[] =>
    parseAllDocuments(readFileSync(join(projectRoot, file), 'utf8')).map((d) => d.toJS() as KubeObject);
  const configurations = docs('deploy/webhooks/configurations.yaml').map((c) => ({
    ...c,
    webhooks: (c as { webhooks: { clientConfig: { service: { path: string } } }[] }).webhooks.map((w) => ({
      ...w,
      clientConfig: { url: `${url}${w.clientConfig.service.path}` },
    })),
  }));
  return [...docs('deploy/operator/namespace.yaml'), ...configurations];
}

/** Creates COUNT Secrets shaped like Helm release records, 8 creates in flight. */
async function helmReleases(client: KubeClient): Promise<void> {
  for (let n = 0; n < NAMESPACES; n++) {
    await client.create(K8S.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: `app-${n}` },
    });
  }
  let next = 0;
  const one = async (i: number): Promise<void> => {
    const app = `app-${i % NAMESPACES}`;
    const version = Math.floor(i / NAMESPACES) + 1;
    await client.create(K8S.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'helm.sh/release.v1',
      metadata: {
        name: `sh.helm.release.v1.${app}.v${version}`,
        namespace: app,
        labels: { owner: 'helm', name: app, status: 'superseded', version: String(version) },
      },
      data: { release: randomBytes(KIB * 1024).toString('base64') },
    });
  };
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < COUNT) await one(next++);
    }),
  );
}

interface Run {
  readyS: number;
  idle: number;
  peak: number;
}

/** Starts `cairn operator`, waits for /readyz, samples its idle RSS, and stops it. */
async function operatorRun(kubeconfig: string, webhookPort: number): Promise<Run> {
  const probePort = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      CLI,
      'operator',
      `--kubeconfig=${kubeconfig}`,
      `--webhook-bind-address=127.0.0.1:${webhookPort}`,
      `--probe-bind-address=127.0.0.1:${probePort}`,
      '--cert-secret-namespace=cairn-system',
      '--image=ghcr.io/cairn-backup/cairn:bench',
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-4000)));
  try {
    await waitFor(
      async () => ((await probe(`http://127.0.0.1:${probePort}/readyz`)).status === 200 ? true : undefined),
      {
        what: 'cairn operator to be ready',
        timeoutMs: 180_000,
        abortIf: () => (child.exitCode !== null ? `it exited ${child.exitCode}: ${stderr}` : undefined),
      },
    );
    const readyS = (performance.now() - started) / 1000;
    const idle = await idleRss(child.pid!);
    return { readyS, idle, peak: rssOf(child.pid!).hwm };
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-secrets-'));
  const env = await startDevEnvironment({ dir, images: [], operator: false });
  let baseline: ChildProcess | undefined;
  try {
    const webhookPort = await freePort();
    await applyAll(env.client, prerequisites(`https://127.0.0.1:${webhookPort}`));
    const kubeconfig = env.cluster.info.kubeconfig;
    const empty = await operatorRun(kubeconfig, webhookPort);
    const t0 = performance.now();
    await helmReleases(env.client);
    const createdS = (performance.now() - t0) / 1000;
    const full = await operatorRun(kubeconfig, webhookPort);
    baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const floor = await idleRss(baseline.pid!);
    const row = (label: string, r: Run): string[] => [
      label,
      r.readyS.toFixed(1),
      r.idle.toFixed(0),
      r.peak.toFixed(0),
      (r.idle / floor).toFixed(2),
    ];
    const rows = [
      ['plain Node, waiting (baseline)', '-', floor.toFixed(0), '-', '1.00'],
      row('cairn operator (.ts), synced, no Secrets', empty),
      row(`cairn operator (.ts), synced, ${COUNT} Secrets`, full),
    ];
    const head = ['what', 'ready s', 'idle RSS MiB', 'peak MiB', 'x'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const pad = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    process.stdout.write(
      `\n${COUNT} Secrets of ${KIB} KiB of data in ${NAMESPACES} namespaces (created in ${createdS.toFixed(1)} s); ` +
        `RSS median of ${IDLE_S} samples a second after ready\n` +
        [pad(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(pad)].join('\n') +
        '\n',
    );
  } finally {
    baseline?.kill('SIGTERM');
    await env.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
