// Owners across a restore. Restored objects get new UIDs, so every ownerReference of the dump must be
// rewritten before it is sent: a reference to a UID that does not exist makes the garbage collector delete
// the dependent. The OwnerBook records the UID of every object this restore created or found, and finds
// owners it did not restore in the cluster; `relinkOwners` sets the ownerReferences of the objects that
// were written before one of their owners existed, once all passes are done.
import { apiVersionOf, type ResourceType } from '../api/resource-type.ts';
import { deepEqual, str } from '../common/json.ts';
import { redact } from '../common/redact.ts';
import { apiMessage } from '../kube/errors.ts';
import type { KubeClient } from '../kube/types.ts';
import { forEachLimit } from '../dump/pool.ts';
import type { ObjectResult, OwnerLink, PlannedObject } from './types.ts';

/** An ownerReference as written: the owner's UID in this cluster. */
export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** The ownerReferences that can be written now, and the owners that cannot. */
export interface ResolvedOwners {
  refs: OwnerRef[];
  /** Owners this restore will still write (later in the run): relinked afterwards. */
  deferred: OwnerLink[];
  /** Owners that exist nowhere: left out for good. */
  dropped: OwnerLink[];
}

/** Finds the resource type of an owner from its group and kind (discovery's preferred version). */
export type TypeOfKind = (group: string, kind: string) => ResourceType | undefined;

const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

const key = (group: string, kind: string, namespace: string | undefined, name: string): string =>
  `${group}\0${kind}\0${namespace ?? ''}\0${name}`;

/** The owner's description for messages: `Deployment ns/web`. */
export const ownerText = (o: OwnerLink): string =>
  `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

export class OwnerBook {
  readonly #client: KubeClient;
  readonly #typeOf: TypeOfKind;
  readonly #signal: AbortSignal | undefined;
  readonly #uids = new Map<string, string>();
  /** Objects of the plan whose outcome is not final yet: owners worth waiting for. */
  readonly #pending = new Set<string>();
  readonly #lookups = new Map<string, Promise<string | undefined>>();

  constructor(client: KubeClient, typeOf: TypeOfKind, signal?: AbortSignal) {
    this.#client = client;
    this.#typeOf = typeOf;
    this.#signal = signal;
  }

  static keyOf(p: PlannedObject): string {
    return key(p.type.group, p.type.kind, p.namespace, p.name);
  }

  /** The plan writes `p`: an owner named like it is waited for instead of looked up. */
  planned(p: PlannedObject): void {
    this.#pending.add(OwnerBook.keyOf(p));
  }

  /** `p` has its final outcome: it is no longer waited for. */
  settled(p: PlannedObject): void {
    this.#pending.delete(OwnerBook.keyOf(p));
  }

  /** The UID `p` has in the cluster (created, updated or found). */
  record(p: PlannedObject, uid: string | undefined): void {
    if (uid) this.#uids.set(OwnerBook.keyOf(p), uid);
  }

  /** Forgets the cluster lookups (those found stay known), so that a later resolve looks again. */
  forgetMisses(): void {
    this.#lookups.clear();
  }

  #linkKey(o: OwnerLink): { k: string; type: ResourceType | undefined } {
    const group = groupOf(o.apiVersion);
    const type = this.#typeOf(group, o.kind);
    const namespace = type && !type.namespaced ? undefined : o.namespace;
    return { k: key(group, o.kind, namespace, o.name), type };
  }

  async #lookup(k: string, o: OwnerLink, type: ResourceType | undefined): Promise<string | undefined> {
    if (!type) return undefined;
    let found = this.#lookups.get(k);
    if (!found) {
      found = this.#client
        .find(type, o.name, type.namespaced ? o.namespace : undefined, this.#signal)
        .then((live) => str(live?.metadata?.uid))
        .catch((err: unknown) => {
          this.#signal?.throwIfAborted();
          throw new Error(`owner ${ownerText(o)} could not be looked up: ${apiMessage(err)}`, { cause: err });
        });
      this.#lookups.set(k, found);
      // A failed lookup is not remembered: the next resolve asks again.
      found.catch(() => this.#lookups.delete(k));
    }
    return found;
  }

  /**
   * The ownerReferences of `links` with the owners' UIDs in this cluster. An owner this run restored or
   * found is known; one the plan still writes is deferred (with `defer`) or looked up; any other is looked
   * up in the cluster by kind, namespace and name, and dropped when it is not there. A lookup that fails
   * (not a 404) rejects.
   */
  async resolve(links: readonly OwnerLink[], defer: boolean): Promise<ResolvedOwners> {
    const out: ResolvedOwners = { refs: [], deferred: [], dropped: [] };
    for (const o of links) {
      const { k, type } = this.#linkKey(o);
      let uid = this.#uids.get(k);
      if (!uid && defer && this.#pending.has(k)) {
        out.deferred.push(o);
        continue;
      }
      uid ??= await this.#lookup(k, o, type);
      if (!uid) {
        out.dropped.push(o);
        continue;
      }
      this.#uids.set(k, uid);
      out.refs.push({
        apiVersion: type ? apiVersionOf(type) : o.apiVersion,
        kind: o.kind,
        name: o.name,
        uid,
        ...(o.controller !== undefined && { controller: o.controller }),
        ...(o.blockOwnerDeletion !== undefined && { blockOwnerDeletion: o.blockOwnerDeletion }),
      });
    }
    return out;
  }
}

/** The sentence a result carries about owners that exist nowhere. */
export function droppedText(dropped: readonly OwnerLink[]): string | undefined {
  if (dropped.length === 0) return undefined;
  const names = dropped.map(ownerText).join(', ');
  return `ownerReference${dropped.length > 1 ? 's' : ''} to ${names} dropped: no such owner was restored or exists`;
}

/** Appends a sentence to a result's message. */
export function addMessage(r: ObjectResult, text: string | undefined): void {
  if (!text) return;
  r.message = r.message ? `${r.message}; ${text}` : text;
}

/** An object written before all its owners existed, waiting for its ownerReferences. */
export interface PendingRelink {
  planned: PlannedObject;
  /** Its result so far (created or updated); relinking adds to its message or makes it failed. */
  result: ObjectResult;
  /** The ownerReferences it was written with. */
  written: OwnerRef[];
}

/**
 * Sets the ownerReferences of each pending object with one merge patch (the list is replaced as a whole),
 * resolving its owners again now that every pass is done; owners still missing are dropped and said in its
 * message. A patch that fails makes the result `failed` with reason `RelinkFailed`: the object exists, but
 * without its owners. No patch is sent when nothing changed.
 */
export async function relinkOwners(
  client: KubeClient,
  book: OwnerBook,
  pending: readonly PendingRelink[],
  opts: { parallelism: number; fieldManager: string; signal?: AbortSignal },
): Promise<void> {
  book.forgetMisses();
  await forEachLimit(pending, opts.parallelism, async ({ planned, result, written }) => {
    try {
      const { refs, dropped } = await book.resolve(planned.owners, false);
      addMessage(result, droppedText(dropped));
      if (deepEqual(refs, written)) return;
      await client.patch(
        planned.type,
        planned.name,
        { metadata: { ownerReferences: refs } },
        {
          type: 'merge',
          namespace: planned.namespace,
          fieldManager: opts.fieldManager,
          signal: opts.signal,
        },
      );
    } catch (err) {
      opts.signal?.throwIfAborted();
      result.outcome = 'failed';
      result.reason = 'RelinkFailed';
      addMessage(result, `its ownerReferences could not be set: ${redact(apiMessage(err))}`);
    }
  });
}
