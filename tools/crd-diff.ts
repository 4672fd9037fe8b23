// Compares Cairn's CRDs with a directory of upstream CRDs: for every upstream Kind, lists each field path
// that Cairn's schema lacks or types differently, the upstream paths Cairn keeps without validating them
// (under a field that preserves unknown fields), and differences in names, scope, subresources and
// printer columns.
//
//   tools/with-node.sh node tools/crd-diff.ts <upstream-crd-dir> [--ours <dir>] [--verbose] [--strict]
//
// --ours defaults to the repository's deploy/crds; --verbose lists every loosely kept path; --strict exits
// 1 when a field is missing or typed differently.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

type Schema = Record<string, unknown>;

export interface FieldType {
  /** `string`, `integer`, `object`, `array`, `boolean`, `number`, `int-or-string`, or `any`. */
  type: string;
  format?: string;
  preserveUnknownFields: boolean;
}

function isRecord(v: unknown): v is Schema {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fieldType(node: Schema): FieldType {
  const type =
    node['x-kubernetes-int-or-string'] === true
      ? 'int-or-string'
      : typeof node.type === 'string'
        ? node.type
        : 'any';
  return {
    type,
    ...(typeof node.format === 'string' ? { format: node.format } : {}),
    preserveUnknownFields: node['x-kubernetes-preserve-unknown-fields'] === true,
  };
}

/** Every node of a schema by path: `.spec.sessions[].name`, `{}` for the values of a map. */
export function flattenSchema(
  schema: Schema,
  path = '',
  out = new Map<string, FieldType>(),
): Map<string, FieldType> {
  out.set(path, fieldType(schema));
  if (isRecord(schema.properties)) {
    for (const [name, child] of Object.entries(schema.properties)) {
      if (isRecord(child)) flattenSchema(child, `${path}.${name}`, out);
    }
  }
  if (isRecord(schema.items)) flattenSchema(schema.items, `${path}[]`, out);
  if (isRecord(schema.additionalProperties)) flattenSchema(schema.additionalProperties, `${path}{}`, out);
  return out;
}

function parentPath(path: string): string {
  if (path.endsWith('[]') || path.endsWith('{}')) return path.slice(0, -2);
  const dot = path.lastIndexOf('.');
  return dot <= 0 ? '' : path.slice(0, dot);
}

function showType(t: FieldType): string {
  return t.format ? `${t.type}/${t.format}` : t.type;
}

export interface SchemaDiff {
  /** Upstream paths absent from ours and not under a field of ours that keeps unknown fields. */
  missing: string[];
  /** Paths both have, with different types or formats: `path: upstream → ours`. */
  typeDiffers: string[];
  /** Upstream paths kept as written, not validated, by a field of ours: that field → the paths. */
  loose: Map<string, string[]>;
}

/** Server-owned fields whose schema a CRD cannot specify. */
const IGNORED_PREFIXES = ['.metadata.', '.apiVersion', '.kind'];

export function diffSchemas(upstream: Schema, ours: Schema): SchemaDiff {
  const theirs = flattenSchema(upstream);
  const mine = flattenSchema(ours);
  const diff: SchemaDiff = { missing: [], typeDiffers: [], loose: new Map() };
  for (const [path, type] of theirs) {
    if (path === '' || IGNORED_PREFIXES.some((p) => path.startsWith(p))) continue;
    const own = mine.get(path);
    if (own) {
      const sameType = own.type === type.type || own.type === 'any';
      const sameFormat = !type.format || !own.format || type.format === own.format;
      if (!sameType || !sameFormat) diff.typeDiffers.push(`${path}: ${showType(type)} → ${showType(own)}`);
      continue;
    }
    let ancestor = parentPath(path);
    while (ancestor !== '' && !mine.has(ancestor)) ancestor = parentPath(ancestor);
    if (mine.get(ancestor)?.preserveUnknownFields) {
      const paths = diff.loose.get(ancestor) ?? [];
      paths.push(path);
      diff.loose.set(ancestor, paths);
    } else {
      diff.missing.push(path);
    }
  }
  return diff;
}

export interface CrdDiff extends SchemaDiff {
  kind: string;
  group: string;
  /** Differences in names, scope, subresources or printer columns; `absent` when ours has no such Kind. */
  definition: string[];
}

function versionOf(crd: Schema): Schema {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const versions = Array.isArray(spec.versions) ? (spec.versions as Schema[]) : [];
  return versions.find((v) => v.storage === true) ?? versions[0] ?? {};
}

function schemaOf(crd: Schema): Schema {
  const schema = versionOf(crd).schema;
  return isRecord(schema) && isRecord(schema.openAPIV3Schema) ? schema.openAPIV3Schema : {};
}

function names(crd: Schema): Schema {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  return isRecord(spec.names) ? spec.names : {};
}

function compareDefinition(upstream: Schema, ours: Schema): string[] {
  const out: string[] = [];
  const same = (what: string, a: unknown, b: unknown): void => {
    const sa = JSON.stringify(a ?? null);
    const sb = JSON.stringify(b ?? null);
    if (sa !== sb) out.push(`${what}: ${sa} → ${sb}`);
  };
  const [un, on] = [names(upstream), names(ours)];
  for (const key of ['plural', 'singular', 'listKind']) same(`names.${key}`, un[key], on[key]);
  for (const key of ['shortNames', 'categories']) {
    same(
      `names.${key}`,
      [...((un[key] as string[]) ?? [])].sort(),
      [...((on[key] as string[]) ?? [])].sort(),
    );
  }
  same('scope', (upstream.spec as Schema).scope, (ours.spec as Schema).scope);
  const subresources = (c: Schema) =>
    Object.keys((versionOf(c).subresources as Schema | undefined) ?? {}).sort();
  same('subresources', subresources(upstream), subresources(ours));
  const columns = (c: Schema) =>
    ((versionOf(c).additionalPrinterColumns as Schema[] | undefined) ?? []).map(
      (col) => `${String(col.name)} ${String(col.jsonPath)} ${String(col.type)}`,
    );
  same('printer columns', columns(upstream), columns(ours));
  return out;
}

function loadCrds(dir: string): Map<string, Schema> {
  const crds = new Map<string, Schema>();
  for (const file of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(file)) continue;
    const doc: unknown = parse(readFileSync(join(dir, file), 'utf8'));
    if (!isRecord(doc) || doc.kind !== 'CustomResourceDefinition') continue;
    const spec = isRecord(doc.spec) ? doc.spec : {};
    crds.set(`${String(spec.group)}/${String(names(doc).kind)}`, doc);
  }
  return crds;
}

export function diffCrdDirs(upstreamDir: string, oursDir: string): CrdDiff[] {
  const upstream = loadCrds(upstreamDir);
  const ours = loadCrds(oursDir);
  const result: CrdDiff[] = [];
  for (const [key, crd] of upstream) {
    const [group = '', kind = ''] = key.split('/');
    const own = ours.get(key);
    if (!own) {
      result.push({ kind, group, definition: ['absent'], missing: [], typeDiffers: [], loose: new Map() });
      continue;
    }
    result.push({
      kind,
      group,
      definition: compareDefinition(crd, own),
      ...diffSchemas(schemaOf(crd), schemaOf(own)),
    });
  }
  return result;
}

export function formatReport(diffs: readonly CrdDiff[], verbose = false): string {
  const lines: string[] = [];
  let missing = 0;
  let differs = 0;
  let loose = 0;
  for (const d of diffs) {
    const looseCount = [...d.loose.values()].reduce((n, p) => n + p.length, 0);
    missing += d.missing.length;
    differs += d.typeDiffers.length;
    loose += looseCount;
    lines.push(`${d.kind} (${d.group})`);
    for (const line of d.definition) lines.push(`  definition: ${line}`);
    lines.push(`  missing: ${d.missing.length}`);
    for (const path of d.missing) lines.push(`    ${path}`);
    lines.push(`  type differs: ${d.typeDiffers.length}`);
    for (const line of d.typeDiffers) lines.push(`    ${line}`);
    lines.push(`  kept as written, not validated: ${looseCount} paths under ${d.loose.size} fields`);
    const fields = [...d.loose].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (verbose) {
      for (const [field, paths] of fields) {
        lines.push(`    ${field}: ${paths.length}`);
        for (const path of paths) lines.push(`      ${path}`);
      }
    } else if (fields.length > 0) {
      // One line per field name (affinity, volumes[]...): how many such fields, how many upstream paths.
      const byName = new Map<string, { fields: number; paths: number }>();
      for (const [field, paths] of fields) {
        const name = field.slice(Math.max(field.lastIndexOf('.'), 0)).replace(/^\./, '');
        const entry = byName.get(name) ?? { fields: 0, paths: 0 };
        entry.fields++;
        entry.paths += paths.length;
        byName.set(name, entry);
      }
      const parts = [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      lines.push(`    ${parts.map(([name, e]) => `${name} ${e.fields}/${e.paths}`).join(', ')}`);
    }
  }
  lines.push(
    `total: ${diffs.length} kinds, ${missing} missing, ${differs} typed differently, ${loose} kept as written without validation`,
  );
  return `${lines.join('\n')}\n`;
}

function main(args: string[]): number {
  const positional = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--ours');
  const upstreamDir = positional[0];
  if (!upstreamDir) {
    process.stderr.write('usage: crd-diff.ts <upstream-crd-dir> [--ours <dir>] [--verbose] [--strict]\n');
    return 2;
  }
  const oursIndex = args.indexOf('--ours');
  const oursDir =
    oursIndex >= 0 && args[oursIndex + 1]
      ? args[oursIndex + 1]!
      : join(dirname(fileURLToPath(import.meta.url)), '..', 'deploy', 'crds');
  const diffs = diffCrdDirs(upstreamDir, oursDir);
  process.stdout.write(formatReport(diffs, args.includes('--verbose')));
  const bad = diffs.some(
    (d) => d.missing.length > 0 || d.typeDiffers.length > 0 || d.definition.includes('absent'),
  );
  return args.includes('--strict') && bad ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
