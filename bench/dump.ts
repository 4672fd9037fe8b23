// The manifest dump next to its ceiling and its peer, against one dev cluster seeded with a synthetic mix:
//   - Cairn's dump (src/dump) into a fresh directory, then again into the same directory (unchanged cluster);
//   - a raw paginated LIST of the same types with the same page size and parallelism (the ceiling);
//   - `kubectl get -o yaml` per type (what a shell script would do).
// Each runs in its own process so that its peak RSS (VmHWM) is its own. Prints a table with ratios and the
// dump's stage times. Asserts nothing.
//
//   tools/with-node.sh node bench/dump.ts [--objects 1000] [--seed 1] [--page-size 500] [--runs 3]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubedumpFilter } from '../src/api/kubedump-filter.ts';
import { K8S } from '../src/api/resource-type.ts';
import { dump, type DumpResult } from '../src/dump/dump.ts';
import { forEachLimit } from '../src/dump/pool.ts';
import { planTypes } from '../src/dump/select.ts';
import { kubeClient } from '../src/kube/connect.ts';
import { discover } from '../src/kube/discovery.ts';
import type { KubeClient } from '../src/kube/types.ts';
import { installCrd, synthetic } from './synthetic-cluster.ts';

const { values: args } = parseArgs({
  options: {
    objects: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '1' },
    'page-size': { type: 'string', default: '500' },
    runs: { type: 'string', default: '3' },
    child: { type: 'string' },
    kubeconfig: { type: 'string' },
    dir: { type: 'string' },
    namespaces: { type: 'string' },
  },
});
const PAGE_SIZE = Number(args['page-size']);
const PREFIX = 'bench-dump-';

async function seedCluster(client: KubeClient, n: number, seed: number): Promise<string[]> {
  const { namespaces, objects } = synthetic(n, seed, PREFIX);
  await installCrd(client);
  for (const name of namespaces) await client.create(K8S.namespaces, { metadata: { name } });
  await forEachLimit(objects, 16, async ([r, o]) => {
    await client.create(r, o);
  });
  return namespaces;
}

const peakRss = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
};

/** Every namespaced type cluster-wide (one LIST per type), events left out: they change while measuring. */
const scopeFor = (_namespaces: string[]) => ({
  generation: 'v2' as const,
  filter: kubedumpFilter({ excludeResources: ['events', 'events.events.k8s.io'] }),
});

/** Child mode: one measured operation, its result as JSON on stdout. */
async function child(): Promise<void> {
  const client = kubeClient({ kubeconfig: args.kubeconfig ?? '' });
  const namespaces = (args.namespaces ?? '').split(',');
  const started = performance.now();
  let out: Record<string, unknown> = {};
  if (args.child === 'dump') {
    const r: DumpResult = await dump({
      client,
      dir: args.dir ?? '',
      scope: scopeFor(namespaces),
      pageSize: PAGE_SIZE,
    });
    out = { objects: r.objects, files: r.files, times: r.times };
  } else if (args.child === 'raw') {
    const plans = planTypes((await discover(client)).resources, scopeFor(namespaces));
    let bytes = 0;
    await forEachLimit(plans, 4, async (plan) => {
      for (const namespace of plan.namespaces ?? [undefined])
        for await (const page of client.listPages(plan.resource, {
          limit: PAGE_SIZE,
          ...(namespace && { namespace }),
        }))
          bytes += page.body.length;
    });
    out = { bytes };
  }
  out.ms = performance.now() - started;
  out.rss = peakRss();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

function run(mode: string, kubeconfig: string, namespaces: string[], dir = ''): Record<string, unknown> {
  const r = spawnSync(
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
      '--namespaces',
      namespaces.join(','),
      '--page-size',
      String(PAGE_SIZE),
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

function kubectl(kubeconfig: string, client: KubeClient, namespaces: string[]): Promise<number> {
  return (async () => {
    const { binaryPaths } = await import('../src/devcluster/toolchain.ts');
    const plans = planTypes((await discover(client)).resources, scopeFor(namespaces));
    const started = performance.now();
    for (const plan of plans) {
      const id = `${plan.resource.plural}${plan.resource.group ? `.${plan.resource.group}` : ''}`;
      for (const namespace of plan.namespaces ?? [undefined]) {
        const r = spawnSync(
          binaryPaths().kubectl,
          ['--kubeconfig', kubeconfig, 'get', id, '-o', 'yaml', ...(namespace ? ['-n', namespace] : ['-A'])],
          {
            maxBuffer: 1 << 30,
          },
        );
        if (r.status !== 0) throw new Error(`kubectl get ${id} failed: ${r.stderr.toString()}`);
      }
    }
    return performance.now() - started;
  })();
}

/**
 * What a second backup of the unchanged cluster adds to a restic repository (raw data, compressed), with
 * the dump tree kept between runs (a lasting scratch volume) and with a fresh tree at the same path (the
 * default emptyDir). The same restic argv as the backup Job's: `backup` of the tree, host `host-0`.
 */
async function growth(kubeconfig: string, namespaces: string[], dir: string, n: number): Promise<void> {
  // Loaded here only, as the dev cluster's modules are: the measured child processes must not carry it.
  const { binaryPaths } = await import('../src/devcluster/toolchain.ts');
  const restic = binaryPaths().restic;
  const env = { ...process.env, RESTIC_REPOSITORY: join(dir, 'repo'), RESTIC_PASSWORD: 'bench-only' };
  const restic$ = (...a: string[]): string => {
    const r = spawnSync(restic, a, { env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`restic ${a[0] ?? ''} failed: ${r.stderr}`);
    return r.stdout;
  };
  const size = (): number =>
    (JSON.parse(restic$('stats', '--mode', 'raw-data', '--json', '--no-lock')) as { total_size: number })
      .total_size;
  const tree = join(dir, 'manifest');
  restic$('init');
  run('dump', kubeconfig, namespaces, tree);
  restic$('backup', '--host', 'host-0', '--json', tree);
  const first = size();
  run('dump', kubeconfig, namespaces, tree);
  restic$('backup', '--host', 'host-0', '--json', tree);
  const lasting = size() - first;
  rmSync(tree, { recursive: true, force: true });
  run('dump', kubeconfig, namespaces, tree);
  restic$('backup', '--host', 'host-0', '--json', tree);
  const fresh = size() - first - lasting;
  process.stdout.write(
    `second backup of the unchanged cluster: first ${(first / 1024).toFixed(0)} KiB; lasting tree adds ${lasting} B; ` +
      `fresh tree adds ${fresh} B (${(fresh / n).toFixed(1)} B per object)\n`,
  );
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const ms = (x: number): string => `${x.toFixed(0)} ms`;
const mib = (x: number): string => `${(x / 1048576).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const n = Number(args.objects);
  const runs = Number(args.runs);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-bench-dump-'));
  // Loaded here only, so that the measured child processes do not carry the dev cluster's modules.
  const { startDevEnvironment } = await import('../src/devcluster/environment.ts');
  const env = await startDevEnvironment({
    dir: join(dir, 'cluster'),
    images: [],
    operator: false,
    crds: false,
  });
  try {
    const kubeconfig = env.cluster.info.kubeconfig;
    const client = kubeClient({ kubeconfig });
    const t = performance.now();
    const namespaces = await seedCluster(client, n, Number(args.seed));
    process.stdout.write(
      `# seeded ${n} objects in ${namespaces.length} namespaces in ${ms(performance.now() - t)}\n`,
    );
    const fresh: Record<string, unknown>[] = [];
    const again: Record<string, unknown>[] = [];
    const raw: Record<string, unknown>[] = [];
    const cli: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = join(dir, `dump-${i}`);
      fresh.push(run('dump', kubeconfig, namespaces, out));
      again.push(run('dump', kubeconfig, namespaces, out));
      raw.push(run('raw', kubeconfig, namespaces));
      cli.push(await kubectl(kubeconfig, client, namespaces));
    }
    const m = (rs: Record<string, unknown>[], k: string): number => median(rs.map((r) => Number(r[k])));
    const rawMs = m(raw, 'ms');
    const rows: [string, number, number][] = [
      ['raw paginated LIST (ceiling)', rawMs, m(raw, 'rss')],
      ['cairn dump, fresh directory', m(fresh, 'ms'), m(fresh, 'rss')],
      ['cairn dump, unchanged tree', m(again, 'ms'), m(again, 'rss')],
      ['kubectl get -o yaml per type', median(cli), 0],
    ];
    process.stdout.write(
      `\n| ${n} objects, page ${PAGE_SIZE}, median of ${runs} | wall | × raw LIST | peak RSS |\n| --- | --- | --- | --- |\n`,
    );
    for (const [name, wall, rss] of rows)
      process.stdout.write(
        `| ${name} | ${ms(wall)} | ${(wall / rawMs).toFixed(2)} | ${rss ? mib(rss) : '–'} |\n`,
      );
    const times = (fresh.at(-1)?.times ?? {}) as Record<string, number>;
    process.stdout.write(
      `\nstage times of the last fresh dump (summed over types in flight): ${Object.entries(times)
        .map(([k, v]) => `${k} ${ms(v)}`)
        .join(', ')}\n`,
    );
    process.stdout.write(`files of the last unchanged-tree dump: ${JSON.stringify(again.at(-1)?.files)}\n`);
    process.stdout.write(`dump / kubectl: ${(m(fresh, 'ms') / median(cli)).toFixed(2)}\n`);
    await growth(kubeconfig, namespaces, join(dir, 'growth'), n);
  } finally {
    await env.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (args.child) await child();
else await main();
