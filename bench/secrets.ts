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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { K8S } from '../src/api/resource-type.ts';
import { startDevEnvironment } from '../src/devcluster/environment.ts';
import { applyAll } from '../src/devcluster/manifests.ts';
import { freePort } from '../src/devcluster/ports.ts';
import type { KubeClient } from '../src/kube/types.ts';
import { idleRss, rssOf, startOperator, stopProcess, webhookPrerequisites } from './operator-process.ts';

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
  const { child, readyS } = await startOperator(kubeconfig, webhookPort);
  try {
    const idle = await idleRss(child.pid!, IDLE_S);
    return { readyS, idle, peak: rssOf(child.pid!).hwm };
  } finally {
    await stopProcess(child);
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-secrets-'));
  const env = await startDevEnvironment({ dir, images: [], operator: false });
  let baseline: ChildProcess | undefined;
  try {
    const webhookPort = await freePort();
    await applyAll(env.client, webhookPrerequisites(`https://127.0.0.1:${webhookPort}`));
    const kubeconfig = env.cluster.info.kubeconfig;
    const empty = await operatorRun(kubeconfig, webhookPort);
    const t0 = performance.now();
    await helmReleases(env.client);
    const createdS = (performance.now() - t0) / 1000;
    const full = await operatorRun(kubeconfig, webhookPort);
    baseline = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const floor = await idleRss(baseline.pid!, IDLE_S);
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
