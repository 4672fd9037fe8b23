// URLs of the Kubernetes API, built from a ResourceType. Pure: no I/O.
import type { ResourceType } from '../api/resource-type.ts';

export type Query = Record<string, string | number | boolean | undefined>;

/** `/api/v1` for the core group, `/apis/<group>/<version>` for the others. */
export function groupVersionPath(r: Pick<ResourceType, 'group' | 'version'>): string {
  return r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
}

/**
 * The path of a collection (no name) or of one object (with name), optionally of its subresource.
 * A namespace segment is added only for namespaced resources and only when a namespace is given, so an
 * omitted namespace addresses a namespaced resource across all namespaces. Every segment that comes from
 * data (namespace, name, subresource) is percent-encoded.
 */
export function resourcePath(
  r: ResourceType,
  opts: { namespace?: string | undefined; name?: string | undefined; subresource?: string | undefined } = {},
): string {
  let path = groupVersionPath(r);
  if (r.namespaced && opts.namespace) path += `/namespaces/${encodeURIComponent(opts.namespace)}`;
  path += `/${r.plural}`;
  if (opts.name !== undefined) {
    if (opts.name === '') throw new TypeError(`${r.plural}: an empty name addresses no object`);
    path += `/${encodeURIComponent(opts.name)}`;
    if (opts.subresource) path += `/${opts.subresource.split('/').map(encodeURIComponent).join('/')}`;
  }
  return path;
}

/** `?a=1&b=x%20y` with undefined values left out; '' when nothing remains. */
export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.append(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}
