// What the operator benchmarks share (bench/operator.ts, bench/secrets.ts): deploy/'s namespace and webhook
// configurations pointed at a local port, `cairn operator` (type-stripped .ts, as the admin) started against a
// dev cluster and waited for until /readyz answers, and its memory read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { freePort } from '../src/devcluster/ports.ts';
import { probe, waitFor } from '../src/devcluster/probe.ts';
import { projectRoot } from '../src/devcluster/toolchain.ts';
import type { KubeObject } from '../src/kube/types.ts';

const MIB = 1024 * 1024;
const CLI = join(projectRoot, 'src/cli/main.ts');

/** The resident set of a live process now, in MiB (VmRSS), and its peak so far (VmHWM). */
export function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: (kib('VmRSS') * 1024) / MIB, hwm: (kib('VmHWM') * 1024) / MIB };
}

/** The median of one RSS sample a second over `seconds`, in MiB. */
export async function idleRss(pid: number, seconds: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000)); // the idle period is what is measured
    samples.push(rssOf(pid).rss);
  }
  return [...samples].sort((a, b) => a - b)[Math.floor((samples.length - 1) / 2)] ?? NaN;
}

/** deploy/'s namespace and webhook configurations, the latter pointing at `url`. */
export function webhookPrerequisites(url: string): KubeObject[] {
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

export interface OperatorProcess {
  child: ChildProcess;
  /** Seconds from spawn to /readyz answering 200. */
  readyS: number;
}

/** Starts `cairn operator` serving its webhooks on `webhookPort` and resolves once it is ready. */
export async function startOperator(
  kubeconfig: string,
  webhookPort: number,
  timeoutMs = 180_000,
): Promise<OperatorProcess> {
  const probePort = await freePort();
  const started = performance.now();
  const child = spawn(
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
        timeoutMs,
        abortIf: () => (child.exitCode !== null ? `it exited ${child.exitCode}: ${stderr}` : undefined),
      },
    );
  } catch (err) {
    await stopProcess(child);
    throw err;
  }
  return { child, readyS: (performance.now() - started) / 1000 };
}

/** SIGTERM, and resolves once the process has exited (at once if it already has). */
export async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}
