// The per-object results of a restore, counted and written out. The results file is JSON lines, one
// ObjectResult per line in the order the results were decided, so a task or the CLI can stream it, and a
// person can grep it. Results never carry Secret data (apply.ts and dry-run.ts see to their messages).
import { writeFile } from 'node:fs/promises';
import type { ObjectResult, Outcome, OutcomeCounts, RestoreSummary } from './types.ts';

export const OUTCOMES: readonly Outcome[] = ['created', 'updated', 'unchanged', 'skipped', 'failed'];

/** Every outcome at zero. */
export function emptyCounts(): OutcomeCounts {
  return { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
}

/** How many results have each outcome. */
export function countOutcomes(results: Iterable<ObjectResult>): OutcomeCounts {
  const counts = emptyCounts();
  for (const r of results) counts[r.outcome]++;
  return counts;
}

/** `3 created, 1 skipped, 0 failed`: the non-zero outcomes, and always the failures. */
export function countsLine(counts: OutcomeCounts): string {
  return OUTCOMES.filter((o) => counts[o] > 0 || o === 'failed')
    .map((o) => `${counts[o]} ${o}`)
    .join(', ');
}

/** The identity of a result for messages: `deployments.apps ns/name` or `namespaces name`. */
export function resultId(r: Pick<ObjectResult, 'resource' | 'namespace' | 'name'>): string {
  return `${r.resource} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

/** The results as JSON lines, one per object, ending in a newline (empty for no results). */
export function resultLines(results: readonly ObjectResult[]): string {
  return results.map((r) => `${JSON.stringify(r)}\n`).join('');
}

/** Writes the summary's results to `path` as JSON lines (mode 0600: names and messages of a cluster). */
export async function writeResults(path: string, summary: RestoreSummary): Promise<void> {
  await writeFile(path, resultLines(summary.results), { mode: 0o600 });
}
