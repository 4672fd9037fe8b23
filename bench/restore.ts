// Restore throughput into an empty cluster, next to its ceiling and its peer. One dev cluster of its own is
// seeded with a synthetic mix, dumped with src/dump, and emptied again (its namespaces deleted); then, each
// time into the emptied cluster:
//   - Cairn's restore engine (src/restore) on that dump tree, at its default parallelism and at 32;
//   - the ceiling: the same objects, as the engine's plan shapes them, created straight through the
//     KubeClient with 32 (and 16) in flight, in no order but namespaces first;
//   - `kubectl apply -f` of the same files one after another (the loop a user would write): all of them up to
//     2,000 files, else a sample of 500 (or --kubectl-sample) spread over the tree, extrapolated to all.
// Each measured restore runs in a process of its own, so its peak RSS (VmHWM) is its own; the CPU that the
// restoring process, kube-apiserver and etcd spent meanwhile shows where the time goes. Asserts nothing.
//
//   tools/with-node.sh node bench/restore.ts [--objects 1000] [--seed 1] [--runs 3] [--kubectl-sample N]
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { kubedumpFilter } from '../src/api/kubedump-filter.ts';
import { K8S, type ResourceType } from '../src/api/resource-type.ts';
import { forEachLimit } from '../src/dump/pool.ts';
import { errorClass } from '../src/kube/errors.ts';
import { kubeClient } from '../src/kube/connect.ts';
import { discover } from '../src/kube/discovery.ts';
import type { KubeClient } from '../src/kube/types.ts';
import { restore } from '../src/restore/engine.ts';
import { planRestore } from '../src/restore/plan.ts';
import { readTree } from '../src/restore/read-tree.ts';
import { typesFromDump } from '../src/restore/types-from-dump.ts';
import type { PlannedObject } from '../src/restore/types.ts';
import { installCrd, synthetic } from './synthetic-cluster.ts';

const { values: args } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
    'kubectl-sample': { type: 'string' },
    child: { type: 'string' },
    kubeconfig: { type: 'string' },
    dir: { type: 'string' },
    parallelism: { type: 'string' },
  },
});
const PREFIX = 'bench-restore-';
const run = promisify(execFile);

const peakRss = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
};

/** The engine's plan of the tree at `root` against the cluster's types (what `restore()` plans first). */
async function planOf(client: KubeClient, root: string): Promise<PlannedObject[]> {
  const [discovery, tree] = await Promise.all([discover(client), readTree(root)]);
  const plan = planRestore({
    items: tree.items,
    types: [
      ...discovery.resources.filter((r) => r.preferred && !r.plural.includes('/')),
      ...typesFromDump(tree.items),
    ],
    filter: kubedumpFilter({}),
  });
  return plan.steps.flatMap((s) => s.objects);
}

/** Child mode: one measured restore, its result as JSON on stdout. */
async function child(): Promise<void> {
  const client = kubeClient({ kubeconfig: args.kubeconfig ?? '' });
  const root = args.dir ?? '';
  const parallelism = Number(args.parallelism ?? '0') || undefined;
  let out: Record<string, unknown> = {};
  const cpu0 = process.cpuUsage();
  if (args.child === 'engine') {
    const t = performance.now();
    const summary = await restore({
      client,
      root,
      filter: kubedumpFilter({}),
      ...(parallelism && { parallelism }),
    });
    out = { ms: performance.now() - t, counts: summary.counts, passes: summary.passes };
  } else if (args.child === 'ceiling') {
    // Not timed: reading and planning. Timed: the creates, namespaces first (nothing else can go in before).
    const planned = await planOf(client, root);
    const errors: Record<string, number> = {};
    let created = 0;
    const create = async (p: PlannedObject): Promise<void> => {
      try {
        await client.create(p.type, p.object, p.namespace ? { namespace: p.namespace } : {});
        created++;
      } catch (err) {
        const c = errorClass(err);
        errors[c] = (errors[c] ?? 0) + 1;
      }
    };
    const isNs = (p: PlannedObject): boolean => p.type.group === '' && p.type.kind === 'Namespace';
    const t = performance.now();
    await forEachLimit(planned.filter(isNs), parallelism ?? 32, create);
    await forEachLimit(
      planned.filter((p) => !isNs(p)),
      parallelism ?? 32,
      create,
    );
    out = { ms: performance.now() - t, created, errors };
  } else if (args.child === 'plan') {
    // The engine's pure half alone: reading the tree, planning it.
    let t = performance.now();
    const tree = await readTree(root);
    const read = performance.now() - t;
    t = performance.now();
    const discovery = await discover(client);
    const discoverMs = performance.now() - t;
    t = performance.now();
    const plan = planRestore({
      items: tree.items,
      types: [
        ...discovery.resources.filter((r) => r.preferred && !r.plural.includes('/')),
        ...typesFromDump(tree.items),
      ],
      filter: kubedumpFilter({}),
    });
    out = {
      read,
      discover: discoverMs,
      plan: performance.now() - t,
      files: tree.items.length,
      planned: plan.steps.reduce((n, s) => n + s.objects.length, 0),
      steps: plan.steps.length,
      decided: plan.results.length,
      ms: 0,
    };
  }
  const cpu = process.cpuUsage(cpu0);
  out.cpu = (cpu.user + cpu.system) / 1e6;
  out.rss = peakRss();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/**
 * Runs one measured child. Asynchronously: the parent's event loop must keep running meanwhile, or its idle
 * keep-alive connections, closed by the server in the meantime, are handed out to its next request.
 */
async function spawnChild(
  mode: string,
  kubeconfig: string,
  dir: string,
  parallelism?: number,
): Promise<Record<string, unknown>> {
  const r = await run(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      import.meta.filename,
      '--child',
      mode,
      '--kubeconfig',
      kubeconfig,
      '--dir',
      dir,
      ...(parallelism ? ['--parallelism', String(parallelism)] : []),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  ).catch((err: unknown) => {
    throw new Error(`${mode} failed: ${(err as { stderr?: string }).stderr ?? String(err)}`);
  });
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

/** CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat (100 ticks a second). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Deletes the bench namespaces and waits until they are gone: the cluster is empty of the mix again. */
async function empty(client: KubeClient): Promise<number> {
  const t = performance.now();
  const ours = async (): Promise<string[]> =>
    (await client.listAll(K8S.namespaces)).items
      .map((n) => n.metadata?.name ?? '')
      .filter((n) => n.startsWith(PREFIX));
  await forEachLimit(await ours(), 16, async (name) => {
    await client.delete(K8S.namespaces, name);
  });
  const { waitFor } = await import('../src/devcluster/probe.ts');
  await waitFor(async () => ((await ours()).length === 0 ? true : undefined), {
    what: 'the bench namespaces to be deleted',
    timeoutMs: 900_000,
  });
  return performance.now() - t;
}

/** How many objects of the mix's types the bench namespaces hold. */
async function present(client: KubeClient, types: readonly ResourceType[]): Promise<number> {
  let n = 0;
  for (const t of types) {
    for (const o of (await client.listAll(t)).items) if (o.metadata?.namespace?.startsWith(PREFIX)) n++;
  }
  return n;
}

/**
 * `kubectl apply -f` of the planned objects' files one after another, the namespaces made first with
 * `kubectl create namespace`; every `step`-th file when there are more than `sample`.
 */
async function kubectlApply(
  kubeconfig: string,
  root: string,
  planned: readonly PlannedObject[],
  sample: number,
): Promise<{ nsMs: number; applyMs: number; applied: number; failures: number; of: number }> {
  const { binaryPaths } = await import('../src/devcluster/toolchain.ts');
  const kubectl = binaryPaths().kubectl;
  const files = planned.filter((p) => p.type.kind !== 'Namespace' && p.file !== '');
  const step = Math.max(1, Math.ceil(files.length / sample));
  const chosen = files.filter((_, i) => i % step === 0);
  const namespaces = [...new Set(chosen.map((p) => p.namespace ?? ''))].filter((n) => n !== '');
  let failures = 0;
  let t = performance.now();
  for (const ns of namespaces) {
    await run(kubectl, ['--kubeconfig', kubeconfig, 'create', 'namespace', ns]).catch(() => failures++);
  }
  const nsMs = performance.now() - t;
  t = performance.now();
  let firstError = '';
  for (const p of chosen) {
    await run(kubectl, ['--kubeconfig', kubeconfig, 'apply', '-f', join(root, p.file)]).catch(
      (err: unknown) => {
        failures++;
        firstError ||= String((err as { stderr?: string }).stderr ?? err).trim();
      },
    );
  }
  if (firstError) process.stdout.write(`# kubectl apply: first failure: ${firstError}\n`);
  return { nsMs, applyMs: performance.now() - t, applied: chosen.length, failures, of: files.length };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const mib = (x: number): string => `${(x / 1048576).toFixed(1)} MiB`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

async function main(): Promise<void> {
  const n = Number(args.objects);
  const runs = Number(args.runs);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-restore-'));
  const load0 = loadavg()[0] ?? 0;
  // Loaded here only, so that the measured child processes do not carry the dev cluster's modules.
  const { startDevEnvironment } = await import('../src/devcluster/environment.ts');
  const { dump } = await import('../src/dump/dump.ts');
  const env = await startDevEnvironment({
    dir: join(dir, 'cluster'),
    images: [],
    operator: false,
    crds: false,
  });
  try {
    const kubeconfig = env.cluster.info.kubeconfig;
    const client = kubeClient({ kubeconfig });
    const busy = env.cluster.processes.filter((p) => /apiserver|etcd/.test(p.name));
    await installCrd(client);
    const { namespaces, objects } = synthetic(n, Number(args.seed), PREFIX);
    let t = performance.now();
    for (const name of namespaces) await client.create(K8S.namespaces, { metadata: { name } });
    await forEachLimit(objects, 16, async ([r, o]) => {
      await client.create(r, o);
    });
    const seedMs = performance.now() - t;
    const root = join(dir, 'dump');
    t = performance.now();
    const dumped = await dump({
      client,
      dir: root,
      scope: { generation: 'v2', filter: kubedumpFilter({ includeNamespaces: namespaces }) },
    });
    const dumpMs = performance.now() - t;
    const types = [...new Set(objects.map(([r]) => r))];
    const seeded = await present(client, types);
    process.stdout.write(
      `# seeded ${n} objects in ${namespaces.length} namespaces in ${secs(seedMs)}; dumped ${dumped.objects} objects ` +
        `(with each namespace's default ServiceAccount and kube-root-ca.crt) in ${secs(dumpMs)}; emptied in ` +
        `${secs(await empty(client))}\n`,
    );
    const planned = await planOf(client, root);
    const pure = await spawnChild('plan', kubeconfig, root);
    process.stdout.write(
      `# the engine's plan: ${String(pure.planned)} objects to write in ${String(pure.steps)} steps (namespaces ` +
        `included), ${String(pure.decided)} decided without writing; read ${Number(pure.read).toFixed(0)} ms, ` +
        `discover ${Number(pure.discover).toFixed(0)} ms, plan ${Number(pure.plan).toFixed(0)} ms; peak RSS of reading and ` +
        `planning alone ${mib(Number(pure.rss))}\n`,
    );

    const variants: [string, string, number | undefined][] = [
      ['cairn restore engine (default parallelism 16)', 'engine', undefined],
      ['cairn restore engine, parallelism 32', 'engine', 32],
      ['ceiling: parallel create, 32 in flight', 'ceiling', 32],
      ['ceiling: parallel create, 16 in flight', 'ceiling', 16],
    ];
    const measured = new Map<string, Record<string, unknown>[]>();
    for (let i = 0; i < runs; i++) {
      // Each run starts one variant later: the cluster slows down over the create/delete cycles of a run
      // (etcd's history grows until it is compacted), which must not always count against the same variant.
      const order = [...variants.slice(i % variants.length), ...variants.slice(0, i % variants.length)];
      for (const [label, mode, parallelism] of order) {
        const cpu0 = busy.map((p) => cpuSecondsOf(p.pid));
        const r = await spawnChild(mode, kubeconfig, root, parallelism);
        busy.forEach((p, j) => (r[p.name] = cpuSecondsOf(p.pid) - (cpu0[j] ?? 0)));
        r.load = loadavg()[0] ?? 0;
        r.present = await present(client, types);
        r.emptied = await empty(client);
        measured.set(label, [...(measured.get(label) ?? []), r]);
        process.stdout.write(
          `# run ${i + 1}: ${label}: ${secs(Number(r.ms))} (load average ${Number(r.load).toFixed(1)}); ` +
            `emptied again in ${secs(Number(r.emptied))}\n`,
        );
      }
    }
    // Every file up to 2,000 of them; else a sample of 500 (each file costs a kubectl process).
    const files = planned.length - namespaces.length;
    const sample = args['kubectl-sample'] ? Number(args['kubectl-sample']) : files <= 2_000 ? files : 500;
    const cli = await kubectlApply(kubeconfig, root, planned, sample);
    const perFile = cli.applyMs / Math.max(1, cli.applied);
    const cliMs = cli.nsMs + perFile * cli.of;
    await empty(client);

    const N = planned.length;
    const rate = (ms: number): number => N / (ms / 1000);
    const m = (label: string, k: string): number =>
      median((measured.get(label) ?? []).map((r) => Number(r[k])));
    const best = (label: string): number => Math.min(...(measured.get(label) ?? []).map((r) => Number(r.ms)));
    const engine = variants[0]?.[0] ?? '';
    // The ceiling is the faster of the two parallel creates: on a saturated server more in flight only queue.
    const ceiling = (f: (label: string) => number): number =>
      Math.min(f(variants[2]?.[0] ?? ''), f(variants[3]?.[0] ?? ''));
    const wall = (label: string): number => m(label, 'ms');
    const cpuOf = (label: string): string =>
      [
        `restorer ${m(label, 'cpu').toFixed(1)}`,
        ...busy.map((p) => `${p.name} ${m(label, p.name).toFixed(1)}`),
      ].join(', ');
    process.stdout.write(
      `\n| ${n} objects (${N} writes), ${runs} run(s) | wall: median (best) | objects/s: median (best) | peak RSS | CPU s, median | in the cluster after |\n` +
        `| --- | --- | --- | --- | --- | --- |\n`,
    );
    for (const [label] of variants) {
      const last = measured.get(label)?.at(-1) ?? {};
      process.stdout.write(
        `| ${label} | ${secs(wall(label))} (${secs(best(label))}) | ${rate(wall(label)).toFixed(0)} (${rate(best(label)).toFixed(0)}) | ` +
          `${mib(m(label, 'rss'))} | ${cpuOf(label)} | ${String(last.present)} of ${seeded} |\n`,
      );
    }
    const sampled = cli.applied < cli.of;
    process.stdout.write(
      `| kubectl apply -f per file, serially${sampled ? ` (${cli.applied} of ${cli.of} files timed, extrapolated)` : ''} | ` +
        `${secs(cliMs)} | ${rate(cliMs).toFixed(0)} | – | – | ${cli.failures} failed |\n`,
    );
    const vsKubectl = cliMs / wall(engine);
    const vsCeiling = ceiling(wall) / wall(engine);
    const vsCeilingBest = ceiling(best) / best(engine);
    process.stdout.write(
      `\nkubectl: ${cli.nsMs.toFixed(0)} ms for ${namespaces.length} namespaces, ${perFile.toFixed(0)} ms per file\n` +
        `engine / kubectl: ${vsKubectl.toFixed(1)} × (goal ≥ 5: ${vsKubectl >= 5 ? 'met' : 'not met'})\n` +
        `engine / ceiling (the faster parallel create): ${vsCeiling.toFixed(2)} × of the medians, ` +
        `${vsCeilingBest.toFixed(2)} × of the best runs (goal ≥ 0.6: ${vsCeiling >= 0.6 ? 'met' : 'not met'})\n` +
        `engine results (last run): ${JSON.stringify(measured.get(engine)?.at(-1)?.counts)}; ` +
        `ceiling errors (last run): ${JSON.stringify(measured.get(variants[2]?.[0] ?? '')?.at(-1)?.errors)}\n` +
        `load average: ${load0.toFixed(1)} at the start, ${(loadavg()[0] ?? 0).toFixed(1)} at the end\n`,
    );
  } finally {
    await env.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.child) await child();
else await main();
