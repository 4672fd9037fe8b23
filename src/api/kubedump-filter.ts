// Which resources and objects a manifest backup or restore selects, with the semantics of KubeStash's
// kubedump filter parameters (IncludeResources, ExcludeNamespaces, ANDedLabelSelectors, ...). The same
// parameters must select the same objects under either operator, quirks included.

/** One API resource as discovery reports it (server-preferred version). */
export interface ApiResource {
  /** API group; "" for the core group. */
  group: string;
  version: string;
  /** Plural resource name, e.g. "deployments"; subresources contain a "/". */
  name: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
}

/** Never dumped, whatever the parameters say. */
export const DEFAULT_EXCLUDED_RESOURCES: readonly string[] = ['nodes', 'endpointslices.discovery.k8s.io'];

/** Also never restored: objects that the cluster owns or that would restart backup machinery. */
export const RESTORE_EXCLUDED_RESOURCES: readonly string[] = [
  'nodes',
  'events',
  'events.events.k8s.io',
  'storage',
  'csinodes.storage.k8s.io',
  'volumeattachments.storage.k8s.io',
  'backupsessions.core.kubestash.com',
  'backupverificationsession.core.kubestash.com',
  'backupverifier.core.kubestash.com',
  'repositories.storage.kubestash.com',
  'restoresessions.core.kubestash.com',
  'snapshots.storage.kubestash.com',
];

export interface IncludeExclude {
  readonly includes: ReadonlySet<string>;
  readonly excludes: ReadonlySet<string>;
}

export interface KubedumpFilter {
  readonly resources: IncludeExclude;
  readonly namespaces: IncludeExclude;
  readonly includeClusterResources: boolean;
  readonly andLabelSelectors: readonly string[];
  readonly orLabelSelectors: readonly string[];
}

export interface KubedumpFilterOptions {
  includeResources?: readonly string[];
  excludeResources?: readonly string[];
  includeNamespaces?: readonly string[];
  excludeNamespaces?: readonly string[];
  includeClusterResources?: boolean;
  andLabelSelectors?: readonly string[];
  orLabelSelectors?: readonly string[];
}

/** The identifier filters match against: "pods" for the core group, "deployments.apps" otherwise. */
export function resourceId(resource: Pick<ApiResource, 'group' | 'name'>): string {
  return resource.group === '' ? resource.name : `${resource.name}.${resource.group}`;
}

/**
 * Splits a comma-separated parameter value ("a, b,c") into its entries. Whitespace around entries and empty
 * entries are dropped, so "" and an unset parameter both mean "no entries".
 */
export function parseFilterList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** An include/exclude pair. "*" among the excludes is ignored: excluding everything is never what is meant. */
export function includeExclude(
  includes: readonly string[] = [],
  excludes: readonly string[] = [],
): IncludeExclude {
  return { includes: new Set(includes), excludes: new Set(excludes.filter((e) => e !== '*')) };
}

export function kubedumpFilter(options: KubedumpFilterOptions = {}): KubedumpFilter {
  return {
    resources: includeExclude(options.includeResources, options.excludeResources),
    namespaces: includeExclude(options.includeNamespaces, options.excludeNamespaces),
    includeClusterResources: options.includeClusterResources ?? false,
    andLabelSelectors: [...(options.andLabelSelectors ?? [])],
    orLabelSelectors: [...(options.orLabelSelectors ?? [])],
  };
}

/** The kubedump Addon task parameter names (second generation) that carry the filter. */
export const KubedumpFilterParam = {
  IncludeResources: 'IncludeResources',
  ExcludeResources: 'ExcludeResources',
  IncludeNamespaces: 'IncludeNamespaces',
  ExcludeNamespaces: 'ExcludeNamespaces',
  IncludeClusterResources: 'IncludeClusterResources',
  ANDedLabelSelectors: 'ANDedLabelSelectors',
  ORedLabelSelectors: 'ORedLabelSelectors',
} as const;

/**
 * Builds the filter from task parameters as written in a BackupConfiguration or RestoreSession (all strings,
 * lists comma-separated). Throws an Error naming the parameter when IncludeClusterResources is not a boolean.
 */
export function kubedumpFilterFromParams(
  params: Readonly<Record<string, string | undefined>>,
): KubedumpFilter {
  const P = KubedumpFilterParam;
  return kubedumpFilter({
    includeResources: parseFilterList(params[P.IncludeResources]),
    excludeResources: parseFilterList(params[P.ExcludeResources]),
    includeNamespaces: parseFilterList(params[P.IncludeNamespaces]),
    excludeNamespaces: parseFilterList(params[P.ExcludeNamespaces]),
    includeClusterResources: parseBooleanParam(P.IncludeClusterResources, params[P.IncludeClusterResources]),
    andLabelSelectors: parseFilterList(params[P.ANDedLabelSelectors]),
    orLabelSelectors: parseFilterList(params[P.ORedLabelSelectors]),
  });
}

/**
 * Reads a boolean parameter with the spellings Go's flag parsing accepts (true/false, True/False, TRUE/FALSE,
 * t/f, T/F, 1/0); empty or unset means false.
 */
export function parseBooleanParam(name: string, value: string | undefined): boolean {
  const v = (value ?? '').trim();
  if (v === '') return false;
  if (['1', 't', 'T', 'true', 'True', 'TRUE'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'False', 'FALSE'].includes(v)) return false;
  throw new Error(`parameter ${name} must be "true" or "false", got ${JSON.stringify(value)}`);
}

/**
 * Whether `id` passes an include/exclude pair. An exact exclude wins; otherwise no includes, "*" or an exact
 * include admits it. Failing that, the same test is repeated with the bare name (the text before the first
 * "."), which is excluded if listed in the excludes and admitted only if listed in the includes.
 *
 * Quirk kept for compatibility: the bare-name exclude is reached only when the includes did not already
 * admit the id, so excluding "deployments" does not exclude "deployments.apps" when includes are empty or
 * "*". Group-qualified names always work.
 */
export function shouldInclude(filter: IncludeExclude, id: string): boolean {
  if (filter.excludes.has(id)) return false;
  if (filter.includes.size === 0 || filter.includes.has('*') || filter.includes.has(id)) return true;
  const bare = id.split('.')[0] ?? id;
  if (filter.excludes.has(bare)) return false;
  return filter.includes.has(bare);
}

/**
 * Whether a resource type is selected: cluster-scoped types only with includeClusterResources, never the
 * default excludes, then the resource include/exclude lists.
 */
export function shouldIncludeResource(filter: KubedumpFilter, id: string, namespaced: boolean): boolean {
  if (!namespaced && !filter.includeClusterResources) return false;
  if (DEFAULT_EXCLUDED_RESOURCES.includes(id)) return false;
  return shouldInclude(filter.resources, id);
}

export function shouldIncludeNamespace(filter: KubedumpFilter, namespace: string): boolean {
  return shouldInclude(filter.namespaces, namespace);
}

/**
 * Whether a discovered resource can be dumped and restored at all: not a subresource, and it supports get,
 * list (to read it) and create (to restore it).
 */
export function isDumpableResource(resource: ApiResource): boolean {
  if (resource.name.includes('/')) return false;
  return ['get', 'list', 'create'].every((verb) => resource.verbs.includes(verb));
}

/** The discovered resources a dump reads, in the order given. */
export function selectResources(resources: readonly ApiResource[], filter: KubedumpFilter): ApiResource[] {
  return resources.filter(
    (r) => isDumpableResource(r) && shouldIncludeResource(filter, resourceId(r), r.namespaced),
  );
}

/**
 * The tokens an object's labels offer to label selectors: for each label k=v, "k:v", "k=v" and "k", so a
 * selector token may name a key with its value in either spelling, or the key alone.
 */
export function labelTokens(labels: Readonly<Record<string, string>> | undefined): Set<string> {
  const tokens = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    tokens.add(`${key}:${value}`);
    tokens.add(`${key}=${value}`);
    tokens.add(key);
  }
  return tokens;
}

/** Every AND token must be offered and, when OR tokens are given, at least one of them; empty lists pass. */
export function matchesLabelSelectors(
  filter: Pick<KubedumpFilter, 'andLabelSelectors' | 'orLabelSelectors'>,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const tokens = labelTokens(labels);
  const all = filter.andLabelSelectors.every((t) => tokens.has(t));
  const any = filter.orLabelSelectors.length === 0 || filter.orLabelSelectors.some((t) => tokens.has(t));
  return all && any;
}

export interface ObjectRef {
  /** Empty or absent for cluster-scoped objects. */
  namespace?: string;
  labels?: Readonly<Record<string, string>>;
}

/**
 * Whether one object of an already selected resource type is kept: namespaced objects must pass the
 * namespace lists (cluster-scoped ones are not subject to them), and every object must pass the label
 * selectors.
 */
export function shouldIncludeObject(filter: KubedumpFilter, object: ObjectRef): boolean {
  const namespace = object.namespace ?? '';
  if (namespace !== '' && !shouldIncludeNamespace(filter, namespace)) return false;
  return matchesLabelSelectors(filter, object.labels);
}
