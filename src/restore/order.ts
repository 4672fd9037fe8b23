// In which order the resource types of a restore are written (DESIGN §3, reference §5.6): CRDs; Namespaces;
// the high-priority list; the other types so that owners come before their dependents and referenced objects
// before what refers to them; the low-priority list; admission webhooks and policies last of all. Types with no ordering between them share a step,
// since a step's objects are written in parallel and each step boundary waits for the slowest write. Pure
// and deterministic: the same input always gives the same steps.

export const CRDS = 'customresourcedefinitions.apiextensions.k8s.io';
export const NAMESPACES = 'namespaces';

/** KubeStash's high-priority list (reference §5.6, without CRDs and Namespaces), in its order. */
export const HIGH_PRIORITY: readonly string[] = [
  'storageclasses.storage.k8s.io',
  'volumesnapshotclass.snapshot.storage.k8s.io',
  'volumesnapshotclasses.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
  'volumesnapshots.snapshot.storage.k8s.io',
  'persistentvolumes',
  'persistentvolumeclaims',
  'serviceaccounts',
  'secrets',
  'configmaps',
  'limitranges',
  'pods',
  'replicasets.apps',
  'clusterclasses.cluster.x-k8s.io',
  'endpoints',
  'services',
];

/** KubeStash's low-priority list: written last, one type at a time, in this order. */
export const LOW_PRIORITY: readonly string[] = [
  'clusters.cluster.x-k8s.io',
  'clusterresourcesets.addons.cluster.x-k8s.io',
  'apps.kappctrl.k14s.io',
  'packageinstalls.packaging.carvel.dev',
];

/**
 * Admission configuration, written after everything else (a Cairn rule; KubeStash orders it alphabetically): a
 * webhook restored before the Deployment that serves it is running refuses, or with `failurePolicy: Ignore`
 * silently skips, every later write it matches. Policies come before their bindings.
 */
export const ADMISSION_LAST: readonly (readonly string[])[] = [
  [
    'validatingadmissionpolicies.admissionregistration.k8s.io',
    'mutatingadmissionpolicies.admissionregistration.k8s.io',
  ],
  [
    'validatingadmissionpolicybindings.admissionregistration.k8s.io',
    'mutatingadmissionpolicybindings.admissionregistration.k8s.io',
    'validatingwebhookconfigurations.admissionregistration.k8s.io',
    'mutatingwebhookconfigurations.admissionregistration.k8s.io',
  ],
];
const ADMISSION = new Set(ADMISSION_LAST.flat());

const WORKLOADS = [
  'pods',
  'replicasets.apps',
  'deployments.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'replicationcontrollers',
  'jobs.batch',
  'cronjobs.batch',
];
const BINDINGS = ['rolebindings.rbac.authorization.k8s.io', 'clusterrolebindings.rbac.authorization.k8s.io'];
const INGRESSES = ['ingresses.networking.k8s.io'];

const edges = (from: readonly string[], to: readonly string[]): [string, string][] =>
  from.flatMap((f) => to.map((t): [string, string] => [f, t]));

/**
 * What must exist before what refers to it, as (referenced, referrer) pairs; among the high-priority types
 * they all follow the list's order, and listed types that nothing orders share a step. A Pod that names a
 * missing ServiceAccount or PriorityClass is refused by admission; a token Secret whose ServiceAccount is
 * missing is deleted by the token controller; LimitRange defaults apply only to Pods created after it; a
 * claim binds to a volume or snapshot that exists; Service environment variables reach only Pods created
 * after the Service (the list puts Services after Pods, so only the controllers' Pods get them).
 */
export const REFERENCE_EDGES: readonly (readonly [string, string])[] = [
  ['storageclasses.storage.k8s.io', 'persistentvolumes'],
  ['storageclasses.storage.k8s.io', 'persistentvolumeclaims'],
  ['volumesnapshotclass.snapshot.storage.k8s.io', 'volumesnapshotcontents.snapshot.storage.k8s.io'],
  ['volumesnapshotclasses.snapshot.storage.k8s.io', 'volumesnapshotcontents.snapshot.storage.k8s.io'],
  ['volumesnapshotcontents.snapshot.storage.k8s.io', 'volumesnapshots.snapshot.storage.k8s.io'],
  ['volumesnapshots.snapshot.storage.k8s.io', 'persistentvolumeclaims'],
  ['persistentvolumes', 'persistentvolumeclaims'],
  ['serviceaccounts', 'secrets'],
  ...edges(['serviceaccounts', 'configmaps', 'secrets', 'persistentvolumeclaims', 'limitranges'], WORKLOADS),
  ...edges(['priorityclasses.scheduling.k8s.io', 'runtimeclasses.node.k8s.io'], WORKLOADS),
  ...edges(
    ['services'],
    WORKLOADS.filter((w) => w !== 'pods' && w !== 'replicasets.apps'),
  ),
  ...edges(['serviceaccounts', 'clusterroles.rbac.authorization.k8s.io'], BINDINGS),
  ['roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io'],
  ...edges(['services', 'secrets', 'ingressclasses.networking.k8s.io'], INGRESSES),
];

/**
 * Orderings the high-priority list holds that only matter while both types are in it: Pods first so a
 * ReplicaSet adopts standalone Pods rather than creating more, Endpoints before their selector-less
 * Services. Owner edges override them.
 */
const LIST_EDGES: readonly (readonly [string, string])[] = [
  ['pods', 'replicasets.apps'],
  ['endpoints', 'services'],
];

export interface TypeSteps {
  /** Resource ids per step, each sorted; no empty steps. */
  steps: string[][];
  /** Index of the CRD step in `steps`, when there is one (always 0). */
  crdStep?: number;
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The steps for the resource types present. `ownerEdges` are (owner type, dependent type) pairs taken
 * from the dump's ownerReferences; an owner edge always wins over the high-priority list: a listed type
 * whose owners (or whose listed predecessors) are not already placed before it leaves the list and is
 * ordered with the other types. Cycles are broken by writing the alphabetically first type of a cycle
 * that nothing outside it precedes first.
 */
export function orderTypes(
  present: Iterable<string>,
  ownerEdges: Iterable<readonly [string, string]> = [],
): TypeSteps {
  const ids = new Set(present);
  const owners = new Map<string, Set<string>>();
  for (const [owner, dependent] of ownerEdges) {
    if (owner === dependent || !ids.has(owner) || !ids.has(dependent)) continue;
    if (!owners.has(dependent)) owners.set(dependent, new Set());
    owners.get(dependent)?.add(owner);
  }
  const refs = REFERENCE_EDGES.filter(([from, to]) => ids.has(from) && ids.has(to));
  const listed = LIST_EDGES.filter(([from, to]) => ids.has(from) && ids.has(to));

  const out: TypeSteps = { steps: [] };
  const placed = new Set<string>();
  if (ids.has(CRDS)) {
    out.crdStep = out.steps.length;
    out.steps.push([CRDS]);
    placed.add(CRDS);
  }
  if (ids.has(NAMESPACES)) {
    out.steps.push([NAMESPACES]);
    placed.add(NAMESPACES);
  }

  // The high-priority types whose owners and listed predecessors are all placed before them.
  const highPreds = predecessors(owners, [...refs, ...listed]);
  const high: string[] = [];
  for (const id of HIGH_PRIORITY) {
    if (!ids.has(id)) continue;
    if ([...(highPreds.get(id) ?? [])].every((p) => placed.has(p) || high.includes(p))) high.push(id);
  }
  for (const layer of layers(high, highPreds)) out.steps.push(layer);
  for (const id of high) placed.add(id);

  // The rest: a reference edge that runs against the owner chain (b owns, transitively, a) is dropped.
  const low = LOW_PRIORITY.filter((id) => ids.has(id));
  const rest = [...ids]
    .filter((id) => !placed.has(id) && !low.includes(id) && !ADMISSION.has(id))
    .sort(byName);
  const restRefs = refs.filter(([from, to]) => !reaches(owners, from, to));
  for (const layer of layers(rest, predecessors(owners, restRefs))) out.steps.push(layer);
  for (const id of low) out.steps.push([id]);
  for (const group of ADMISSION_LAST) {
    const step = group.filter((id) => ids.has(id)).sort(byName);
    if (step.length > 0) out.steps.push(step);
  }
  return out;
}

/** Owners plus the first of each pair, per type. */
function predecessors(
  owners: ReadonlyMap<string, ReadonlySet<string>>,
  pairs: readonly (readonly [string, string])[],
): Map<string, Set<string>> {
  const preds = new Map<string, Set<string>>();
  for (const [dependent, set] of owners) preds.set(dependent, new Set(set));
  for (const [from, to] of pairs) {
    if (!preds.has(to)) preds.set(to, new Set());
    preds.get(to)?.add(from);
  }
  return preds;
}

/** Whether `to` is among the transitive owners of `from`. */
function reaches(owners: ReadonlyMap<string, ReadonlySet<string>>, from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    for (const o of owners.get(stack.pop() as string) ?? []) {
      if (o === to) return true;
      if (!seen.has(o)) {
        seen.add(o);
        stack.push(o);
      }
    }
  }
  return false;
}

/**
 * `nodes` in layers: each node after every predecessor (owner or referenced type) among `nodes`, as early
 * as that allows.
 */
function layers(nodes: readonly string[], allPreds: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const inSet = new Set(nodes);
  const preds = new Map<string, Set<string>>();
  for (const n of nodes)
    preds.set(n, new Set([...(allPreds.get(n) ?? [])].filter((m) => inSet.has(m) && m !== n)));
  const remaining = new Set(nodes);
  const result: string[][] = [];
  while (remaining.size > 0) {
    let ready = [...remaining].filter((n) => [...(preds.get(n) ?? [])].every((p) => !remaining.has(p)));
    if (ready.length === 0) ready = [cycleBreaker(remaining, preds)];
    ready.sort(byName);
    result.push(ready);
    for (const n of ready) remaining.delete(n);
  }
  return result;
}

/**
 * The alphabetically first node of a cycle that no other remaining node precedes from outside the cycle
 * (a source of the graph of cycles), so breaking it never moves a type ahead of one it depends on outside
 * the cycle.
 */
function cycleBreaker(
  remaining: ReadonlySet<string>,
  preds: ReadonlyMap<string, ReadonlySet<string>>,
): string {
  const reaching = (n: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [n];
    while (stack.length > 0) {
      const cur = stack.pop() as string;
      for (const p of preds.get(cur) ?? [])
        if (remaining.has(p) && !seen.has(p)) {
          seen.add(p);
          stack.push(p);
        }
    }
    return seen;
  };
  const sorted = [...remaining].sort(byName);
  for (const n of sorted) {
    const up = reaching(n);
    if (up.has(n) && [...up].every((m) => reaching(m).has(n))) return n;
  }
  return sorted[0] as string;
}
