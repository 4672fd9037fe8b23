// CustomResourceDefinitions during a restore: waiting until the ones just written are Established, and then
// deciding, from a fresh discovery, whether the types of the custom resources that follow are served. A
// custom resource written before its type is served fails with a 404 that says nothing about why; these
// checks name the CRD instead.
import { K8S, type ResourceType } from '../api/resource-type.ts';
import { arr, obj, str } from '../common/json.ts';
import { Backoff, sleep } from '../kube/backoff.ts';
import { apiMessage } from '../kube/errors.ts';
import type { Discovery } from '../kube/discovery.ts';
import type { KubeClient } from '../kube/types.ts';

/** Where a CRD of the restore stands once the wait is over. */
export interface CrdState {
  established: boolean;
  /** The versions its spec marks served (known once it was read). */
  servedVersions?: string[];
  /** Why it is not Established (the condition's message, a rejected name, or the time waited). */
  message?: string;
}

export interface WaitOptions {
  /** How long to wait for all of them together (default 60 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const PARALLEL_GETS = 8;

function condition(crd: unknown, type: string): { status?: string; message?: string } | undefined {
  const c = arr(obj(obj(crd)?.status)?.conditions).find((x) => obj(x)?.type === type);
  const o = obj(c);
  return o && { status: str(o.status), message: str(o.message) };
}

/**
 * Waits until every named CRD is Established, polling each one still pending with a growing interval. A CRD
 * whose names the server rejected (NamesAccepted False) or that is gone is settled at once as not
 * Established; the others are settled not Established when `timeoutMs` passes. Resolves with the state of
 * each name; never throws for a CRD's sake (an abort rejects).
 */
export async function waitEstablished(
  client: KubeClient,
  names: readonly string[],
  opts: WaitOptions = {},
): Promise<Map<string, CrdState>> {
  const states = new Map<string, CrdState>();
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const backoff = new Backoff({ initialMs: 20, maxMs: 1_000, factor: 1.6 });
  let pending = [...new Set(names)];
  const lastSeen = new Map<string, string>();
  for (;;) {
    const next: string[] = [];
    for (let i = 0; i < pending.length; i += PARALLEL_GETS) {
      const batch = pending.slice(i, i + PARALLEL_GETS);
      await Promise.all(
        batch.map(async (name) => {
          try {
            const crd = await client.find(K8S.customResourceDefinitions, name, undefined, opts.signal);
            if (!crd) {
              states.set(name, { established: false, message: `CRD ${name} does not exist` });
              return;
            }
            const est = condition(crd, 'Established');
            const servedVersions = arr(obj(obj(crd)?.spec)?.versions)
              .filter((v) => obj(v)?.served === true)
              .map((v) => str(obj(v)?.name) ?? '');
            if (est?.status === 'True') return void states.set(name, { established: true, servedVersions });
            const names = condition(crd, 'NamesAccepted');
            if (names?.status === 'False') {
              states.set(name, {
                established: false,
                message: `CRD ${name} is not Established: its names were not accepted (${names.message ?? 'no reason given'})`,
              });
              return;
            }
            lastSeen.set(name, est?.message ?? 'no Established condition yet');
          } catch (err) {
            opts.signal?.throwIfAborted();
            lastSeen.set(name, apiMessage(err));
          }
          next.push(name);
        }),
      );
    }
    pending = next;
    if (pending.length === 0) return states;
    if (Date.now() >= deadline) {
      const seconds = Math.round((opts.timeoutMs ?? 60_000) / 1000);
      for (const name of pending) {
        states.set(name, {
          established: false,
          message: `CRD ${name} was not Established after ${seconds}s (${lastSeen.get(name) ?? 'no condition'})`,
        });
      }
      return states;
    }
    await sleep(Math.min(backoff.next(), Math.max(0, deadline - Date.now())), opts.signal);
    opts.signal?.throwIfAborted();
  }
}

/** The name of the CRD that defines a type: `<plural>.<group>`. */
export const crdNameOf = (t: Pick<ResourceType, 'plural' | 'group'>): string => `${t.plural}.${t.group}`;

const servedKey = (t: Pick<ResourceType, 'group' | 'version' | 'plural'>): string =>
  `${t.group}/${t.version}/${t.plural}`;

/** The group/version/plural of every resource the discovery reports served. */
export function servedTypes(d: Discovery): Set<string> {
  return new Set(d.resources.map(servedKey));
}

export const isServed = (served: ReadonlySet<string>, t: ResourceType): boolean => served.has(servedKey(t));

/**
 * Why objects of type `t` cannot be written, when discovery does not serve it and its CRD (one this
 * restore wrote and waited for) is not Established, or is but does not serve that version; undefined when
 * there is no such reason (served, or not defined by a CRD of this restore: a write will tell).
 */
export function unservedReason(
  t: ResourceType,
  served: ReadonlySet<string>,
  crds: ReadonlyMap<string, CrdState>,
): string | undefined {
  if (t.group === '' || isServed(served, t)) return undefined;
  const state = crds.get(crdNameOf(t));
  if (!state) return undefined;
  if (!state.established) return state.message ?? `CRD ${crdNameOf(t)} is not Established`;
  if (state.servedVersions && !state.servedVersions.includes(t.version)) {
    const list = state.servedVersions.join(', ') || 'none';
    return `CRD ${crdNameOf(t)} does not serve version ${t.version} (served: ${list})`;
  }
  return undefined;
}
