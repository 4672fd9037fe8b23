// The expected selections of the kubedump filter tests, computed independently of the dump's type planning:
// every served type is listed cluster-wide and the pure rules of src/api/kubedump-filter.ts are applied.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  DEFAULT_EXCLUDED_RESOURCES,
  isDumpableResource,
  resourceId,
  shouldIncludeObject,
  shouldIncludeResource,
} from '../../../src/api/kubedump-filter.ts';
import { selectorMatches } from '../../../src/api/label-selector.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { discover, type DiscoveredResource } from '../../../src/kube/discovery.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import type { DumpPlan } from '../../../src/tasks/kubedump/plan.ts';

/** The identity a test compares: type, namespace and name. */
export const id = (type: string, namespace: string | undefined, name: string | undefined): string =>
  `${type} ${namespace ?? ''}/${name ?? ''}`;

/** What the dump wrote, as identities read back from the files (kind for v1, resource id for v2). */
export function dumped(dir: string, typeOf: (o: KubeObject, path: string) => string): Set<string> {
  const out = new Set<string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const o = parse(readFileSync(p, 'utf8')) as KubeObject;
        out.add(id(typeOf(o, p), o.metadata?.namespace, o.metadata?.name));
      }
    }
  };
  walk(dir);
  return out;
}

const preferredTypes = async (client: KubeClient): Promise<DiscoveredResource[]> =>
  (await discover(client)).resources.filter((r) => r.preferred);

const toApi = (r: DiscoveredResource) => ({
  group: r.group,
  version: r.version,
  name: r.plural,
  kind: r.kind,
  namespaced: r.namespaced,
  verbs: r.verbs,
});

/** Every object the second generation's rules keep, from cluster-wide lists of every served type. */
export async function expectedV2(client: KubeClient, plan: DumpPlan): Promise<Set<string>> {
  const out = new Set<string>();
  for (const r of await preferredTypes(client)) {
    const api = toApi(r);
    if (!isDumpableResource(api) || !shouldIncludeResource(plan.filter, resourceId(api), r.namespaced))
      continue;
    for (const o of (await client.listAll(r)).items) {
      const meta = o.metadata ?? {};
      const ref = {
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
        ...(meta.labels ? { labels: meta.labels } : {}),
      };
      if (shouldIncludeObject(plan.filter, ref)) out.add(id(resourceId(api), meta.namespace, meta.name));
    }
  }
  return out;
}

/**
 * Every object a first-generation scope keeps, by kind: the listable types (not nodes or endpoint slices),
 * cluster-scoped ones only for a cluster backup, filtered by namespace and label selector.
 */
export async function expectedV1(
  client: KubeClient,
  scope: { namespace?: string; labelSelector?: unknown },
): Promise<Set<string>> {
  const out = new Set<string>();
  for (const r of await preferredTypes(client)) {
    const api = toApi(r);
    if (r.plural.includes('/') || !r.verbs.includes('get') || !r.verbs.includes('list')) continue;
    if (DEFAULT_EXCLUDED_RESOURCES.includes(resourceId(api))) continue;
    if (scope.namespace !== undefined && !r.namespaced) continue;
    for (const o of (await client.listAll(r)).items) {
      const meta = o.metadata ?? {};
      if (scope.namespace !== undefined && meta.namespace !== scope.namespace) continue;
      if (scope.labelSelector !== undefined && !selectorMatches(scope.labelSelector, meta.labels ?? {}))
        continue;
      out.add(id(r.kind, meta.namespace, meta.name));
    }
  }
  return out;
}

export const withoutEvents = (s: Set<string>): string[] =>
  [...s].filter((x) => !x.startsWith('Event ')).sort();

/** Waits until two computations a second apart agree: the controllers have finished creating objects. */
export async function settled(what: string, compute: () => Promise<Set<string>>): Promise<Set<string>> {
  let last: string | undefined;
  let value = new Set<string>();
  await waitFor(
    async () => {
      value = await compute();
      const key = withoutEvents(value).join('\n');
      const same = key === last;
      last = key;
      return same ? true : undefined;
    },
    { what, timeoutMs: 60_000, intervalMs: 1_000 },
  );
  return value;
}
