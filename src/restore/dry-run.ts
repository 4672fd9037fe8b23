// A restore that writes nothing: the same plan, each object compared with the live one. An absent object is
// created with `dryRun=All` where its type is served, so admission and validation errors show now; a present
// one is, with `overrideResources`, applied with `dryRun=All` and the difference listed as paths; without it,
// reported as left untouched. Secret values never appear: their keys are said to change, nothing more.
import { apiVersionOf } from '../api/resource-type.ts';
import { isObject } from '../common/json.ts';
import { forEachLimit } from '../dump/pool.ts';
import { apiMessage, statusCode } from '../kube/errors.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';
import { failureOf, messageRedactor, resultOf, withOwners } from './apply.ts';
import { crdNameOf, isServed } from './crds.ts';
import type { OwnerBook } from './relink.ts';
import type { ObjectResult, PlannedObject, PlanStep } from './types.ts';

export interface DryRunContext {
  client: KubeClient;
  book: OwnerBook;
  override: boolean;
  fieldManager: string;
  parallelism: number;
  /** Types the server serves now (group/version/plural keys of crds.ts). */
  served: ReadonlySet<string>;
  signal?: AbortSignal;
}

/** Fields the server sets on every write; a difference there is not a change of the object. */
const IGNORED = new Set([
  'metadata.managedFields',
  'metadata.resourceVersion',
  'metadata.generation',
  'metadata.creationTimestamp',
  'metadata.uid',
  'status',
]);
const MAX_DIFF_LINES = 50;
const MAX_VALUE = 60;

const show = (v: unknown): string => {
  if (v === undefined) return '(none)';
  const s = JSON.stringify(v);
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE)}…` : s;
};

/**
 * The paths at which `after` differs from `before` (`spec.replicas: 2 → 3`), in key order; lists of
 * different lengths are one line. With `secret`, values under `data` and `stringData` are never shown:
 * `data.password: changed`. At most 50 lines; the last says how many more there were.
 */
export function diffPaths(before: unknown, after: unknown, secret = false): string[] {
  const out: string[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (IGNORED.has(path)) return;
    if (secret && /^(data|stringData)\.[^.]+$/.test(path)) {
      if (JSON.stringify(a) !== JSON.stringify(b))
        out.push(`${path}: ${a === undefined ? 'added' : b === undefined ? 'removed' : 'changed'}`);
      return;
    }
    if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const k of keys) walk(a[k], b[k], path ? `${path}.${k}` : k);
      return;
    }
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      a.forEach((x, i) => walk(x, b[i], `${path}[${i}]`));
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    if (secret && (path === 'data' || path === 'stringData')) {
      out.push(`${path}: changed`);
      return;
    }
    const len = (v: unknown): string => (Array.isArray(v) ? `[${v.length} items]` : show(v));
    out.push(`${path}: ${len(a)} → ${len(b)}`);
  };
  walk(before, after, '');
  if (out.length <= MAX_DIFF_LINES) return out;
  return [...out.slice(0, MAX_DIFF_LINES - 1), `… and ${out.length - MAX_DIFF_LINES + 1} more`];
}

const isSecret = (p: PlannedObject): boolean => p.type.group === '' && p.type.kind === 'Secret';

/** What writing `p` would do, found without writing anything. Never throws for the object's sake. */
export async function dryRunObject(ctx: DryRunContext, p: PlannedObject): Promise<ObjectResult> {
  const result = resultOf(p);
  const clean = messageRedactor(p);
  try {
    const { refs } = await ctx.book.resolve(p.owners, false);
    const body = withOwners(p, refs);
    const served = isServed(ctx.served, p.type);
    const live = served ? await ctx.client.find(p.type, p.name, p.namespace, ctx.signal) : undefined;
    if (!live) return await wouldCreate(ctx, p, body, served, result);
    if (!ctx.override) {
      return {
        ...result,
        outcome: 'skipped',
        reason: 'AlreadyExists',
        message: 'exists already; would be left untouched',
      };
    }
    const applied = await ctx.client.apply<KubeObject>(p.type, body, {
      fieldManager: ctx.fieldManager,
      force: true,
      dryRun: true,
      signal: ctx.signal,
    });
    const diff = diffPaths(live, applied, isSecret(p));
    return diff.length === 0
      ? { ...result, outcome: 'unchanged', reason: 'AlreadyExists', message: 'exists already, as dumped' }
      : { ...result, outcome: 'updated', reason: 'AlreadyExists', message: 'would be updated', diff };
  } catch (err) {
    ctx.signal?.throwIfAborted();
    const failed = failureOf(p, err).result;
    return { ...failed, message: clean(`would fail: ${failed.message ?? apiMessage(err)}`) };
  }
}

async function wouldCreate(
  ctx: DryRunContext,
  p: PlannedObject,
  body: KubeObject,
  served: boolean,
  result: ObjectResult,
): Promise<ObjectResult> {
  const created: ObjectResult = { ...result, outcome: 'created', reason: 'DryRun' };
  if (!served) {
    const crd = p.type.group ? `; its type is served once CRD ${crdNameOf(p.type)} is restored` : '';
    return {
      ...created,
      message: `would be created; not validated: ${apiVersionOf(p.type)} ${p.type.kind} is not served${crd}`,
    };
  }
  try {
    await ctx.client.create(p.type, body, {
      namespace: p.namespace,
      fieldManager: ctx.fieldManager,
      dryRun: true,
      signal: ctx.signal,
    });
    return { ...created, message: 'would be created' };
  } catch (err) {
    ctx.signal?.throwIfAborted();
    if (statusCode(err) === 404) {
      const why = p.namespace ? `namespace ${p.namespace} does not exist yet` : 'its type is not served yet';
      return { ...created, message: `would be created; not validated: ${why}` };
    }
    if (statusCode(err) === 409) {
      return {
        ...result,
        outcome: 'skipped',
        reason: 'AlreadyExists',
        message: 'exists already; would be left untouched',
      };
    }
    const failed = failureOf(p, err).result;
    return { ...failed, message: `would fail: ${failed.message ?? ''}` };
  }
}

/**
 * The plan's steps, in order, each object looked at with `parallelism` requests in flight; one result per
 * object, in plan order. Nothing is written: every write carries `dryRun=All`.
 */
export async function dryRunSteps(ctx: DryRunContext, steps: readonly PlanStep[]): Promise<ObjectResult[]> {
  const out: ObjectResult[] = [];
  for (const step of steps) {
    const slots = new Array<ObjectResult>(step.objects.length);
    await forEachLimit(step.objects, ctx.parallelism, async (p, i) => {
      slots[i] = await dryRunObject(ctx, p);
    });
    out.push(...slots);
  }
  return out;
}
