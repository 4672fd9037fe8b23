// What one kubedump backup reads, keeps and writes, decided from the validated request and the target of the
// BackupConfiguration that invoked the session, before any API call. Pure: the dump executes the plan.
import { kubedumpFilter } from '../../api/kubedump-filter.ts';
import type { KubedumpFilter } from '../../api/kubedump-filter.ts';
import type { TypedObjectReference } from '../../api/kinds/references.ts';
import type { DumpScope as DumpDirScope } from '../../dump/select.ts';
import type { DumpRequest, Generation, V1Options, V2Options } from './flags.ts';
import type { LabelSelectorObject } from './selector-text.ts';

/** The object a first-generation application backup starts from. */
export interface RootObject {
  /** API group; "" for the core group. */
  group: string;
  kind: string;
  name: string;
  namespace: string;
}

/**
 * v1 scopes follow the target: the whole cluster (no target), one namespace, or one application (the root
 * object, and with includeDependants every object its ownerReferences chain leads to). v2 has no target
 * scope: the filter flags alone decide.
 */
export type DumpScope =
  | { kind: 'cluster' }
  | { kind: 'namespace'; namespace: string }
  | { kind: 'application'; root: RootObject; includeDependants: boolean }
  | { kind: 'filter' };

/** The file layouts of §5.4: the v2 group-resource tree, and the three v1 trees. */
export type DumpLayout = 'v2' | 'v1-cluster' | 'v1-namespace' | 'v1-application';

export interface DumpPlan {
  generation: Generation;
  scope: DumpScope;
  /** Which resource types and objects are kept, with src/api/kubedump-filter.ts's rules. */
  filter: KubedumpFilter;
  /** v1 only: objects must also match this selector (src/api/label-selector.ts); undefined for none. */
  labelSelector: LabelSelectorObject | undefined;
  /**
   * The namespaces to list one by one instead of listing each type cluster-wide, when the scope names them
   * (cheaper on a large cluster); undefined means cluster-wide lists.
   */
  listNamespaces: string[] | undefined;
  sanitize: 'v1' | 'v2' | 'none';
  layout: DumpLayout;
  /** `<scratchDir>/manifest`: the tree that is dumped and backed up. */
  dumpDir: string;
  /** Things in the input that the plan does not use, for the Job log. */
  ignored: string[];
  /** The scope as src/dump takes it (every scope has one; undefined is kept for scopes src/dump lacks). */
  dumpScope: DumpDirScope | undefined;
}

export interface PlanInput {
  request: DumpRequest;
  /** `spec.target` of the BackupConfiguration that invoked the session; undefined for a cluster backup. */
  target: TypedObjectReference | undefined;
  /** Namespace of the BackupConfiguration: the target's namespace when the target names none. */
  invokerNamespace: string;
}

/**
 * Decides the plan; never fails, since the request is already valid. When no flag of either generation is
 * set, a configuration with a target is read as a first-generation one (second-generation guides never set
 * a target) and one without as a second-generation one, the current catalog's reading.
 */
export function planDump(input: PlanInput): DumpPlan {
  const { request, target } = input;
  const dumpDir = `${request.scratchDir.replace(/\/$/, '')}/manifest`;
  const generation = request.generation ?? (target ? 'v1' : 'v2');
  return generation === 'v1'
    ? planV1(request.v1, target, input.invokerNamespace, dumpDir)
    : planV2(request.v2, target, dumpDir);
}

function planV1(
  request: V1Options,
  target: TypedObjectReference | undefined,
  invokerNamespace: string,
  dumpDir: string,
): DumpPlan {
  const sanitize = request.sanitize ? 'v1' : 'none';
  const selector = request.labelSelector.matchExpressions.length > 0 ? request.labelSelector : undefined;
  const common = { generation: 'v1' as const, sanitize, dumpDir } as const;
  if (target === undefined) {
    return {
      ...common,
      scope: { kind: 'cluster' },
      filter: kubedumpFilter({ includeClusterResources: true }),
      labelSelector: selector,
      listNamespaces: undefined,
      layout: 'v1-cluster',
      ignored: request.includeDependants ? ['--include-dependants (only for an application target)'] : [],
      dumpScope: {
        generation: 'v1',
        target: 'cluster',
        sanitize: request.sanitize,
        ...(selector ? { labelSelector: request.labelSelectorText } : {}),
      },
    };
  }
  const group = target.apiGroup ?? '';
  const kind = target.kind ?? '';
  if (group === '' && kind === 'Namespace') {
    return {
      ...common,
      scope: { kind: 'namespace', namespace: target.name },
      filter: kubedumpFilter({ includeNamespaces: [target.name] }),
      labelSelector: selector,
      listNamespaces: [target.name],
      layout: 'v1-namespace',
      ignored: request.includeDependants ? ['--include-dependants (only for an application target)'] : [],
      dumpScope: {
        generation: 'v1',
        target: 'namespace',
        namespace: target.name,
        sanitize: request.sanitize,
        ...(selector ? { labelSelector: request.labelSelectorText } : {}),
      },
    };
  }
  // An application is its root object and the objects it owns, found by name and ownerReferences rather
  // than by labels, so the label selector does not apply to it.
  const namespace = target.namespace ?? invokerNamespace;
  return {
    ...common,
    scope: {
      kind: 'application',
      root: { group, kind, name: target.name, namespace },
      includeDependants: request.includeDependants,
    },
    filter: kubedumpFilter({ includeNamespaces: [namespace] }),
    labelSelector: undefined,
    listNamespaces: [namespace],
    layout: 'v1-application',
    ignored: selector ? ['--label-selector (not applied to an application target)'] : [],
    dumpScope: {
      generation: 'v1',
      target: 'application',
      namespace,
      group,
      kind,
      name: target.name,
      includeDependants: request.includeDependants,
      sanitize: request.sanitize,
    },
  };
}

function planV2(request: V2Options, target: TypedObjectReference | undefined, dumpDir: string): DumpPlan {
  const filter = kubedumpFilter({
    includeNamespaces: request.includeNamespaces,
    excludeNamespaces: request.excludeNamespaces,
    includeResources: request.includeResources,
    excludeResources: request.excludeResources,
    includeClusterResources: request.includeClusterResources,
    andLabelSelectors: request.andLabelSelectors,
    orLabelSelectors: request.orLabelSelectors,
  });
  // Namespace names hold no ".", so an explicit include list without "*" selects exactly its entries.
  const explicit = request.includeNamespaces.length > 0 && !request.includeNamespaces.includes('*');
  const listNamespaces = explicit
    ? [...new Set(request.includeNamespaces)].filter((n) => !filter.namespaces.excludes.has(n))
    : undefined;
  return {
    generation: 'v2',
    scope: { kind: 'filter' },
    filter,
    labelSelector: undefined,
    listNamespaces,
    sanitize: 'v2',
    layout: 'v2',
    dumpDir,
    dumpScope: { generation: 'v2', filter },
    ignored: target
      ? [
          `spec.target ${target.kind ?? ''}/${target.name} (the second generation selects with the filter flags only)`,
        ]
      : [],
  };
}
