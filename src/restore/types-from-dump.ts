// The resource types that the dump's own CustomResourceDefinitions define, so that a restore can plan the
// custom resources of a CRD the cluster does not serve yet (it is restored in the first step). Pure.
import { arr, at, isObject, str } from '../common/json.ts';
import type { ResourceType } from '../api/resource-type.ts';
import type { DumpItem } from './types.ts';

const CRD_GROUP = 'apiextensions.k8s.io';

/**
 * One ResourceType per served version of every CRD in `items` (apiextensions v1 `spec.versions`, or the
 * v1beta1 `spec.version`), ordered by CRD name and then as the CRD lists its versions. A CRD without a
 * group, plural or kind defines nothing and is left out (its own create will fail and say why).
 */
export function typesFromDump(items: readonly DumpItem[]): ResourceType[] {
  const crds = items
    .filter((i) => i.kind === 'CustomResourceDefinition' && i.apiVersion.startsWith(`${CRD_GROUP}/`))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: ResourceType[] = [];
  for (const crd of crds) out.push(...typesOfCrd(crd.object));
  return out;
}

/** The types one CRD object defines (empty when it is incomplete). */
export function typesOfCrd(crd: unknown): ResourceType[] {
  const spec = at(crd, 'spec');
  const group = str(at(spec, 'group'));
  const plural = str(at(spec, 'names', 'plural'));
  const kind = str(at(spec, 'names', 'kind'));
  if (!group || !plural || !kind) return [];
  const namespaced = str(at(spec, 'scope')) !== 'Cluster';
  const versions: string[] = [];
  for (const v of arr(at(spec, 'versions'))) {
    const name = isObject(v) ? str(v.name) : undefined;
    if (name && (v as { served?: unknown }).served !== false) versions.push(name);
  }
  const single = str(at(spec, 'version'));
  if (versions.length === 0 && single) versions.push(single);
  return versions.map((version) => ({ group, version, plural, kind, namespaced }));
}
