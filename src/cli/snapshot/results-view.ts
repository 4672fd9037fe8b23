// What `cairn manifest-restore` prints: the engine's per-object results grouped by outcome (created,
// updated, unchanged, skipped and failed with their reasons), the counts, and for a dry run what would
// change. Pure.
import type { ObjectResult, Outcome, RestoreSummary } from '../../restore/types.ts';

export const OUTCOMES: readonly Outcome[] = ['created', 'updated', 'unchanged', 'skipped', 'failed'];

/** The headings of a dry run, where nothing was written. */
const DRY_RUN_HEADING: Record<Outcome, string> = {
  created: 'would create',
  updated: 'would update',
  unchanged: 'unchanged',
  skipped: 'would skip',
  failed: 'would fail',
};

export interface RestoreReport {
  snapshot: string;
  dryRun: boolean;
  counts: Record<Outcome, number>;
  passes: number;
  durationMs: number;
  /** Each outcome's results, in the order the engine decided them. */
  results: Record<Outcome, ObjectResult[]>;
  /** Where a dry run wrote the objects it would restore. */
  dryRunDir?: string;
}

export function restoreReport(
  snapshot: string,
  summary: RestoreSummary,
  opts: { dryRun: boolean; dryRunDir?: string },
): RestoreReport {
  const results = Object.fromEntries(OUTCOMES.map((o) => [o, [] as ObjectResult[]])) as Record<
    Outcome,
    ObjectResult[]
  >;
  for (const r of summary.results) results[r.outcome].push(r);
  return {
    snapshot,
    dryRun: opts.dryRun,
    counts: { ...summary.counts },
    passes: summary.passes,
    durationMs: summary.durationMs,
    results,
    ...(opts.dryRunDir !== undefined ? { dryRunDir: opts.dryRunDir } : {}),
  };
}

/** `deployments.apps demo/web`, with `(from src)` when the namespace mapping moved it. */
export function objectText(r: ObjectResult): string {
  const where = r.namespace ? `${r.namespace}/${r.name}` : r.name;
  const from = r.sourceNamespace && r.sourceNamespace !== r.namespace ? ` (from ${r.sourceNamespace})` : '';
  return `${r.resource ? `${r.resource} ` : ''}${where}${from}`;
}

function resultLines(r: ObjectResult): string[] {
  const why = [r.reason, r.message].filter((s) => s !== undefined && s !== '').join(': ');
  const lines = [`  ${objectText(r)}${why ? ` — ${why}` : ''}`];
  for (const d of r.diff ?? []) lines.push(`      ${d}`);
  return lines;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The counts in one line: `3 created, 1 updated, 0 unchanged, 2 skipped, 0 failed`. */
export function countsLine(report: Pick<RestoreReport, 'counts' | 'dryRun'>): string {
  return OUTCOMES.map((o) => `${report.counts[o]} ${report.dryRun ? DRY_RUN_HEADING[o] : o}`).join(', ');
}

/** Each outcome that has results, under its heading with its count; then the counts and the passes. */
export function renderReport(report: RestoreReport): string {
  const lines: string[] = [];
  if (report.dryRun)
    lines.push(`Dry run of Snapshot ${report.snapshot}: nothing was written to the cluster.`);
  for (const outcome of OUTCOMES) {
    const list = report.results[outcome];
    if (list.length === 0) continue;
    lines.push(`${report.dryRun ? DRY_RUN_HEADING[outcome] : outcome} (${list.length}):`);
    for (const r of list) lines.push(...resultLines(r));
  }
  lines.push(
    `${report.dryRun ? 'Would restore' : 'Restored'} Snapshot ${report.snapshot}: ${countsLine(report)} ` +
      `(${report.passes} ${report.passes === 1 ? 'pass' : 'passes'}, ${seconds(report.durationMs)})`,
  );
  if (report.dryRunDir !== undefined) lines.push(`The objects it would send are in ${report.dryRunDir}`);
  return `${lines.join('\n')}\n`;
}
