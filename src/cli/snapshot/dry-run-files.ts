// `manifest-restore --dry-run-dir D`: the objects a restore would send, as the engine planned them
// (sanitised, transformed, mapped, without ownerReferences), written as KubeStash's dry run writes them:
// `D/<groupResource>/cluster/<name>.yaml` and `D/<groupResource>/namespaces/<ns>/<name>.yaml`. The engine
// hands its plan over (RestoreOptions.onPlanned) before it writes anything, so the files are exactly what
// the run sends. They may hold Secret data, as the dump does: files 0600, directories 0700.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { v2Path } from '../../dump/layout.ts';
import { renderYaml } from '../../dump/render.ts';
import type { PlannedObject, PlanStep } from '../../restore/types.ts';

/** The file of one planned object, relative to the dry-run directory. */
export function dryRunPath(p: Pick<PlannedObject, 'resource' | 'namespace' | 'name' | 'type'>): string {
  return v2Path({ resourceId: p.resource, kind: p.type.kind, namespace: p.namespace ?? '', name: p.name });
}

/** Writes every planned object of `steps` under `dir`; resolves with how many. */
export async function writeDryRunFiles(steps: readonly PlanStep[], dir: string): Promise<number> {
  const base = resolve(dir);
  let written = 0;
  for (const step of steps) {
    for (const p of step.objects) {
      const file = join(base, dryRunPath(p));
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      await writeFile(file, renderYaml(p.object), { mode: 0o600 });
      written++;
    }
  }
  return written;
}
