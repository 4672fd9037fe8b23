// Which resource types a dump lists and where (cluster-wide or in given namespaces), from discovery and
// the scope of the backup (reference §5.2). Pure: the caller runs discovery once and passes its result.
import {
  DEFAULT_EXCLUDED_RESOURCES,
  resourceId,
  selectResources,
  type ApiResource,
  type KubedumpFilter,
} from '../api/kubedump-filter.ts';
import type { ResourceType } from '../api/resource-type.ts';
import type { ApplicationTarget } from './application.ts';
import type { Layout } from './layout.ts';
import type { Generation } from './sanitize.ts';

/** What is dumped: the second generation's filter, or a first-generation target. */
export type DumpScope =
  | { generation: 'v2'; filter: KubedumpFilter }
  | { generation: 'v1'; target: 'cluster'; labelSelector?: string; sanitize?: boolean }
  | { generation: 'v1'; target: 'namespace'; namespace: string; labelSelector?: string; sanitize?: boolean }
  | ({ generation: 'v1'; target: 'application'; sanitize?: boolean } & ApplicationTarget);

/** One LIST to run: a resource type, cluster-wide (`namespaces` undefined) or in each of `namespaces`. */
export interface TypePlan {
  resource: ResourceType;
  /** The filters' resource id (`deployments.apps`). */
  id: string;
  namespaces?: readonly string[];
  /** A server-side label selector (first generation). */
  labelSelector?: string;
}

/** A discovered resource as far as selection needs it (what `src/kube/discovery.ts` reports). */
export interface DiscoveredType extends ResourceType {
  verbs: readonly string[];
  preferred: boolean;
}

/** Above this many included namespaces one cluster-wide LIST is cheaper than one LIST per namespace. */
export const MAX_PER_NAMESPACE_LISTS = 16;

const toApi = (r: DiscoveredType): ApiResource => ({
  group: r.group,
  version: r.version,
  name: r.plural,
  kind: r.kind,
  namespaced: r.namespaced,
  verbs: r.verbs,
});

const toType = (r: DiscoveredType): ResourceType => ({
  group: r.group,
  version: r.version,
  plural: r.plural,
  kind: r.kind,
  namespaced: r.namespaced,
});

/** The namespaces to list in one by one, or undefined when one cluster-wide LIST is the better choice. */
export function namespacesToList(filter: KubedumpFilter): string[] | undefined {
  const { includes, excludes } = filter.namespaces;
  if (includes.size === 0 || includes.has('*')) return undefined;
  const names = [...includes].filter((n) => !excludes.has(n)).sort();
  return names.length <= MAX_PER_NAMESPACE_LISTS ? names : undefined;
}

/**
 * The first generation's file layouts are keyed by Kind, so two served types of one Kind (`events` and
 * `events.events.k8s.io`) would write the same files: keep the core group's, else the first group by name.
 */
function onePerKind(types: DiscoveredType[]): DiscoveredType[] {
  const byKind = new Map<string, DiscoveredType>();
  for (const t of types) {
    const seen = byKind.get(t.kind);
    if (!seen || (t.group === '' && seen.group !== '') || (seen.group !== '' && t.group < seen.group))
      byKind.set(t.kind, t);
  }
  return types.filter((t) => byKind.get(t.kind) === t);
}

/**
 * The LISTs of a dump, sorted by resource id: the server-preferred version of every dumpable type (not a
 * subresource; get, list and create served; never `nodes` or `endpointslices.discovery.k8s.io`) that the
 * scope selects.
 */
export function planTypes(discovered: readonly DiscoveredType[], scope: DumpScope): TypePlan[] {
  const preferred = discovered.filter((r) => r.preferred);
  const byId = (a: TypePlan, b: TypePlan): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (scope.generation === 'v2') {
    const chosen = new Set(selectResources(preferred.map(toApi), scope.filter).map((r) => resourceId(r)));
    const namespaces = namespacesToList(scope.filter);
    return preferred
      .filter((r) => chosen.has(resourceId(toApi(r))))
      .map((r) => ({
        resource: toType(r),
        id: resourceId(toApi(r)),
        ...(r.namespaced && namespaces && { namespaces }),
      }))
      .sort(byId);
  }
  // The first generation needs get and list only (it predates the `create` requirement).
  const dumpable = preferred.filter(
    (r) =>
      !r.plural.includes('/') &&
      r.verbs.includes('get') &&
      r.verbs.includes('list') &&
      !DEFAULT_EXCLUDED_RESOURCES.includes(resourceId(toApi(r))),
  );
  // An application is looked for among the namespaced types of its namespace.
  const inScope = scope.target === 'cluster' ? dumpable : dumpable.filter((r) => r.namespaced);
  return onePerKind(inScope)
    .map((r) => ({
      resource: toType(r),
      id: resourceId(toApi(r)),
      ...(scope.target !== 'cluster' && { namespaces: [scope.namespace] }),
      ...(scope.target !== 'application' && scope.labelSelector && { labelSelector: scope.labelSelector }),
    }))
    .sort(byId);
}

/** The layout and sanitizer settings a scope implies. */
export function scopeSettings(scope: DumpScope): {
  layout: Layout | 'v1-application';
  generation: Generation;
  sanitize: boolean;
} {
  if (scope.generation === 'v2') return { layout: 'v2', generation: 'v2', sanitize: true };
  return {
    layout:
      scope.target === 'cluster'
        ? 'v1-cluster'
        : scope.target === 'namespace'
          ? 'v1-namespace'
          : 'v1-application',
    generation: 'v1',
    sanitize: scope.sanitize ?? true,
  };
}
