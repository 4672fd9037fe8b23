// `cairn manifest-view --snapshot S`: the manifest component downloaded into a temporary directory, its dump
// tree read, the filters applied, and the tree of type → namespace → names printed (or the same as data).
import { stringify } from 'yaml';
import { readTree, type TreeProblem } from '../../restore/read-tree.ts';
import type { DumpItem } from '../../restore/types.ts';
import type { ViewRequest } from './commands.ts';
import type { ConnectionFlags, RunContext } from './context.ts';
import { filterData } from './flags.ts';
import { withManifestTrees } from './manifest-source.ts';
import { manifestTree, renderTree } from './tree-view.ts';

export async function runView(ctx: RunContext, request: ViewRequest, flags: ConnectionFlags): Promise<void> {
  const { items, problems } = await withManifestTrees(
    ctx,
    flags,
    request.snapshot,
    undefined,
    async (roots) => {
      const all: DumpItem[] = [];
      const bad: TreeProblem[] = [];
      for (const root of roots) {
        const tree = await readTree(root);
        all.push(...tree.items);
        bad.push(...tree.problems);
      }
      return { items: all, problems: bad };
    },
  );
  for (const p of problems) ctx.notice(`warning: ${p.file}: ${p.message}`);
  const tree = manifestTree(request.snapshot, items, request.filter);
  if (request.format === 'text') {
    ctx.print(renderTree(tree));
    return;
  }
  const data = { ...tree, filter: filterData(request.filter) };
  ctx.print(request.format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data));
}
