// The manifest dump: discover → select → stream → sanitize → write stable files. Discovery runs once; each
// selected type is listed page by page with a few types in flight; every object is filtered, sanitized,
// rendered to deterministic YAML and written only when its bytes changed; files of objects that are gone
// are deleted at the end. Memory is bounded by the pages in flight.
import { shouldIncludeObject } from '../api/kubedump-filter.ts';
import { discover } from '../kube/discovery.ts';
import type { JsonObject } from '../common/json.ts';
import type { KubeClient } from '../kube/types.ts';
import { planApplication } from './application.ts';
import { DumpError, type TypeFailure } from './errors.ts';
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
  /**
   * Group versions discovery could not read (an aggregated API whose backend is down): their types are not
   * in the dump. Empty when the caller passed its own discovery.
   */
  unavailable: { groupVersion: string; message: string }[];
  /** Types restarted after an expired continue token. */
  restarted: string[];
  times: StageTimes;
}

/**
 * Dumps the scope's objects into `dir`. Resolves with the counts when every selected type was listed (types
 * that disappeared are skipped and reported); rejects with a DumpError naming every type that could not be
 * listed (forbidden, or failing after retries), after listing all the others, and then deletes nothing.
 */
export async function dump(opts: DumpOptions): Promise<DumpResult> {
  const t0 = performance.now();
  const times: StageTimes = { discover: 0, fetch: 0, sanitize: 0, render: 0, write: 0, sweep: 0, total: 0 };
  const discovery = opts.discovered
    ? { resources: opts.discovered, failed: [] }
    : await discover(opts.client, { signal: opts.signal });
  const discovered = discovery.resources;
  times.discover = performance.now() - t0;

  const { layout, generation, sanitize } = scopeSettings(opts.scope);
  const clean = inPlaceSanitizer(generation, sanitize);
  const filter = opts.scope.generation === 'v2' ? opts.scope.filter : undefined;
  const retry = {
    ...(opts.retry?.attempts !== undefined && { attempts: opts.retry.attempts }),
    ...(opts.retry?.restarts !== undefined && { restarts: opts.retry.restarts }),
    ...(opts.retry?.delayMs !== undefined && { retryDelayMs: opts.retry.delayMs }),
    ...(opts.signal && { signal: opts.signal }),
  };
  const concurrency = opts.concurrency ?? 4;
  const pageSize = opts.pageSize ?? 500;
  let plans = planTypes(discovered, opts.scope);
  /** The file of an object as listed (uid still there), or undefined when the scope leaves it out. */
  let route = (plan: TypePlan, o: JsonObject): string | undefined =>
    layout !== 'v1-application' && (!filter || shouldIncludeObject(filter, objectRef(o)))
      ? pathFor(layout, keyOf(plan, o))
      : undefined;
  if (opts.scope.generation === 'v1' && opts.scope.target === 'application') {
    const app = await planApplication(opts.client, plans, opts.scope, { pageSize, ...retry }, concurrency);
    plans = app.plans;
    route = (_plan, o) => app.route(o);
  }
  const tree = new StableTree(opts.dir);
  const result: DumpResult = {
    objects: 0,
    types: plans.length,
    files: tree.counts,
    skipped: [],
    unavailable: discovery.failed,
    restarted: [],
    times,
  };
  const failures: TypeFailure[] = [];
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
      const kept: { path: string; o: JsonObject }[] = [];
      for (const o of items) {
        const path = route(plan, o);
        if (path !== undefined) kept.push({ path, o: clean(o) });
      }
      times.sanitize += performance.now() - t;
      t = performance.now();
      const seen = new Set<string>();
      for (const { path, o } of kept) {
        if (tree.claimed(path) || seen.has(path)) throw new Error(`two objects map to the dump file ${path}`);
        seen.add(path);
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
    const forget = (): void => {
      tree.release(paths);
      result.objects -= paths.length;
      paths = [];
    };
    const onRestart = (): void => {
      forget();
      result.restarted.push(plan.id);
    };
    const outcome = await streamType(opts.client, plan, {
      pageSize,
      onPage,
      onRestart,
      onFetchTime: (ms) => (times.fetch += ms),
      ...retry,
    });
    if (outcome.status === 'gone') {
      // The type went away while it was being listed: so did its objects, and all its files go.
      forget();
      result.skipped.push({ type: plan.id, message: outcome.message });
    }
    if (outcome.status === 'failed')
      failures.push({ type: plan.id, forbidden: outcome.forbidden, message: outcome.message });
    typesDone++;
    progress(plan.id);
  };

  await forEachLimit(plans, concurrency, dumpType);
  if (failures.length > 0) throw new DumpError(failures);
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

export { DumpError };

function keyOf(plan: TypePlan, o: JsonObject): Parameters<typeof pathFor>[1] {
  const meta = (o.metadata ?? {}) as { name?: string; namespace?: string };
  return {
    resourceId: plan.id,
    kind: plan.resource.kind,
    namespace: plan.resource.namespaced ? (meta.namespace ?? '') : '',
    name: meta.name ?? '',
  };
}
