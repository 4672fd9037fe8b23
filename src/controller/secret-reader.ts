// Secrets for reconcilers without caching every Secret of the cluster. A cluster holds many large Secrets the
// operator never uses (Helm release records, tokens, certificates); an informer of whole Secrets keeps all of
// them in memory. Here the shared informer holds their metadata only (enough to run the keys of a changed
// Secret), and a reconciler GETs the few Secrets it names when it needs their data. What it got is kept, for
// as long as the metadata informer shows the same resourceVersion, so that many reconciles of objects naming
// one Secret cost one GET.
import { K8S } from '../api/resource-type.ts';
import type { Informer } from '../kube/informer.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';
import type { Informers } from './informers.ts';

/** Whole Secrets kept at most; beyond it the least recently read is dropped (read again on demand). */
const MAX_KEPT = 64;

export interface SecretReader<T extends KubeObject = KubeObject> {
  /**
   * Every Secret's metadata (PartialObjectMetadata: name, namespace, labels, annotations, resourceVersion;
   * never data): the source of a controller's watch on the Secrets its objects name.
   */
  readonly metadata: Informer<KubeObject>;
  /**
   * The Secret with its data, or undefined when it does not exist: current as of the metadata informer
   * (a GET unless the Secret was read at the resourceVersion the informer shows). Not a copy: never modify it.
   */
  read(name: string, namespace: string | undefined): Promise<T | undefined>;
}

const shared = new WeakMap<Informers, SecretReader>();

/** The process's reader of Secrets, over the shared metadata-only informer of every Secret. */
export function secretReader<T extends KubeObject = KubeObject>(informers: Informers): SecretReader<T> {
  let reader = shared.get(informers);
  if (!reader) {
    const metadata = informers.informer<KubeObject>({ resource: K8S.secrets, metadataOnly: true });
    reader = new CachingSecretReader(informers.client, metadata);
    shared.set(informers, reader);
  }
  return reader as SecretReader<T>;
}

export class CachingSecretReader<T extends KubeObject = KubeObject> implements SecretReader<T> {
  readonly metadata: Informer<KubeObject>;
  readonly #client: KubeClient;
  /** namespace/name → the Secret as last read; Map order is the order of use (oldest first). */
  readonly #kept = new Map<string, T>();
  /** GETs in flight, shared by concurrent readers of one Secret. */
  readonly #reading = new Map<string, Promise<T | undefined>>();

  constructor(client: KubeClient, metadata: Informer<KubeObject>) {
    this.#client = client;
    this.metadata = metadata;
    // A changed or deleted Secret's data is dropped at once rather than at its next read.
    metadata.on({
      updated: (before, after) => {
        if (before.metadata?.resourceVersion !== after.metadata?.resourceVersion) this.#drop(after);
      },
      deleted: (gone) => this.#drop(gone),
    });
  }

  /** How many whole Secrets are kept (for tests). */
  get kept(): number {
    return this.#kept.size;
  }

  async read(name: string, namespace: string | undefined): Promise<T | undefined> {
    const ns = namespace ?? this.#client.namespace;
    const key = `${ns}/${name}`;
    const version = this.metadata.get(name, ns)?.metadata?.resourceVersion;
    const kept = this.#kept.get(key);
    if (kept && version !== undefined && kept.metadata?.resourceVersion === version) {
      this.#kept.delete(key);
      this.#kept.set(key, kept);
      return kept;
    }
    let reading = this.#reading.get(key);
    if (!reading) {
      reading = this.#get(key, name, ns).finally(() => this.#reading.delete(key));
      this.#reading.set(key, reading);
    }
    return reading;
  }

  /** GETs the Secret (a missing one too: the metadata informer may lag behind a Secret just created). */
  async #get(key: string, name: string, namespace: string): Promise<T | undefined> {
    const secret = await this.#client.find<T>(K8S.secrets, name, namespace);
    this.#kept.delete(key);
    if (!secret) return undefined;
    this.#kept.set(key, secret);
    for (const oldest of this.#kept.keys()) {
      if (this.#kept.size <= MAX_KEPT) break;
      this.#kept.delete(oldest);
    }
    return secret;
  }

  #drop(o: KubeObject): void {
    this.#kept.delete(`${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
  }
}
