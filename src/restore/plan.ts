// The pure plan of a manifest restore: which dumped object is written, in which step and in what shape,
// and which are decided without the cluster (skipped with a reason, or failed because the cluster serves
// no such type). The engine writes the steps in order; nothing here does I/O.
import { K8S, qualifiedName, type ResourceType } from '../api/resource-type.ts';
import { arr, at, str } from '../common/json.ts';
import type { KubedumpFilter } from '../api/kubedump-filter.ts';
import { NAMESPACES, orderTypes } from './order.ts';
import { filtered, notRestorable, notWorthWriting, type Skip } from './skip-rules.ts';
import { transformForRestore } from './transform.ts';
import { typeIndex, type TypeIndex } from './type-index.ts';
import type { DumpItem, ObjectResult, PlannedObject, PlanStep } from './types.ts';

export interface PlanInput {
  items: readonly DumpItem[];
  /** Discovery's preferred types, then the types the dump's CRDs define (`typesFromDump`). */
  types: readonly ResourceType[];
  filter: KubedumpFilter;
  restorePVs?: boolean;
  storageClassMappings?: ReadonlyMap<string, string>;
  namespaceMappings?: ReadonlyMap<string, string>;
}

export interface RestorePlan {
  steps: PlanStep[];
  /** The objects decided without I/O (skipped or failed), ordered by file. */
  results: ObjectResult[];
}

/** An object on its way into the plan, keyed by its identity in the dump. */
interface Candidate {
  item: DumpItem;
  resource: string;
  type: ResourceType;
  /** The dumped namespace, or '' for cluster-scoped types. */
  namespace: string;
}

const keyOf = (resource: string, namespace: string, name: string): string =>
  `${resource}\n${namespace}\n${name}`;
const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Plans the restore of `items`. Every item ends up exactly once either in a step or in `results`.
 * Decisions, in this order: the type (failed NoSuchType when neither the cluster nor the dump's CRDs
 * define it); NotRestorable; Filtered; RestorePVsDisabled, MirrorPod, CompletedPod, CompletedJob,
 * ClusterManaged; Duplicate (a second file for the same object); CreatedByController (a Pod whose
 * controller is planned: the controller re-creates it); MappingConflict (the namespace mapping puts it
 * where an object that was already there is restored). Results name the mapped namespace, and the
 * dumped one as `sourceNamespace` when they differ. Every namespace that planned objects go into gets
 * a planned Namespace: the dumped one (even when the filters left it out, then marked `implied`) or a bare
 * one. Steps come from {@link orderTypes}; within a step objects are ordered by resource, namespace, name.
 */
export function planRestore(input: PlanInput): RestorePlan {
  const index = typeIndex(input.types);
  const results: (ObjectResult & { file: string })[] = [];
  const skip = (c: Candidate, s: Skip): void => {
    results.push({ ...resultOf(c, input.namespaceMappings), outcome: 'skipped', ...s, file: c.item.file });
  };
  const candidates = new Map<string, Candidate>();
  const heldNamespaces: { c: Candidate; skip: Skip }[] = [];

  for (const item of sortedItems(input.items)) {
    const type = index.resolve(item.apiVersion, item.kind, item.resource);
    const resource = type ? qualifiedName(type) : item.resource;
    const early = resource !== undefined ? notRestorable(resource) : undefined;
    if (!type || resource === undefined) {
      const r: ObjectResult & { file: string } = {
        resource: resource ?? `${item.kind}.${item.apiVersion}`,
        name: item.name,
        ...(early ? { outcome: 'skipped', ...early } : { outcome: 'failed', ...noSuchType(item) }),
        file: item.file,
      };
      if (item.namespace !== undefined) r.namespace = item.namespace;
      results.push(r);
      continue;
    }
    const c: Candidate = { item, resource, type, namespace: type.namespaced ? (item.namespace ?? '') : '' };
    if (type.namespaced && c.namespace === '') {
      results.push({
        ...resultOf(c, undefined),
        outcome: 'failed',
        reason: 'NoNamespace',
        message: `${resource} are namespaced, but the object has no metadata.namespace and its path names none`,
        file: item.file,
      });
      continue;
    }
    const s =
      early ??
      filtered(input.filter, resource, type, item) ??
      notWorthWriting(type, item, input.restorePVs ?? false);
    if (s && resource === NAMESPACES && s.reason === 'Filtered') heldNamespaces.push({ c, skip: s });
    else if (s) skip(c, s);
    else {
      const key = keyOf(resource, c.namespace, item.name);
      const first = candidates.get(key);
      if (first) skip(c, { reason: 'Duplicate', message: `the same object as ${first.item.file}` });
      else candidates.set(key, c);
    }
  }

  // Pods whose controller is restored: the controller creates them again, with its own names and UIDs.
  for (const [key, c] of candidates) {
    if (c.type.group !== '' || c.type.kind !== 'Pod') continue;
    const controller = ownerRefs(c.item).find((o) => o.controller === true);
    if (!controller) continue;
    const ownerType = index.resolve(controller.apiVersion, controller.kind);
    if (!ownerType) continue;
    const ownerKey = keyOf(
      qualifiedName(ownerType),
      ownerType.namespaced ? c.namespace : '',
      controller.name,
    );
    if (!candidates.has(ownerKey)) continue;
    candidates.delete(key);
    skip(c, {
      reason: 'CreatedByController',
      message: `its controller ${controller.kind} ${controller.name} is restored and creates its Pods again`,
    });
  }

  // Two objects mapped onto one (namespace a restored as b while the dump also holds b): the one that
  // was there keeps its place.
  const planned: PlannedObject[] = [];
  const targets = new Map<string, PlannedObject>();
  const all = [...candidates.values()].map((c) => ({ c, p: plannedOf(c, input, index) }));
  all.sort((x, y) => Number(x.p.sourceNamespace !== undefined) - Number(y.p.sourceNamespace !== undefined));
  for (const { c, p } of all) {
    const key = keyOf(p.resource, p.namespace ?? '', p.name);
    const there = targets.get(key);
    if (there)
      skip(c, {
        reason: 'MappingConflict',
        message: `the namespace mapping restores it onto ${p.namespace ?? p.name}, where ${there.file} is restored`,
      });
    else {
      targets.set(key, p);
      planned.push(p);
    }
  }
  addNamespaces(planned, heldNamespaces, input, index, skip);

  return { steps: stepsOf(planned, index), results: sortResults(results) };
}

function sortedItems(items: readonly DumpItem[]): DumpItem[] {
  return [...items].sort((a, b) => byString(a.file, b.file));
}

/** The result's identity: where the object would have gone (mapped), and where it came from. */
function resultOf(c: Candidate, mappings: ReadonlyMap<string, string> | undefined): ObjectResult {
  const r: ObjectResult = { resource: c.resource, name: c.item.name, outcome: 'skipped' };
  if (c.namespace === '') return r;
  const target = mappings?.get(c.namespace) ?? c.namespace;
  r.namespace = target;
  if (target !== c.namespace) r.sourceNamespace = c.namespace;
  return r;
}

function noSuchType(item: DumpItem): Skip {
  return {
    reason: 'NoSuchType',
    message:
      `the cluster serves no ${item.kind} in ${item.apiVersion} and the dump holds no ` +
      `CustomResourceDefinition for it: install the CRD or the API that serves it, or exclude the resource`,
  };
}

interface RawOwner {
  apiVersion: string;
  kind: string;
  name: string;
  controller?: boolean;
}

function ownerRefs(item: DumpItem): RawOwner[] {
  const out: RawOwner[] = [];
  for (const r of arr(at(item.object, 'metadata', 'ownerReferences'))) {
    const apiVersion = str(at(r, 'apiVersion'));
    const kind = str(at(r, 'kind'));
    const name = str(at(r, 'name'));
    if (apiVersion && kind && name)
      out.push({ apiVersion, kind, name, controller: at(r, 'controller') === true });
  }
  return out;
}

function plannedOf(c: Candidate, input: PlanInput, index: TypeIndex, implied = false): PlannedObject {
  const t = transformForRestore(c.item.object, c.type, {
    namespaceMappings: input.namespaceMappings,
    storageClassMappings: input.storageClassMappings,
  });
  // A namespaced object may have a cluster-scoped owner (a Namespace, a cluster-scoped custom resource).
  for (const o of t.owners) if (index.resolve(o.apiVersion, o.kind)?.namespaced === false) delete o.namespace;
  const p: PlannedObject = {
    resource: c.resource,
    type: c.type,
    name: t.name,
    object: t.object,
    owners: t.owners,
    file: c.item.file,
  };
  if (t.namespace !== undefined) p.namespace = t.namespace;
  if (t.sourceNamespace !== undefined) p.sourceNamespace = t.sourceNamespace;
  if (implied) p.implied = true;
  return p;
}

/**
 * Namespaces for every namespace that planned objects are written into: a Namespace the filters left
 * out is planned after all (marked `implied`) when objects need it, and a namespace with no Namespace
 * file gets a bare one (`file` ''), so a dump of namespaced objects restores into an empty cluster.
 */
function addNamespaces(
  planned: PlannedObject[],
  held: readonly { c: Candidate; skip: Skip }[],
  input: PlanInput,
  index: TypeIndex,
  skip: (c: Candidate, s: Skip) => void,
): void {
  const have = new Set(planned.filter((p) => p.resource === NAMESPACES).map((p) => p.name));
  const needed = new Set<string>();
  for (const p of planned) if (p.namespace !== undefined && !have.has(p.namespace)) needed.add(p.namespace);
  for (const { c, skip: s } of held) {
    const target = input.namespaceMappings?.get(c.item.name) ?? c.item.name;
    if (needed.has(target) && !have.has(target)) {
      planned.push(plannedOf(c, input, index, true));
      have.add(target);
    } else skip(c, s);
  }
  for (const ns of [...needed].sort(byString)) {
    if (have.has(ns)) continue;
    planned.push({
      resource: NAMESPACES,
      type: K8S.namespaces,
      name: ns,
      object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      owners: [],
      file: '',
      implied: true,
    });
  }
}

function stepsOf(planned: readonly PlannedObject[], index: TypeIndex): PlanStep[] {
  const byResource = new Map<string, PlannedObject[]>();
  const ownerEdges: [string, string][] = [];
  for (const p of planned) {
    if (!byResource.has(p.resource)) byResource.set(p.resource, []);
    byResource.get(p.resource)?.push(p);
    for (const o of p.owners) {
      const t = index.resolve(o.apiVersion, o.kind);
      if (t) ownerEdges.push([qualifiedName(t), p.resource]);
    }
  }
  const order = orderTypes(byResource.keys(), ownerEdges);
  return order.steps.map((resources, i) => {
    const objects = resources.flatMap((r) => byResource.get(r) ?? []).sort(compareObjects);
    const step: PlanStep = { resources, objects };
    if (i === order.crdStep) step.waitEstablished = true;
    return step;
  });
}

function compareObjects(a: PlannedObject, b: PlannedObject): number {
  return (
    byString(a.resource, b.resource) ||
    byString(a.namespace ?? '', b.namespace ?? '') ||
    byString(a.name, b.name)
  );
}

function sortResults(results: (ObjectResult & { file: string })[]): ObjectResult[] {
  return results
    .sort((a, b) => byString(a.file, b.file) || byString(a.resource, b.resource) || byString(a.name, b.name))
    .map(({ file: _file, ...r }) => r);
}
