// `manifest-restore --dry-run-dir D`: the objects a restore would send, as the plan makes them (sanitised,
// transformed, mapped, without ownerReferences), written as KubeStash's dry run writes them:
// `D/<groupResource>/cluster/<name>.yaml` and `D/<groupResource>/namespaces/<ns>/<name>.yaml`. The plan is
// made as the engine makes it (src/restore/plan.ts from discovery and the tree), so the files are what a
// real run would write. They may hold Secret data, as the dump does: files 0600, directories 0700.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { v2Path } from '../../dump/layout.ts';
import { renderYaml } from '../../dump/render.ts';
import { discover } from '../../kube/discovery.ts';
import type { KubeClient } from '../../kube/types.ts';
import { planRestore } from '../../restore/plan.ts';
import { readTree } from '../../restore/read-tree.ts';
import { typesFromDump } from '../../restore/types-from-dump.ts';
import type { PlannedObject } from '../../restore/types.ts';
import type { RestoreRequest } from './flags.ts';

/** The file of one planned object, relative to the dry-run directory. */
export function dryRunPath(p: Pick<PlannedObject, 'resource' | 'namespace' | 'name' | 'type'>): string {
  return v2Path({ resourceId: p.resource, kind: p.type.kind, namespace: p.namespace ?? '', name: p.name });
}

/** Writes every object the plan of `root` would send under `dir`; resolves with how many. */
export async function writeDryRunFiles(
  client: KubeClient,
  root: string,
  request: Pick<RestoreRequest, 'filter' | 'restorePVs' | 'storageClassMappings' | 'namespaceMappings'>,
  dir: string,
  signal?: AbortSignal,
): Promise<number> {
  const [discovery, tree] = await Promise.all([discover(client, signal ? { signal } : {}), readTree(root)]);
  const plan = planRestore({
    items: tree.items,
    types: [
      ...discovery.resources.filter((r) => r.preferred && !r.plural.includes('/')),
      ...typesFromDump(tree.items),
    ],
    filter: request.filter,
    restorePVs: request.restorePVs,
    storageClassMappings: request.storageClassMappings,
    namespaceMappings: request.namespaceMappings,
  });
  const base = resolve(dir);
  let written = 0;
  for (const step of plan.steps) {
    for (const p of step.objects) {
      const file = join(base, dryRunPath(p));
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, renderYaml(p.object), { mode: 0o600 });
      written++;
    }
  }
  return written;
}
