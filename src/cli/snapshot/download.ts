// `cairn download <snapshot>`: the Snapshot's components restored into `<destination>/<snapshot>/<component>/`
// (each restic snapshot under the directory it backed up, as KubeStash's download lays it out), and a
// summary of how many files and bytes landed where.
import { join, resolve } from 'node:path';
import type { DownloadResult } from '../../restore/download.ts';
import { bytes } from '../repo/output.ts';
import type { ConnectionFlags, RunContext } from './context.ts';
import { componentTotals, fetchSnapshot } from './fetch.ts';
import type { DownloadRequest } from './flags.ts';

export async function runDownload(
  ctx: RunContext,
  request: DownloadRequest,
  flags: ConnectionFlags,
): Promise<void> {
  const target = join(resolve(request.destination), request.snapshot);
  const result = await fetchSnapshot({
    client: ctx.client,
    snapshot: request.snapshot,
    target,
    ...(request.components ? { components: request.components } : {}),
    include: request.include,
    exclude: request.exclude,
    ...(flags.restic !== undefined ? { restic: flags.restic } : {}),
    ...(flags.localRoot !== undefined ? { localRoot: flags.localRoot } : {}),
    book: ctx.book,
    progress: ctx.progress,
    signal: ctx.signal,
  });
  ctx.print(downloadSummary(result, target));
}

/** One line per component (files, bytes, where its trees are), then the total. */
export function downloadSummary(result: DownloadResult, target: string): string {
  const lines: string[] = [];
  let files = 0;
  let total = 0;
  for (const c of result.components) {
    const t = componentTotals(c);
    files += t.files;
    total += t.bytes;
    const where = [...new Set(c.trees.map((tree) => tree.root))].join(', ');
    lines.push(`${c.component}: ${t.files.toLocaleString('en-US')} files, ${bytes(t.bytes)} in ${where}`);
  }
  const n = result.components.length;
  lines.push(
    `Downloaded Snapshot ${result.namespace}/${result.snapshot}: ${n} ${n === 1 ? 'component' : 'components'}, ` +
      `${files.toLocaleString('en-US')} files, ${bytes(total)} into ${target}`,
  );
  return `${lines.join('\n')}\n`;
}
