// What `cairn manifest-view` prints: the objects of a Snapshot's dump that pass the filters, as a tree of
// resource type → namespace → names with counts, or the same as data. Pure.
import {
  shouldIncludeObject,
  shouldIncludeResource,
  type KubedumpFilter,
} from '../../api/kubedump-filter.ts';
import { isObject } from '../../common/json.ts';
import type { DumpItem } from '../../restore/types.ts';

/** One resource type of the tree. */
export interface TypeNode {
  /** The filter id (`deployments.apps`); for a v1 dump whose type was not resolved, `Kind (apiVersion)`. */
  resource: string;
  count: number;
  /** Names of its cluster-scoped objects, sorted. */
  cluster: string[];
  namespaces: { namespace: string; count: number; names: string[] }[];
}

export interface ManifestTree {
  snapshot: string;
  total: number;
  /** Sorted by resource id. */
  types: TypeNode[];
  /** Namespaces holding at least one object shown, sorted. */
  namespaces: string[];
}

/** The resource id an item is shown and filtered under. */
export function resourceOf(item: DumpItem): string {
  return item.resource ?? `${item.kind} (${item.apiVersion})`;
}

function labelsOf(item: DumpItem): Record<string, string> | undefined {
  const metadata = item.object.metadata;
  if (!isObject(metadata) || !isObject(metadata.labels)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metadata.labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Whether the filters of a backup select `item`: its type (cluster-scoped only with
 * include-cluster-resources), its namespace and its labels, with the rules of src/api/kubedump-filter.ts.
 */
export function selected(filter: KubedumpFilter, item: DumpItem): boolean {
  const namespaced = item.namespace !== undefined && item.namespace !== '';
  if (!shouldIncludeResource(filter, resourceOf(item), namespaced)) return false;
  return shouldIncludeObject(filter, {
    ...(namespaced ? { namespace: item.namespace } : {}),
    ...(labelsOf(item) ? { labels: labelsOf(item) } : {}),
  });
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The tree of the items `filter` selects. */
export function manifestTree(
  snapshot: string,
  items: readonly DumpItem[],
  filter: KubedumpFilter,
): ManifestTree {
  const types = new Map<string, { cluster: string[]; namespaces: Map<string, string[]> }>();
  const namespaces = new Set<string>();
  let total = 0;
  for (const item of items) {
    if (!selected(filter, item)) continue;
    const id = resourceOf(item);
    let node = types.get(id);
    if (!node) types.set(id, (node = { cluster: [], namespaces: new Map() }));
    total++;
    if (item.namespace === undefined || item.namespace === '') {
      node.cluster.push(item.name);
      continue;
    }
    namespaces.add(item.namespace);
    const names = node.namespaces.get(item.namespace) ?? [];
    names.push(item.name);
    node.namespaces.set(item.namespace, names);
  }
  return {
    snapshot,
    total,
    types: [...types.entries()]
      .sort(([a], [b]) => byText(a, b))
      .map(([resource, node]) => {
        const nsList = [...node.namespaces.entries()]
          .sort(([a], [b]) => byText(a, b))
          .map(([namespace, names]) => ({ namespace, count: names.length, names: names.sort(byText) }));
        return {
          resource,
          count: node.cluster.length + nsList.reduce((n, ns) => n + ns.count, 0),
          cluster: node.cluster.sort(byText),
          namespaces: nsList,
        };
      }),
    namespaces: [...namespaces].sort(byText),
  };
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * The tree as text: each type with its count, its cluster-scoped names, then each namespace with its
 * count and names; a total line last.
 */
export function renderTree(tree: ManifestTree): string {
  const lines: string[] = [];
  for (const type of tree.types) {
    lines.push(`${type.resource} (${type.count})`);
    if (type.cluster.length > 0) {
      lines.push(`  (cluster-scoped) (${type.cluster.length})`);
      for (const name of type.cluster) lines.push(`    ${name}`);
    }
    for (const ns of type.namespaces) {
      lines.push(`  ${ns.namespace} (${ns.count})`);
      for (const name of ns.names) lines.push(`    ${name}`);
    }
  }
  if (tree.types.length === 0)
    lines.push(`Snapshot ${tree.snapshot} holds no object that passes the filters.`);
  else {
    lines.push(
      `Total: ${plural(tree.total, 'object')} of ${plural(tree.types.length, 'resource type')} in ` +
        `${plural(tree.namespaces.length, 'namespace')} (Snapshot ${tree.snapshot})`,
    );
  }
  return `${lines.join('\n')}\n`;
}
