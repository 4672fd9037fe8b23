// Writes deploy/crds/ from the Kinds in src/api/kinds/: one CustomResourceDefinition per Kind
// (<group>_<plural>.yaml) and the kustomization listing them. Files in deploy/crds/ that the generator no
// longer produces are removed. With --check, writes nothing and exits 1 when deploy/crds/ is out of date.
//
//   tools/with-node.sh node tools/gen-crds.ts [--check]
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_KINDS } from '../src/api/kinds/index.ts';
import { crdFiles } from '../src/api/schema/crd.ts';

export const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'crds');

/** Names of the files that differ from what the generator produces, or should not be there. */
export function staleFiles(dir: string = CRD_DIR): string[] {
  const wanted = new Map(crdFiles(ALL_KINDS).map((f) => [f.name, f.content]));
  const present = existsSync(dir) ? readdirSync(dir) : [];
  const stale = present.filter((name) => !wanted.has(name));
  for (const [name, content] of wanted) {
    const path = join(dir, name);
    if (!existsSync(path) || readFileSync(path, 'utf8') !== content) stale.push(name);
  }
  return stale.sort();
}

function main(args: string[]): number {
  if (args.includes('--check')) {
    const stale = staleFiles();
    if (stale.length === 0) return 0;
    process.stderr.write(`deploy/crds is out of date (${stale.join(', ')}): run \`make generate\`\n`);
    return 1;
  }
  mkdirSync(CRD_DIR, { recursive: true });
  const files = crdFiles(ALL_KINDS);
  const names = new Set(files.map((f) => f.name));
  for (const name of readdirSync(CRD_DIR)) {
    if (!names.has(name)) rmSync(join(CRD_DIR, name));
  }
  let written = 0;
  for (const f of files) {
    const path = join(CRD_DIR, f.name);
    if (existsSync(path) && readFileSync(path, 'utf8') === f.content) continue;
    writeFileSync(path, f.content);
    written++;
  }
  process.stdout.write(`deploy/crds: ${files.length} files, ${written} written\n`);
  return 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
