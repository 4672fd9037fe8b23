// The Kubernetes objects behind a Repository, read (and, for a password rotation, the encryption Secret
// written) through a KubeClient: the Repository, the BackupStorage its `spec.storageRef` names, the storage
// credential Secret and the encryption Secret. Objects are read leniently (any field may be missing or of
// the wrong type) and what a user can fix is a RepositoryAccessError naming the object, the field and the fix.
import { K8S, KUBESTASH, qualifiedName, type ResourceType } from '../api/resource-type.ts';
import { isObject, str, type JsonObject } from '../common/json.ts';
import { apiMessage, errorClass, isNotFound, statusCode } from '../kube/errors.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';
import type { StorageSpec } from '../storage/types.ts';
import { RepositoryAccessError } from './errors.ts';

export interface ObjectKey {
  namespace: string;
  name: string;
}

/** `namespace/name`, as messages name an object. */
export const keyText = (key: ObjectKey): string => `${key.namespace}/${key.name}`;

/** The fields of a Repository the data path reads. */
export interface RepositoryInfo {
  key: ObjectKey;
  path: string;
  storageRef: ObjectKey;
  /** Absent when the Repository names no encryption Secret. */
  encryptionSecret?: ObjectKey;
  componentPaths: string[];
}

export interface BackupStorageInfo {
  key: ObjectKey;
  storage: StorageSpec;
  /** `spec.storage.<provider>.secretName`, in the BackupStorage's namespace. */
  secretName?: string;
}

/** A Secret's decoded data. */
export interface SecretInfo {
  key: ObjectKey;
  data: Record<string, string>;
  annotations: Record<string, string>;
  resourceVersion?: string;
}

/** A Secret as the API serves it: `data` values are base64. */
interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** A non-empty string, else undefined. */
const named = (v: unknown): string | undefined => str(v) || undefined;

/** Reads and writes the objects of Repositories through one client. */
export class RepositoryObjects {
  readonly #client: KubeClient;

  constructor(client: KubeClient) {
    this.#client = client;
  }

  async repository(key: ObjectKey): Promise<RepositoryInfo> {
    return parseRepository(key, await this.#getCustom(KUBESTASH.repositories, key));
  }

  async backupStorage(key: ObjectKey): Promise<BackupStorageInfo> {
    const obj = await this.#getCustom(KUBESTASH.backupStorages, key);
    const spec = isObject(obj.spec) ? obj.spec : {};
    if (!isObject(spec.storage)) {
      throw new RepositoryAccessError(`BackupStorage ${keyText(key)} has no spec.storage`);
    }
    const storage = spec.storage as StorageSpec;
    const provider = named(storage.provider);
    const block: unknown = provider ? (storage as JsonObject)[provider] : undefined;
    const secretName = isObject(block) ? named(block.secretName) : undefined;
    return { key, storage, ...(secretName ? { secretName } : {}) };
  }

  /** Every Repository (cluster-wide when allowed, else in `fallbackNamespace`), parsed leniently. */
  async repositories(fallbackNamespace: string): Promise<{ items: RepositoryInfo[]; clusterWide: boolean }> {
    let list: { items: unknown[] };
    let clusterWide = true;
    try {
      list = await this.#client.listAll(KUBESTASH.repositories);
    } catch (err) {
      if (statusCode(err) !== 403) throw readFailed('list Repositories', err);
      clusterWide = false;
      try {
        list = await this.#client.listAll(KUBESTASH.repositories, { namespace: fallbackNamespace });
      } catch (inner) {
        throw readFailed(`list Repositories in namespace ${fallbackNamespace}`, inner);
      }
    }
    const items: RepositoryInfo[] = [];
    for (const item of list.items) {
      if (!isObject(item) || !isObject(item.metadata)) continue;
      const name = named(item.metadata.name);
      const namespace = named(item.metadata.namespace);
      if (!name || !namespace) continue;
      try {
        items.push(parseRepository({ namespace, name }, item));
      } catch {
        // a Repository that cannot be read names no Secret it could share
      }
    }
    return { items, clusterWide };
  }

  /** A Secret's decoded data; `what` says what the Secret is for, e.g. `spec.encryptionSecret of …`. */
  async secret(key: ObjectKey, what: string): Promise<SecretInfo> {
    let secret: SecretObject;
    try {
      secret = await this.#client.get<SecretObject>(K8S.secrets, key.name, key.namespace);
    } catch (err) {
      if (isNotFound(err)) {
        throw new RepositoryAccessError(`Secret ${keyText(key)} (${what}) does not exist: create it`);
      }
      if (statusCode(err) === 403) {
        throw new RepositoryAccessError(
          `reading Secret ${keyText(key)} (${what}) is forbidden: it is read with your own identity; ` +
            `you need "get" on secrets in namespace ${key.namespace}`,
        );
      }
      throw readFailed(`read Secret ${keyText(key)}`, err);
    }
    return toSecretInfo(key, secret);
  }

  /**
   * Sets keys of a Secret's data and sets or (with null) removes annotations, guarded by the
   * resourceVersion `secret` was read at: a Secret changed in between is a conflict, never overwritten.
   * Returns the Secret as written (its new resourceVersion guards the next update).
   */
  async updateSecret(
    secret: SecretInfo,
    change: { data?: Record<string, string>; annotations?: Record<string, string | null> },
  ): Promise<SecretInfo> {
    const current = await this.#readForUpdate(secret);
    const data = { ...current.data };
    for (const [k, v] of Object.entries(change.data ?? {}))
      data[k] = Buffer.from(v, 'utf8').toString('base64');
    const annotations = { ...current.metadata?.annotations };
    for (const [k, v] of Object.entries(change.annotations ?? {})) {
      if (v === null) delete annotations[k];
      else annotations[k] = v;
    }
    const body = { ...current, data, metadata: { ...current.metadata, annotations } };
    let written: SecretObject;
    try {
      written = await this.#client.replace(K8S.secrets, body, { namespace: secret.key.namespace });
    } catch (err) {
      if (statusCode(err) === 409) throw changedMeanwhile(secret.key);
      if (statusCode(err) === 403) {
        throw new RepositoryAccessError(
          `updating Secret ${keyText(secret.key)} is forbidden: you need "update" on secrets in namespace ` +
            `${secret.key.namespace}; then run the same command again (it resumes)`,
        );
      }
      throw readFailed(`update Secret ${keyText(secret.key)}`, err);
    }
    return toSecretInfo(secret.key, written);
  }

  async #readForUpdate(secret: SecretInfo): Promise<SecretObject> {
    let current: SecretObject;
    try {
      current = await this.#client.get<SecretObject>(K8S.secrets, secret.key.name, secret.key.namespace);
    } catch (err) {
      throw readFailed(`read Secret ${keyText(secret.key)}`, err);
    }
    if (secret.resourceVersion && current.metadata?.resourceVersion !== secret.resourceVersion) {
      throw changedMeanwhile(secret.key);
    }
    return current;
  }

  async #getCustom(r: ResourceType, key: ObjectKey): Promise<JsonObject> {
    let obj: unknown;
    try {
      obj = await this.#client.get(r, key.name, key.namespace);
    } catch (err) {
      if (isNotFound(err)) {
        if (/could not find the requested resource/i.test(apiMessage(err))) {
          throw new RepositoryAccessError(
            `the cluster does not serve ${qualifiedName(r)}/${r.version}: install the CRDs (kubectl apply --server-side -k deploy/)`,
          );
        }
        throw new RepositoryAccessError(`${r.kind} ${keyText(key)} not found (check the name and namespace)`);
      }
      throw readFailed(`read ${r.kind} ${keyText(key)}`, err);
    }
    if (!isObject(obj)) {
      throw new RepositoryAccessError(`${r.kind} ${keyText(key)}: the API server returned no object`);
    }
    return obj;
  }
}

function parseRepository(key: ObjectKey, obj: JsonObject): RepositoryInfo {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const status = isObject(obj.status) ? obj.status : {};
  const path = named(spec.path);
  if (!path) throw new RepositoryAccessError(`Repository ${keyText(key)} has no spec.path`);
  const storageRef = isObject(spec.storageRef) ? spec.storageRef : {};
  const storageName = named(storageRef.name);
  if (!storageName) throw new RepositoryAccessError(`Repository ${keyText(key)} has no spec.storageRef.name`);
  const info: RepositoryInfo = {
    key,
    path,
    storageRef: { namespace: named(storageRef.namespace) ?? key.namespace, name: storageName },
    componentPaths: Array.isArray(status.componentPaths)
      ? status.componentPaths.filter((p): p is string => typeof p === 'string' && p !== '')
      : [],
  };
  if (isObject(spec.encryptionSecret)) {
    const name = named(spec.encryptionSecret.name);
    if (name) {
      info.encryptionSecret = { namespace: named(spec.encryptionSecret.namespace) ?? key.namespace, name };
    }
  }
  return info;
}

function toSecretInfo(key: ObjectKey, secret: SecretObject): SecretInfo {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
  const resourceVersion = secret.metadata?.resourceVersion;
  return {
    key,
    data,
    annotations: { ...secret.metadata?.annotations },
    ...(resourceVersion ? { resourceVersion } : {}),
  };
}

function changedMeanwhile(key: ObjectKey): RepositoryAccessError {
  return new RepositoryAccessError(
    `Secret ${keyText(key)} changed while the password was being rotated; ` +
      'check who changed it, then run the same command again (it resumes)',
  );
}

function readFailed(what: string, err: unknown): RepositoryAccessError {
  const code = statusCode(err);
  return new RepositoryAccessError(`could not ${what}: ${code ? `HTTP ${code}: ` : ''}${apiMessage(err)}`, {
    cause: err,
    retryable: errorClass(err) === 'retryable',
  });
}
