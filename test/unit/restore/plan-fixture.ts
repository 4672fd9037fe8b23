// The planner as the plan tests call it (the fixture types, a filter from options) and the lines they
// assert on: the planned objects and the reasons of those skipped or failed.
import { kubedumpFilter, type KubedumpFilterOptions } from '../../../src/api/kubedump-filter.ts';
import { planRestore, type PlanInput } from '../../../src/restore/plan.ts';
import type { DumpItem } from '../../../src/restore/types.ts';
import { TYPES } from './fixtures.ts';

export const NS = { namespace: 'demo' };

export function plan(items: DumpItem[], filter: KubedumpFilterOptions = {}, more: Partial<PlanInput> = {}) {
  return planRestore({ items, types: TYPES, filter: kubedumpFilter(filter), ...more });
}

/** `reason name` of every skipped or failed object. */
export const reasons = (p: ReturnType<typeof plan>): string[] =>
  p.results.map((r) => `${r.outcome} ${r.reason} ${r.name}`);
export const planned = (p: ReturnType<typeof plan>): string[] =>
  p.steps.flatMap((s) => s.objects.map((o) => `${o.type.kind}/${o.namespace ?? '-'}/${o.name}`));
