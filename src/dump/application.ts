// The first generation's application scope: a root object (a Deployment, a StatefulSet, ...) and, with
// `includeDependants`, every object of its namespace whose ownerReferences lead to it. Which objects those
// are, and where each one's file goes, needs the owners of every object of the namespace, so the scope is
// read twice: a first pass keeps only a small index (uid, owners, kind, name) per object, the second
// writes the selected objects. Memory holds the index, never the objects.
import { isObject, type JsonObject } from '../common/json.ts';
import type { KubeClient } from '../kube/types.ts';
import { DumpError, type TypeFailure } from './errors.ts';
import { fileName, v1ApplicationPath } from './layout.ts';
import { forEachLimit } from './pool.ts';
import type { TypePlan } from './select.ts';
import { streamType, type StreamOptions } from './stream.ts';

/** What the first pass keeps of an object. */
export interface OwnedEntry {
  uid: string;
  /** The resource id of its type. */
  typeId: string;
  kind: string;
  name: string;
  /** The uids of its owners, in the order of its ownerReferences. */
  owners: string[];
}

export function ownedEntry(typeId: string, kind: string, o: JsonObject): OwnedEntry | undefined {
  const meta = isObject(o.metadata) ? o.metadata : {};
  if (typeof meta.uid !== 'string' || typeof meta.name !== 'string') return undefined;
  const refs = Array.isArray(meta.ownerReferences) ? meta.ownerReferences : [];
  const owners = refs.flatMap((r) => (isObject(r) && typeof r.uid === 'string' ? [r.uid] : []));
  return { uid: meta.uid, typeId, kind, name: meta.name, owners };
}

const byName = (a: OwnedEntry, b: OwnedEntry): number => {
  const ka = `${a.typeId}/${a.name}`;
  const kb = `${b.typeId}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/**
 * Every object whose owner chain reaches the root, with its chain below the root (nearest to the root
 * first, the object itself last). An object reachable along several chains gets the shortest, ties going
 * to the owner first by type and name, so the result does not depend on listing order. Cycles end.
 */
export function dependantChains(rootUid: string, entries: Iterable<OwnedEntry>): Map<string, OwnedEntry[]> {
  const children = new Map<string, OwnedEntry[]>();
  for (const e of entries)
    for (const owner of new Set(e.owners)) children.set(owner, [...(children.get(owner) ?? []), e]);
  const chains = new Map<string, OwnedEntry[]>();
  let level: { uid: string; chain: OwnedEntry[] }[] = [{ uid: rootUid, chain: [] }];
  const seen = new Set([rootUid]);
  while (level.length > 0) {
    const next: { uid: string; chain: OwnedEntry[] }[] = [];
    for (const { uid, chain } of level) {
      for (const child of [...(children.get(uid) ?? [])].sort(byName)) {
        if (seen.has(child.uid)) continue;
        seen.add(child.uid);
        const c = [...chain, child];
        chains.set(child.uid, c);
        next.push({ uid: child.uid, chain: c });
      }
    }
    level = next;
  }
  return chains;
}

export interface ApplicationTarget {
  namespace: string;
  /** The root's API group ('' for the core group) and Kind. */
  group: string;
  kind: string;
  name: string;
  includeDependants?: boolean;
}

/** The second pass: the types to list and the file of each selected object (undefined: not selected). */
export interface ApplicationPlan {
  plans: TypePlan[];
  route: (o: JsonObject) => string | undefined;
}

/**
 * Finds the root and, with dependants, indexes the namespace to select its dependants. Throws when the root
 * does not exist or its type is not served, and a DumpError when types of the namespace cannot be listed.
 */
export async function planApplication(
  client: KubeClient,
  namespaced: readonly TypePlan[],
  target: ApplicationTarget,
  stream: Pick<StreamOptions, 'pageSize' | 'signal' | 'attempts' | 'restarts' | 'retryDelayMs'>,
  concurrency: number,
): Promise<ApplicationPlan> {
  const rootPlan = namespaced.find(
    (p) => p.resource.group === target.group && p.resource.kind === target.kind,
  );
  const what = `${target.group ? `${target.group}/` : ''}${target.kind} ${target.namespace}/${target.name}`;
  if (!rootPlan) throw new Error(`the target ${what} is of a type the server does not serve`);
  const root = await client.find<JsonObject>(rootPlan.resource, target.name, target.namespace, stream.signal);
  const rootUid = root && isObject(root.metadata) ? root.metadata.uid : undefined;
  if (typeof rootUid !== 'string') throw new Error(`the target ${what} does not exist`);
  const rootFile = fileName(target.name);
  if (!target.includeDependants) {
    return { plans: [rootPlan], route: (o) => (uidOf(o) === rootUid ? rootFile : undefined) };
  }
  const index = new Map<string, OwnedEntry>();
  const failures: TypeFailure[] = [];
  await forEachLimit(namespaced, concurrency, async (plan) => {
    let mine: string[] = [];
    const outcome = await streamType(client, plan, {
      ...stream,
      onPage: (items) => {
        for (const o of items) {
          const e = ownedEntry(plan.id, plan.resource.kind, o);
          if (e) {
            index.set(e.uid, e);
            mine.push(e.uid);
          }
        }
      },
      onRestart: () => {
        for (const uid of mine) index.delete(uid);
        mine = [];
      },
    });
    if (outcome.status === 'failed')
      failures.push({ type: plan.id, forbidden: outcome.forbidden, message: outcome.message });
  });
  if (failures.length > 0) throw new DumpError(failures);
  const chains = dependantChains(rootUid, index.values());
  const types = new Set([rootPlan.id, ...[...chains.values()].map((c) => c.at(-1)?.typeId)]);
  return {
    plans: namespaced.filter((p) => types.has(p.id)),
    route: (o) => {
      const uid = uidOf(o);
      if (uid === rootUid) return rootFile;
      const chain = uid === undefined ? undefined : chains.get(uid);
      return chain ? v1ApplicationPath({ name: target.name }, chain) : undefined;
    },
  };
}

function uidOf(o: JsonObject): string | undefined {
  const meta = o.metadata;
  return isObject(meta) && typeof meta.uid === 'string' ? meta.uid : undefined;
}
