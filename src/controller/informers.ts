// The process's informers: one per resource, namespace and selectors, shared by every reconciler and the
// admission webhooks, so each resource is listed and watched once whatever number of readers it has. The
// set starts them together, says which are not synced yet (readiness), and stops them together.
import { qualifiedName, type ResourceType } from '../api/resource-type.ts';
import { isNotFound } from '../kube/errors.ts';
import { createInformer, type Informer, type InformerOptions } from '../kube/informer.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';
import { errorText } from '../common/redact.ts';
import { LogMessage, type Log } from '../common/log.ts';

export interface InformerSpec<T extends KubeObject = KubeObject> {
  resource: ResourceType;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Metadata only (see InformerOptions.metadataOnly): a different informer than the whole objects'. */
  metadataOnly?: boolean;
  indexes?: Record<string, (obj: T) => string[]>;
}

/** What makes two informers the same: resource, namespace, selectors and whether they hold metadata only. */
export type InformerSelection = Pick<
  InformerSpec,
  'resource' | 'namespace' | 'labelSelector' | 'fieldSelector' | 'metadataOnly'
>;

export type InformerFactory = <T extends KubeObject>(
  client: KubeClient,
  o: InformerOptions<T>,
) => Informer<T>;

/** The identity of an informer: two specs with the same identity share one informer. */
export function informerId(s: InformerSelection): string {
  return [
    qualifiedName(s.resource),
    s.namespace ?? '',
    s.labelSelector ?? '',
    s.fieldSelector ?? '',
    ...(s.metadataOnly ? ['metadata'] : []),
  ].join('|');
}

/** A short description for logs and readiness: `secrets in cairn-system (metadata.name=x)`. */
export function describeInformer(s: InformerSelection): string {
  const selectors = [s.labelSelector, s.fieldSelector].filter(Boolean).join(',');
  return `${s.metadataOnly ? 'metadata of ' : ''}${qualifiedName(s.resource)}${s.namespace ? ` in ${s.namespace}` : ''}${selectors ? ` (${selectors})` : ''}`;
}

interface Entry {
  spec: InformerSelection;
  informer: Informer<KubeObject>;
  indexNames: Set<string>;
  /** Why the informer's last LIST or watch failed (kept after a sync, but only read while unsynced). */
  lastError?: string;
}

/**
 * What an informer's failure means to the person installing Cairn. A 404 on a LIST is a resource the API
 * server does not serve, which for Cairn's own Kinds means their CustomResourceDefinitions are missing.
 */
export function informerFailure(s: InformerSelection, err: unknown): string {
  if (isNotFound(err)) {
    const { group, version, plural } = s.resource;
    return `the API server does not serve ${group ? `${group}/` : ''}${version} ${plural}: install its CustomResourceDefinition (Cairn's are in deploy/crds) and the operator picks it up on its next try`;
  }
  return errorText(err);
}

export class Informers {
  readonly #client: KubeClient;
  readonly #log: Log;
  readonly #create: InformerFactory;
  readonly #entries = new Map<string, Entry>();
  #started = false;
  #stopped = false;

  /** The client the informers list and watch with (readers that GET what they do not cache use it too). */
  get client(): KubeClient {
    return this.#client;
  }

  constructor(client: KubeClient, o: { log: Log; create?: InformerFactory }) {
    this.#client = client;
    this.#log = o.log;
    this.#create = o.create ?? createInformer;
  }

  /**
   * The shared informer of `spec`, made on first request; started at once when the set runs already.
   * Indexes are fixed when it is made: a later request for an index it lacks is a wiring error and throws.
   */
  informer<T extends KubeObject>(spec: InformerSpec<T>): Informer<T> {
    if (this.#stopped) throw new Error('the informers were stopped');
    const id = informerId(spec);
    const known = this.#entries.get(id);
    if (known) {
      const missing = Object.keys(spec.indexes ?? {}).filter((n) => !known.indexNames.has(n));
      if (missing.length > 0) {
        throw new Error(
          `the informer of ${describeInformer(known.spec)} was made without the index ${missing.join(', ')}: ` +
            'declare every index at its first request',
        );
      }
      return known.informer as unknown as Informer<T>;
    }
    const what = describeInformer(spec);
    const informer = this.#create<T>(this.#client, {
      ...spec,
      // The entry exists by the time an informer reports: none runs before it is started below or later.
      onError: (err) => this.#failed(entry, what, err),
    });
    const entry: Entry = {
      spec,
      informer,
      indexNames: new Set(Object.keys(spec.indexes ?? {})),
    };
    this.#entries.set(id, entry);
    if (this.#started) informer.start();
    return informer;
  }

  /** Logs an informer's failure; a missing CRD fails every retry alike, so it is said once per reason. */
  #failed(entry: Entry, what: string, err: unknown): void {
    const why = informerFailure(entry.spec, err);
    if (!isNotFound(err) || why !== entry.lastError) {
      this.#log.warn(LogMessage.informerFailed, { resource: what, err: why });
    }
    entry.lastError = why;
  }

  /** Starts every informer made so far (and every one made later). */
  start(): void {
    if (this.#started || this.#stopped) return;
    this.#started = true;
    for (const e of this.#entries.values()) e.informer.start();
  }

  /** The informers whose first LIST has not completed, described. */
  unsynced(): string[] {
    return this.#unsynced().map((e) => describeInformer(e.spec));
  }

  /** The unsynced informers whose tries have failed, each with the last reason: what readiness reports. */
  failures(): string[] {
    return this.#unsynced()
      .filter((e) => e.lastError !== undefined)
      .map((e) => `${describeInformer(e.spec)}: ${e.lastError ?? ''}`);
  }

  #unsynced(): Entry[] {
    return [...this.#entries.values()].filter((e) => !e.informer.synced);
  }

  get synced(): boolean {
    return this.unsynced().length === 0;
  }

  /** Resolves once every informer made so far is synced; rejects when the signal aborts. */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.informer.waitForSync(signal)));
    if (!this.#stopped) this.#log.info(LogMessage.informersSynced, {});
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await Promise.all([...this.#entries.values()].map((e) => e.informer.stop()));
  }
}
