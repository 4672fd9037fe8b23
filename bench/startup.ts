// Benchmark (not a test): how fast `cairn` starts and how much memory it holds, against plain Node.
//
// 1. Startup: wall time and peak RSS (median of --runs, after one warm-up) of `node -e 0` (the floor), of
//    importing @kubernetes/client-node alone (a reference: what one heavy dependency costs), and of
//    `cairn version` run as type-stripped .ts (through bin/cairn and with node directly, so the launcher's
//    own cost shows) and as JavaScript compiled from src/ into a temporary folder.
// 2. Operator: the resident memory of `cairn operator` once it is ready (certificate issued, CA bundle
//    injected) and idle, against a dev cluster started here, again as .ts and as compiled .js (also with a
//    smaller young generation, a V8 flag an image could set).
// With --baseline DIR (a checkout of an earlier release with its node_modules installed) each .ts row is
// also measured for that checkout, side by side.
//
//   tools/with-node.sh node bench/startup.ts [--runs 5] [--baseline DIR] [--operator-runs 3] [--idle 10]
//                                            [--no-operator]
//
// Needs GNU time (/usr/bin/time, for the peak RSS of a process) and, for the operator, the binaries
// `make setup` builds.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';

import { startDevEnvironment } from '../src/devcluster/environment.ts';
import { waitFor, probe } from '../src/devcluster/probe.ts';
import { projectRoot } from '../src/devcluster/toolchain.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    baseline: { type: 'string' },
    'operator-runs': { type: 'string', default: '3' },
    idle: { type: 'string', default: '10' },
    'no-operator': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const OPERATOR_RUNS = Number(values['operator-runs']);
const IDLE_S = Number(values.idle);
const BASELINE = values.baseline ? resolve(values.baseline) : undefined;
const TIME = '/usr/bin/time';
const MIB = 1024 * 1024;
const NODE = process.execPath;
const STRIP = ['--disable-warning=ExperimentalWarning'];

/** A way to run the CLI: the argv before the command's own arguments. */
interface Variant {
  label: string;
  argv: string[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * Compiles every .ts file of src/ to JavaScript in a new folder laid out like the repository (src/, with
 * package.json, deploy/ and node_modules beside it), so relative paths resolve as they do from the source.
 * Per-file transpilation is the whole-program emit here: the project allows only erasable syntax and
 * isolated modules. Relative `.ts` imports, static and dynamic, become `.js`.
 */
function compileToJavaScript(): string {
  const out = mkdtempSync(join(tmpdir(), 'cairn-js-'));
  const src = join(projectRoot, 'src');
  cpSync(src, join(out, 'src'), {
    recursive: true,
    filter: (from) => !from.endsWith('.ts'),
  });
  const files = spawnSync('find', [src, '-name', '*.ts', '-type', 'f'], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter(Boolean);
  for (const file of files) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: {
        target: ts.ScriptTarget.ES2024,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
        rewriteRelativeImportExtensions: true,
      },
    }).outputText;
    const target = join(out, 'src', relative(src, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
  cpSync(join(projectRoot, 'package.json'), join(out, 'package.json'));
  symlinkSync(join(projectRoot, 'node_modules'), join(out, 'node_modules'));
  symlinkSync(join(projectRoot, 'deploy'), join(out, 'deploy'));
  return out;
}

interface Sample {
  wallS: number;
  rssMiB: number;
}

/** One run under GNU time: wall time measured here, peak RSS as the kernel accounted it. */
function runOnce(argv: string[], cwd: string): Sample {
  const rssFile = join(tmpdir(), `cairn-bench-rss-${process.pid}`);
  const started = performance.now();
  const r = spawnSync(TIME, ['-f', '%M', '-o', rssFile, ...argv], { cwd, encoding: 'utf8' });
  const wallS = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-400)}`);
  const kib = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
  rmSync(rssFile, { force: true });
  return { wallS, rssMiB: (kib * 1024) / MIB };
}

function measure(argv: string[], cwd = projectRoot): Sample {
  runOnce(argv, cwd); // warm-up: file cache, compile cache
  const samples = Array.from({ length: RUNS }, () => runOnce(argv, cwd));
  return { wallS: median(samples.map((s) => s.wallS)), rssMiB: median(samples.map((s) => s.rssMiB)) };
}

/** The short commit of a checkout, to name the baseline in the tables. */
function revision(dir: string): string {
  const r = spawnSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : dir;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}

function printTable(title: string, head: string[], rows: string[][]): void {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const lines = [
    pad(head, widths),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => pad(r, widths)),
  ];
  process.stdout.write(`\n${title}\n${lines.join('\n')}\n`);
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

/** The resident set of a live process now, in MiB (VmRSS), and its peak so far (VmHWM). */
function rssOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string): number =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: (kib('VmRSS') * 1024) / MIB, hwm: (kib('VmHWM') * 1024) / MIB };
}

/** deploy/'s namespace and webhook configurations, the latter pointing at `url` instead of the Service. */
function operatorPrerequisites(url: string): unknown[] {
  const docs = (file: string): Record<string, unknown>[] =>
    parseAllDocuments(readFileSync(join(projectRoot, file), 'utf8')).map(
      (d) => d.toJS() as Record<string, unknown>,
    );
  const configurations = docs('deploy/webhooks/configurations.yaml').map((c) => ({
    ...c,
    webhooks: (c.webhooks as { clientConfig: { service: { path: string } } }[]).map((w) => ({
      ...w,
      clientConfig: { url: `${url}${w.clientConfig.service.path}` },
    })),
  }));
  return [...docs('deploy/operator/namespace.yaml'), ...configurations];
}

interface OperatorSample {
  readyS: number;
  idleMiB: number;
  peakMiB: number;
}

/**
 * Starts `cairn operator` on fixed ports, waits until /readyz answers 200, samples its RSS once a second for
 * the idle period and stops it. Idle RSS is the median of those samples.
 */
async function operatorOnce(
  argv: string[],
  kubeconfig: string,
  webhookPort: number,
): Promise<OperatorSample> {
  const probePort = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(
    argv[0]!,
    [
      ...argv.slice(1),
      'operator',
      `--kubeconfig=${kubeconfig}`,
      `--webhook-bind-address=127.0.0.1:${webhookPort}`,
      `--probe-bind-address=127.0.0.1:${probePort}`,
      '--cert-secret-namespace=cairn-system',
      '--log-level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-2000)));
  try {
    await waitFor(
      async () => ((await probe(`http://127.0.0.1:${probePort}/readyz`)).status === 200 ? true : undefined),
      {
        what: `${argv.join(' ')} operator to be ready`,
        timeoutMs: 60_000,
        abortIf: () => (child.exitCode !== null ? `it exited ${child.exitCode}: ${stderr}` : undefined),
      },
    );
    const readyS = (performance.now() - started) / 1000;
    const samples: number[] = [];
    for (let i = 0; i < IDLE_S; i++) {
      await new Promise((r) => setTimeout(r, 1000)); // the idle period is what is measured
      samples.push(rssOf(child.pid!).rss);
    }
    return { readyS, idleMiB: median(samples), peakMiB: rssOf(child.pid!).hwm };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

async function operatorTable(variants: Variant[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-cluster-'));
  const env = await startDevEnvironment({ dir, images: [], operator: false });
  try {
    const kubeconfig = env.cluster.info.kubeconfig;
    const webhookPort = await freePort();
    const manifest = join(dir, 'operator-prerequisites.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: operatorPrerequisites(`https://127.0.0.1:${webhookPort}`),
      }),
    );
    const applied = spawnSync(
      env.kubectl,
      ['--kubeconfig', kubeconfig, 'apply', '--server-side', '-f', manifest],
      {
        encoding: 'utf8',
      },
    );
    if (applied.status !== 0) throw new Error(`kubectl apply: ${applied.stderr}`);

    const results: [string, OperatorSample][] = [];
    for (const v of variants) {
      const runs: OperatorSample[] = [];
      for (let i = 0; i < OPERATOR_RUNS; i++) runs.push(await operatorOnce(v.argv, kubeconfig, webhookPort));
      results.push([
        v.label,
        {
          readyS: median(runs.map((r) => r.readyS)),
          idleMiB: median(runs.map((r) => r.idleMiB)),
          peakMiB: median(runs.map((r) => r.peakMiB)),
        },
      ]);
    }
    const ref = results[0]![1];
    printTable(
      `cairn operator, ready and idle for ${IDLE_S} s (median of ${OPERATOR_RUNS}); ratios against the first row`,
      ['what', 'ready s', 'idle RSS MiB', 'x', 'peak RSS MiB', 'x'],
      results.map(([label, r]) => [
        label,
        r.readyS.toFixed(2),
        r.idleMiB.toFixed(0),
        (r.idleMiB / ref.idleMiB).toFixed(2),
        r.peakMiB.toFixed(0),
        (r.peakMiB / ref.peakMiB).toFixed(2),
      ]),
    );
    process.stdout.write('goal: idle RSS <= 80 MiB\n');
  } finally {
    await env.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync(TIME)) throw new Error(`${TIME} (GNU time) is needed to read the peak RSS of a process`);
  if (BASELINE && !existsSync(join(BASELINE, 'node_modules'))) {
    throw new Error(`--baseline ${BASELINE}: no node_modules there; run 'npm ci' in it first`);
  }
  const js = compileToJavaScript();
  try {
    const stripped: Variant = {
      label: 'cairn (.ts, node src/cli/main.ts)',
      argv: [NODE, ...STRIP, join(projectRoot, 'src/cli/main.ts')],
    };
    const launcher: Variant = { label: 'cairn (.ts, bin/cairn)', argv: [join(projectRoot, 'bin/cairn')] };
    const compiled: Variant = { label: 'cairn (.js compiled)', argv: [NODE, join(js, 'src/cli/main.js')] };
    const baseline: Variant[] = BASELINE
      ? [
          {
            label: `cairn (.ts, baseline ${revision(BASELINE)})`,
            argv: [NODE, ...STRIP, join(BASELINE, 'src/cli/main.ts')],
          },
        ]
      : [];

    const node = measure([NODE, '-e', '0']);
    const rows: [string, Sample][] = [
      ['node -e 0', node],
      [
        "import '@kubernetes/client-node' alone",
        measure([NODE, '--input-type=module', '-e', "import '@kubernetes/client-node'"]),
      ],
      ...[launcher, stripped, compiled, ...baseline].map((v): [string, Sample] => [
        `${v.label} version`,
        measure([...v.argv, 'version']),
      ]),
    ];
    printTable(
      `startup: median of ${RUNS} runs (after a warm-up); ratios against node -e 0`,
      ['what', 'wall s', 'x', 'peak RSS MiB', 'x'],
      rows.map(([label, s]) => [
        label,
        s.wallS.toFixed(3),
        (s.wallS / node.wallS).toFixed(1),
        s.rssMiB.toFixed(0),
        (s.rssMiB / node.rssMiB).toFixed(2),
      ]),
    );
    process.stdout.write('goal: cairn version <= 0.15 s and <= 80 MB (76 MiB)\n');

    // A young generation of 2 MiB semi-spaces instead of V8's default (several times larger): the idle
    // memory that trades for more frequent scavenges.
    const smallYoung: Variant = {
      label: 'cairn (.js compiled, --max-semi-space-size=2)',
      argv: [NODE, '--max-semi-space-size=2', join(js, 'src/cli/main.js')],
    };
    if (!values['no-operator']) await operatorTable([...baseline, stripped, compiled, smallYoung]);
  } finally {
    rmSync(js, { recursive: true, force: true });
  }
}

await main();
