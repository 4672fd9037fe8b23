// The manifest dump: discover → select → stream → sanitize → write stable files. Discovery runs once; each
// selected type is listed page by page with a few types in flight; every object is filtered, sanitized,
// rendered to deterministic YAML and written only when its bytes changed; files of objects that are gone
// are deleted at the end. Memory is bounded by the pages in flight.
import { shouldIncludeObject } from '../api/kubedump-filter.ts';
import { discover } from '../kube/discovery.ts';
import type { JsonObject } from '../common/json.ts';
import type { KubeClient } from '../kube/types.ts';
import { pathFor } from './layout.ts';
import { forEachLimit } from './pool.ts';
import { renderYaml } from './render.ts';
import { inPlaceSanitizer } from './sanitize.ts';
import { planTypes, scopeSettings, type DiscoveredType, type DumpScope, type TypePlan } from './select.ts';
import { StableTree, type FileCounts } from './stable-files.ts';
import { streamType } from './stream.ts';

export interface DumpProgress {
  typesDone: number;
  typesTotal: number;
  objects: number;
  bytes: number;
  /** The type whose page or completion this report follows. */
  type: string;
}

export interface DumpOptions {
  client: KubeClient;
  /** The dump directory; may hold the previous dump, which becomes this one. */
  dir: string;
  scope: DumpScope;
  /** Objects per LIST page (default 500). */
  pageSize?: number;
  /** Types listed at once (default 4). */
  concurrency?: number;
  /** Served resources, when the caller has discovered them already. */
  discovered?: readonly DiscoveredType[];
  signal?: AbortSignal;
  /** Called after every page and every finished type; it must not throw. */
  onProgress?: (p: DumpProgress) => void;
  /** Retry tuning, for tests. */
  retry?: { attempts?: number; restarts?: number; delayMs?: number };
}

/** Milliseconds per stage; fetch, sanitize, render and write are summed over the types in flight. */
export interface StageTimes {
  discover: number;
  fetch: number;
  sanitize: number;
  render: number;
  write: number;
  sweep: number;
  total: number;
}

export interface DumpResult {
  objects: number;
  types: number;
  files: FileCounts;
  /** Types that disappeared during the dump (404): skipped, their files deleted. */
  skipped: { type: string; message: string }[];
  /** Types restarted after an expired continue token. */
  restarted: string[];
  times: StageTimes;
}

/** A dump that could not list some types; the dump directory keeps its previous files of those types. */
export class DumpError extends Error {
  readonly failures: readonly { type: string; forbidden: boolean; message: string }[];
  constructor(failures: { type: string; forbidden: boolean; message: string }[]) {
    const list = failures.map((f) => `${f.type} (${f.forbidden ? 'forbidden: ' : ''}${f.message})`);
    super(`cannot list ${failures.length} resource type(s): ${list.join('; ')}`);
    this.name = 'DumpError';
    this.failures = failures;
  }
}

/**
 * Dumps the scope's objects into `dir`. Resolves with the counts when every selected type was listed (types
 * that disappeared are skipped and reported); rejects with a DumpError naming every type that could not be
 * listed (forbidden, or failing after retries), after listing all the others, and then deletes nothing.
 */
export async function dump(opts: DumpOptions): Promise<DumpResult> {
  const t0 = performance.now();
  const times: StageTimes = { discover: 0, fetch: 0, sanitize: 0, render: 0, write: 0, sweep: 0, total: 0 };
  const discovered = opts.discovered ?? (await discover(opts.client, { signal: opts.signal })).resources;
  times.discover = performance.now() - t0;

  const { layout, generation, sanitize } = scopeSettings(opts.scope);
  const clean = inPlaceSanitizer(generation, sanitize);
  const filter = opts.scope.generation === 'v2' ? opts.scope.filter : undefined;
  const plans = planTypes(discovered, opts.scope);
  const tree = new StableTree(opts.dir);
  const result: DumpResult = {
    objects: 0,
    types: plans.length,
    files: tree.counts,
    skipped: [],
    restarted: [],
    times,
  };
  const failures: { type: string; forbidden: boolean; message: string }[] = [];
  let typesDone = 0;
  const progress = (type: string): void =>
    opts.onProgress?.({
      typesDone,
      typesTotal: plans.length,
      objects: result.objects,
      bytes: tree.counts.bytes,
      type,
    });

  const dumpType = async (plan: TypePlan): Promise<void> => {
    let paths: string[] = [];
    const onPage = (items: JsonObject[]): void => {
      const files: { path: string; data: Buffer }[] = [];
      let t = performance.now();
      const kept = items.filter((o) => !filter || shouldIncludeObject(filter, objectRef(o))).map(clean);
      times.sanitize += performance.now() - t;
      t = performance.now();
      for (const o of kept) {
        const path = pathFor(layout, keyOf(plan, o));
        if (tree.claimed(path)) throw new Error(`two objects map to the dump file ${path}`);
        files.push({ path, data: Buffer.from(renderYaml(o), 'utf8') });
        paths.push(path);
      }
      times.render += performance.now() - t;
      t = performance.now();
      for (const f of files) tree.put(f.path, f.data);
      times.write += performance.now() - t;
      result.objects += files.length;
      progress(plan.id);
    };
    const onRestart = (): void => {
      tree.release(paths);
      result.objects -= paths.length;
      paths = [];
      result.restarted.push(plan.id);
    };
    const outcome = await streamType(opts.client, plan, {
      pageSize: opts.pageSize ?? 500,
      onPage,
      onRestart,
      onFetchTime: (ms) => (times.fetch += ms),
      ...(opts.signal && { signal: opts.signal }),
      ...(opts.retry?.attempts !== undefined && { attempts: opts.retry.attempts }),
      ...(opts.retry?.restarts !== undefined && { restarts: opts.retry.restarts }),
      ...(opts.retry?.delayMs !== undefined && { retryDelayMs: opts.retry.delayMs }),
    });
    if (outcome.status === 'gone') result.skipped.push({ type: plan.id, message: outcome.message });
    if (outcome.status === 'failed')
      failures.push({ type: plan.id, forbidden: outcome.forbidden, message: outcome.message });
    typesDone++;
    progress(plan.id);
  };

  await forEachLimit(plans, opts.concurrency ?? 4, dumpType);
  if (failures.length > 0) {
    failures.sort((a, b) => (a.type < b.type ? -1 : 1));
    throw new DumpError(failures);
  }
  const t = performance.now();
  await tree.sweep();
  times.sweep = performance.now() - t;
  times.total = performance.now() - t0;
  return result;
}

function objectRef(o: JsonObject): { namespace?: string; labels?: Record<string, string> } {
  const meta = (o.metadata ?? {}) as { namespace?: string; labels?: Record<string, string> };
  return {
    ...(meta.namespace && { namespace: meta.namespace }),
    ...(meta.labels && { labels: meta.labels }),
  };
}

function keyOf(plan: TypePlan, o: JsonObject): Parameters<typeof pathFor>[1] {
  const meta = (o.metadata ?? {}) as { name?: string; namespace?: string };
  return {
    resourceId: plan.id,
    kind: plan.resource.kind,
    namespace: plan.resource.namespaced ? (meta.namespace ?? '') : '',
    name: meta.name ?? '',
  };
}
