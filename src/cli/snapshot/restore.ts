// `cairn manifest-restore --snapshot S`: the manifest component downloaded (into `--data-dir`, or a temporary
// directory removed afterwards), and the restore engine (src/restore/engine.ts) run from this machine with
// the user's identity: per-object results grouped by outcome, the counts, and exit code 1 when any object
// failed. A dry run writes nothing to the cluster and says what would change; with `--dry-run-dir`, it
// also writes the objects it would send there (dry-run-files.ts).
import { stringify } from 'yaml';
import { restore } from '../../restore/engine.ts';
import type { ObjectResult, RestoreSummary } from '../../restore/types.ts';
import type { ConnectionFlags, RunContext } from './context.ts';
import type { RestoreRequest } from './flags.ts';
import { writeDryRunFiles } from './dry-run-files.ts';
import { withManifestTrees } from './manifest-source.ts';
import { restoreReport, renderReport } from './results-view.ts';

export async function runRestore(
  ctx: RunContext,
  request: RestoreRequest,
  flags: ConnectionFlags,
): Promise<void> {
  const summary = await withManifestTrees(ctx, flags, request.snapshot, request.dataDir, async (roots) => {
    const summaries: RestoreSummary[] = [];
    const dryRunDir = request.dryRunDir;
    for (const root of roots) {
      summaries.push(
        await restore({
          client: ctx.client,
          root,
          filter: request.filter,
          overrideResources: request.overrideResources,
          restorePVs: request.restorePVs,
          storageClassMappings: request.storageClassMappings,
          namespaceMappings: request.namespaceMappings,
          maxIterations: request.maxIterations,
          dryRun: request.dryRun,
          signal: ctx.signal,
          ...(dryRunDir !== undefined && {
            onPlanned: async (steps) => {
              await writeDryRunFiles(steps, dryRunDir);
            },
          }),
        }),
      );
    }
    return merge(summaries);
  });
  const report = restoreReport(request.snapshot, summary, {
    dryRun: request.dryRun,
    ...(request.dryRunDir !== undefined ? { dryRunDir: request.dryRunDir } : {}),
  });
  if (request.format === 'text') ctx.print(renderReport(report));
  else ctx.print(request.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : stringify(report));
  if (summary.counts.failed > 0) process.exitCode = 1;
}

/** One summary of the restores of several trees (a Snapshot whose component holds several). */
function merge(summaries: readonly RestoreSummary[]): RestoreSummary {
  const results: ObjectResult[] = summaries.flatMap((s) => s.results);
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const s of summaries)
    for (const o of Object.keys(counts) as (keyof typeof counts)[]) counts[o] += s.counts[o];
  return {
    counts,
    results,
    passes: Math.max(0, ...summaries.map((s) => s.passes)),
    durationMs: summaries.reduce((n, s) => n + s.durationMs, 0),
  };
}
