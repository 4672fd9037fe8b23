// Finding the resource type of a dumped object or of an owner it names, from the types the cluster serves
// and those the dump's CRDs define. Pure.
import { qualifiedName, type ResourceType } from '../api/resource-type.ts';

/** `group` and `version` of an `apiVersion` (`apps/v1` → apps, v1; `v1` → '', v1). */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export interface TypeIndex {
  /**
   * The type of an object of `apiVersion`/`kind`, at the object's own version: by the resource id when one
   * is given (the v2 directory name) and it is of that kind, else by group and kind. Undefined when
   * neither the cluster nor the dump's CRDs define it.
   */
  resolve(apiVersion: string, kind: string, resource?: string): ResourceType | undefined;
}

/** An index over `types`; where two define the same resource or group and kind, the first one wins. */
export function typeIndex(types: readonly ResourceType[]): TypeIndex {
  const byId = new Map<string, ResourceType>();
  const byGroupKind = new Map<string, ResourceType>();
  for (const t of types) {
    const id = qualifiedName(t);
    if (!byId.has(id)) byId.set(id, t);
    const gk = `${t.group}/${t.kind}`;
    if (!byGroupKind.has(gk)) byGroupKind.set(gk, t);
  }
  return {
    resolve(apiVersion, kind, resource) {
      const { group, version } = splitApiVersion(apiVersion);
      let t = resource === undefined ? undefined : byId.get(resource);
      if (!t || t.kind !== kind || t.group !== group) t = byGroupKind.get(`${group}/${kind}`);
      // Only the ResourceType fields: callers may pass discovery records that carry more.
      return t && { group: t.group, version, plural: t.plural, kind: t.kind, namespaced: t.namespaced };
    },
  };
}
