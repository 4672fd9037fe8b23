// Which resources the API server serves: from the aggregated discovery document (two requests) when the
// server offers it, else from /api, /apis and one request per group version. A group version that
// cannot be read (an aggregated API whose backend is down) is reported, not fatal.
import { arr, obj, str } from '../common/json.ts';
import { apiMessage } from './errors.ts';
import type { ResourceType } from '../api/resource-type.ts';
import type { KubeClient } from './types.ts';

export interface DiscoveredResource extends ResourceType {
  verbs: string[];
  /** True for the version the server prefers within the group. */
  preferred: boolean;
  shortNames: string[];
  /** Subresources such as `status`, `scale`, `token`. */
  subresources: string[];
}

export interface Discovery {
  resources: DiscoveredResource[];
  /** Group versions that could not be read (or that the server marks stale), with the reason. */
  failed: { groupVersion: string; message: string }[];
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';
const PARALLEL = 8;

/** Every served resource of every group version; the aggregated form unless `legacy` is asked for. */
export async function discover(
  client: KubeClient,
  opts: { legacy?: boolean; signal?: AbortSignal } = {},
): Promise<Discovery> {
  const out: Discovery = { resources: [], failed: [] };
  // A server without aggregated discovery answers the same requests with the classic documents.
  const accept = opts.legacy ? 'application/json' : AGGREGATED;
  const get = (path: string): Promise<Record<string, unknown>> =>
    client.request<unknown>({ method: 'GET', path, accept, signal: opts.signal }).then((v) => obj(v) ?? {});
  const [core, groups] = await Promise.all([get('/api'), get('/apis')]);
  if (core.kind === 'APIGroupDiscoveryList' && groups.kind === 'APIGroupDiscoveryList') {
    for (const list of [core, groups]) fromAggregated(list, out);
  } else {
    await fromGroupVersions(client, core, groups, out, opts.signal);
  }
  return sorted(out);
}

const key = (r: { group: string; version: string; plural?: string }): string =>
  `${r.group}/${r.version}/${r.plural ?? ''}`;

function sorted(d: Discovery): Discovery {
  d.resources.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  d.failed.sort((a, b) => (a.groupVersion < b.groupVersion ? -1 : 1));
  return d;
}

function fromAggregated(list: Record<string, unknown>, out: Discovery): void {
  for (const item of arr(list.items)) {
    const group = str(obj(obj(item)?.metadata)?.name) ?? '';
    arr(obj(item)?.versions).forEach((v, index) => {
      const version = str(obj(v)?.version) ?? '';
      const groupVersion = group ? `${group}/${version}` : version;
      if (obj(v)?.freshness === 'Stale')
        out.failed.push({ groupVersion, message: 'the server marks its discovery stale' });
      for (const r of arr(obj(v)?.resources)) {
        const res = obj(r) ?? {};
        out.resources.push({
          group,
          version,
          plural: str(res.resource) ?? '',
          kind: str(obj(res.responseKind)?.kind) ?? '',
          namespaced: res.scope === 'Namespaced',
          verbs: arr(res.verbs).map(String),
          // The versions of a group come in order of preference.
          preferred: index === 0,
          shortNames: arr(res.shortNames).map(String),
          subresources: arr(res.subresources).map((s) => str(obj(s)?.subresource) ?? ''),
        });
      }
    });
  }
}

async function fromGroupVersions(
  client: KubeClient,
  core: Record<string, unknown>,
  groups: Record<string, unknown>,
  out: Discovery,
  signal?: AbortSignal,
): Promise<void> {
  const get = (path: string): Promise<Record<string, unknown>> =>
    client.request<unknown>({ method: 'GET', path, signal }).then((v) => obj(v) ?? {});
  const todo: { group: string; version: string; preferred: boolean }[] = arr(core.versions).map((v, i) => ({
    group: '',
    version: String(v),
    preferred: i === 0,
  }));
  for (const g of arr(groups.groups)) {
    const group = str(obj(g)?.name) ?? '';
    const preferred = str(obj(obj(g)?.preferredVersion)?.version);
    for (const v of arr(obj(g)?.versions)) {
      const version = str(obj(v)?.version) ?? '';
      todo.push({ group, version, preferred: version === preferred });
    }
  }
  const next = async (): Promise<void> => {
    for (let gv = todo.shift(); gv; gv = todo.shift()) {
      const groupVersion = gv.group ? `${gv.group}/${gv.version}` : gv.version;
      try {
        const list = await get(gv.group ? `/apis/${groupVersion}` : `/api/${gv.version}`);
        addResourceList(list, gv, out);
      } catch (err) {
        if (signal?.aborted) throw err;
        out.failed.push({ groupVersion, message: apiMessage(err) });
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, next));
}

function addResourceList(
  list: Record<string, unknown>,
  gv: { group: string; version: string; preferred: boolean },
  out: Discovery,
): void {
  const resources = arr(list.resources).map((r) => obj(r) ?? {});
  const subresources = new Map<string, string[]>();
  for (const r of resources) {
    const [plural, sub] = (str(r.name) ?? '').split('/', 2);
    if (plural && sub) subresources.set(plural, [...(subresources.get(plural) ?? []), sub]);
  }
  for (const r of resources) {
    const plural = str(r.name) ?? '';
    if (plural.includes('/')) continue;
    out.resources.push({
      ...gv,
      plural,
      kind: str(r.kind) ?? '',
      namespaced: r.namespaced === true,
      verbs: arr(r.verbs).map(String),
      shortNames: arr(r.shortNames).map(String),
      subresources: subresources.get(plural) ?? [],
    });
  }
}
