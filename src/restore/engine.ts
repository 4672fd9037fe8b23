// The restore engine: discover once → read the tree → plan (pure, plan.ts) → write the steps in order with a
// bounded number of writes in flight → after the CRD step, wait until the CRDs are Established and discover
// again → further passes over what failed on a missing dependency → relink owners. Every object of the tree
// ends with exactly one result: the plan's own (skipped, failed without I/O), the tree's unreadable files,
// and one per object written.
import type { ResourceType } from '../api/resource-type.ts';
import { Backoff, sleep } from '../kube/backoff.ts';
import { discover, type Discovery } from '../kube/discovery.ts';
import { forEachLimit } from '../dump/pool.ts';
import { applyObject, resultOf, type ApplyContext, type Applied } from './apply.ts';
import { servedTypes, unservedReason, waitEstablished, type CrdState } from './crds.ts';
import { dryRunSteps } from './dry-run.ts';
import { planRestore } from './plan.ts';
import { readTree } from './read-tree.ts';
import { addMessage, OwnerBook, relinkOwners, type PendingRelink } from './relink.ts';
import { countOutcomes } from './results.ts';
import { typesFromDump } from './types-from-dump.ts';
import type { ObjectResult, PlannedObject, PlanStep, RestoreOptions, RestoreSummary } from './types.ts';

export const DEFAULT_PARALLELISM = 16;
export const DEFAULT_MAX_ITERATIONS = 5;
export const DEFAULT_FIELD_MANAGER = 'cairn-restore';
/** How long the CRDs of one step may take to become Established. */
const ESTABLISH_TIMEOUT_MS = 60_000;

/** The preferred type of each group and kind, for owners (whose references name a kind, not a plural). */
function kindIndex(
  discovery: Discovery,
  dumped: readonly ResourceType[],
): (g: string, k: string) => ResourceType | undefined {
  const index = new Map<string, ResourceType>();
  for (const t of dumped) index.set(`${t.group}\0${t.kind}`, t);
  for (const r of discovery.resources) {
    const k = `${r.group}\0${r.kind}`;
    if (r.plural.includes('/')) continue;
    if (r.preferred || !index.has(k)) index.set(k, r);
  }
  return (g, k) => index.get(`${g}\0${k}`);
}

/**
 * Restores the dump tree at `options.root` and resolves with one result per object of the tree. Rejects only
 * when the tree cannot be listed, discovery fails, or the signal aborts; an object's failure is its result.
 */
export async function restore(options: RestoreOptions): Promise<RestoreSummary> {
  const t0 = performance.now();
  const { client, signal } = options;
  const parallelism = Math.max(1, options.parallelism ?? DEFAULT_PARALLELISM);
  const maxIterations = Math.max(1, options.maxIterations ?? DEFAULT_MAX_ITERATIONS);
  const fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
  const results: ObjectResult[] = [];
  const emit = (r: ObjectResult): void => {
    results.push(r);
    options.onResult?.(r);
  };
  const summary = (passes: number): RestoreSummary => ({
    counts: countOutcomes(results),
    results,
    passes,
    durationMs: Math.round(performance.now() - t0),
  });

  // The tree's items are only needed to plan; read and planned apart, they are freed before the writes.
  const { discovery, plan, dumpedTypes } = await readAndPlan(options, emit);
  plan.results.forEach(emit);
  await options.onPlanned?.(plan.steps);
  let typeOf = kindIndex(discovery, dumpedTypes);
  const book = new OwnerBook(client, (g, k) => typeOf(g, k), signal);

  if (options.dryRun) {
    const dry = await dryRunSteps(
      {
        client,
        book,
        override: options.overrideResources ?? false,
        fieldManager,
        parallelism,
        served: servedTypes(discovery),
        ...(signal && { signal }),
      },
      plan.steps,
    );
    dry.forEach(emit);
    return summary(1);
  }

  for (const step of plan.steps) for (const p of step.objects) book.planned(p);
  const ctx: ApplyContext = {
    client,
    book,
    override: options.overrideResources ?? false,
    fieldManager,
    ...(signal && { signal }),
  };
  let served = servedTypes(discovery);
  const crds = new Map<string, CrdState>();
  const relink: PendingRelink[] = [];
  const settle = (p: PlannedObject, a: Applied): void => {
    book.settled(p);
    if (a.relink) relink.push({ planned: p, result: a.result, written: a.relink });
    else emit(a.result);
  };

  const backoff = new Backoff({ initialMs: 500, maxMs: 5_000, jitter: 0.1 });
  let todo: readonly PlanStep[] = plan.steps;
  let passes = 0;
  while (todo.length > 0) {
    passes++;
    const last = passes >= maxIterations;
    const again: PlanStep[] = [];
    for (const step of todo) {
      const writable: PlannedObject[] = [];
      for (const p of step.objects) {
        const why = step.waitEstablished ? undefined : unservedReason(p.type, served, crds);
        if (why === undefined) writable.push(p);
        else
          settle(p, { result: { ...resultOf(p), reason: 'CRDNotEstablished', message: why }, retry: false });
      }
      const applied = await writeAll(ctx, writable, parallelism);
      const retry: PlannedObject[] = [];
      applied.forEach((a, i) => {
        const p = writable[i] as PlannedObject;
        if (a.retry && !last) return void retry.push(p);
        if (a.retry) addMessage(a.result, `still failing after ${passes} pass${passes > 1 ? 'es' : ''}`);
        if (step.waitEstablished && a.result.outcome === 'failed') {
          const message = `CRD ${p.name} was not restored: ${a.result.message ?? a.result.reason ?? 'failed'}`;
          crds.set(p.name, { established: false, message });
        }
        settle(p, a);
      });
      if (retry.length > 0) again.push({ ...step, objects: retry });
      if (step.waitEstablished) {
        const written = writable.filter((_, i) => applied[i]?.result.outcome !== 'failed');
        if (written.length > 0) {
          const states = await waitEstablished(
            client,
            written.map((p) => p.name),
            { timeoutMs: ESTABLISH_TIMEOUT_MS, ...(signal && { signal }) },
          );
          for (const [name, state] of states) crds.set(name, state);
          const fresh = await discover(client, { signal });
          served = servedTypes(fresh);
          typeOf = kindIndex(fresh, dumpedTypes);
        }
      }
    }
    todo = again;
    if (todo.length > 0) await sleep(backoff.next(), signal);
    signal?.throwIfAborted();
  }

  await relinkOwners(client, book, relink, { parallelism, fieldManager, ...(signal && { signal }) });
  for (const r of relink) emit(r.result);
  return summary(passes);
}

/** Writes `objects` with at most `parallelism` writes in flight; the results in the same order. */
async function writeAll(
  ctx: ApplyContext,
  objects: readonly PlannedObject[],
  parallelism: number,
): Promise<Applied[]> {
  const out = new Array<Applied>(objects.length);
  await forEachLimit(objects, parallelism, async (p, i) => {
    out[i] = await applyObject(ctx, p);
  });
  return out;
}

/** Discovery and the tree, read side by side, then the plan; the tree's problems are emitted as failed. */
async function readAndPlan(
  options: RestoreOptions,
  emit: (r: ObjectResult) => void,
): Promise<{ discovery: Discovery; plan: ReturnType<typeof planRestore>; dumpedTypes: ResourceType[] }> {
  const [discovery, tree] = await Promise.all([
    discover(options.client, { signal: options.signal }),
    readTree(options.root),
  ]);
  for (const p of tree.problems) {
    emit({
      // The v2 layout names the resource in the top directory; the v1 layouts cannot say it for a bad file.
      resource: tree.layout === 'v2' && p.file.includes('/') ? p.file.split('/')[0]! : '',
      name: p.file,
      outcome: 'failed',
      reason: 'UnreadableFile',
      message: `${p.file}: ${p.message}`,
    });
  }
  const dumpedTypes = typesFromDump(tree.items);
  const plan = planRestore({
    items: tree.items,
    types: [...discovery.resources.filter((r) => r.preferred && !r.plural.includes('/')), ...dumpedTypes],
    filter: options.filter,
    ...(options.restorePVs !== undefined && { restorePVs: options.restorePVs }),
    ...(options.storageClassMappings && { storageClassMappings: options.storageClassMappings }),
    ...(options.namespaceMappings && { namespaceMappings: options.namespaceMappings }),
  });
  return { discovery, plan, dumpedTypes };
}
