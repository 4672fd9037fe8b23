// The dump tree of a manifest Snapshot on this machine, for manifest-view and manifest-restore: its
// `manifest` component downloaded into `--data-dir` (kept) or a private temporary directory (removed when
// the work is done, also after an error or Ctrl-C), and the directory each restic snapshot's tree is in.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ConnectionFlags, RunContext } from './context.ts';
import { fetchSnapshot } from './fetch.ts';

/** The kubedump Addon's one component (reference §5.5). */
export const MANIFEST_COMPONENT = 'manifest';

/**
 * Downloads the Snapshot's manifest component and runs `work` with the roots of its dump trees (one per
 * restic snapshot, usually one). With `dataDir`, the files stay in `<dataDir>/<snapshot>/manifest/`.
 */
export async function withManifestTrees<T>(
  ctx: RunContext,
  flags: ConnectionFlags,
  snapshot: string,
  dataDir: string | undefined,
  work: (roots: string[]) => Promise<T>,
): Promise<T> {
  const temp = dataDir === undefined ? await mkdtemp(join(tmpdir(), 'cairn-snapshot-')) : undefined;
  try {
    const target = temp ?? join(resolve(dataDir ?? '.'), snapshot);
    const result = await fetchSnapshot({
      client: ctx.client,
      snapshot,
      target,
      components: [MANIFEST_COMPONENT],
      ...(flags.restic !== undefined ? { restic: flags.restic } : {}),
      ...(flags.localRoot !== undefined ? { localRoot: flags.localRoot } : {}),
      book: ctx.book,
      progress: ctx.progress,
      signal: ctx.signal,
    });
    const roots = result.components.flatMap((c) => c.trees.map((t) => t.root));
    return await work([...new Set(roots)]);
  } finally {
    if (temp !== undefined) await rm(temp, { recursive: true, force: true });
  }
}
