// `cairn manifest-view --snapshot S`: the manifest component downloaded into a temporary directory, its dump
// tree read, the filters applied, and the tree of type → namespace → names printed (or the same as data).
// The first generation's layouts name only the Kind: its resource id is found as the restore finds it,
// from discovery and the dump's own CRDs, so the filters and the tree use the same ids for both layouts.
import { stringify } from 'yaml';
import { qualifiedName } from '../../api/resource-type.ts';
import { discover } from '../../kube/discovery.ts';
import { readTree, type TreeProblem } from '../../restore/read-tree.ts';
import { typeIndex } from '../../restore/type-index.ts';
import { typesFromDump } from '../../restore/types-from-dump.ts';
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
  const tree = manifestTree(request.snapshot, await withResourceIds(ctx, items), request.filter);
  if (request.format === 'text') {
    ctx.print(renderTree(tree));
    return;
  }
  const data = { ...tree, filter: filterData(request.filter) };
  ctx.print(request.format === 'json' ? `${JSON.stringify(data, null, 2)}\n` : stringify(data));
}

/** Items of a v1 layout with the resource id their apiVersion and kind resolve to; others as they are. */
async function withResourceIds(ctx: RunContext, items: DumpItem[]): Promise<DumpItem[]> {
  if (items.every((i) => i.resource !== undefined)) return items;
  const discovery = await discover(ctx.client, { signal: ctx.signal });
  const index = typeIndex([
    ...discovery.resources.filter((r) => r.preferred && !r.plural.includes('/')),
    ...typesFromDump(items),
  ]);
  return items.map((i) => {
    if (i.resource !== undefined) return i;
    const type = index.resolve(i.apiVersion, i.kind);
    return type ? { ...i, resource: qualifiedName(type) } : i;
  });
}
