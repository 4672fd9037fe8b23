// What `cairn repo …` reads from (and, for a password rotation, writes to) the cluster: the Repository,
// the BackupStorage its `spec.storageRef` names, the storage credential Secret and the encryption Secret.
// Every problem a user can fix is a RepoCliError whose message names the object, the field and the fix.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { STORAGE_GROUP } from '../../api/kinds/meta.ts';
import { apiMessage, isNotFound, statusCode } from '../../kube/errors.ts';
import type { StorageSpec } from '../../storage/types.ts';

const VERSION = 'v1alpha1';
export const RESTIC_PASSWORD_KEY = 'RESTIC_PASSWORD';

/** A problem the user can fix; the message says what is missing and how to fix it. */
export class RepoCliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RepoCliError';
  }
}

export interface ObjectKey {
  namespace: string;
  name: string;
}

export const keyText = (key: ObjectKey): string => `${key.namespace}/${key.name}`;

/** The fields of a Repository the CLI reads. */
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

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The cluster side of `cairn repo`. */
export class RepoCluster {
  readonly #custom: CustomObjectsApi;
  readonly #core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.#custom = kc.makeApiClient(CustomObjectsApi);
    this.#core = kc.makeApiClient(CoreV1Api);
  }

  async repository(key: ObjectKey): Promise<RepositoryInfo> {
    const obj = await this.#getCustom('repositories', 'Repository', key);
    return parseRepository(key, obj);
  }

  async backupStorage(key: ObjectKey): Promise<BackupStorageInfo> {
    const obj = await this.#getCustom('backupstorages', 'BackupStorage', key);
    const spec = isObject(obj.spec) ? obj.spec : {};
    if (!isObject(spec.storage)) {
      throw new RepoCliError(`BackupStorage ${keyText(key)} has no spec.storage`);
    }
    const storage = spec.storage as StorageSpec;
    const provider = str(storage.provider);
    const block: unknown = provider ? (storage as Json)[provider] : undefined;
    const secretName = isObject(block) ? str(block.secretName) : undefined;
    return { key, storage, ...(secretName ? { secretName } : {}) };
  }

  /** Every Repository (cluster-wide when allowed, else in `fallbackNamespace`), parsed leniently. */
  async repositories(fallbackNamespace: string): Promise<{ items: RepositoryInfo[]; clusterWide: boolean }> {
    const base = { group: STORAGE_GROUP, version: VERSION, plural: 'repositories' };
    let list: unknown;
    let clusterWide = true;
    try {
      list = await this.#custom.listClusterCustomObject(base);
    } catch (err) {
      if (statusCode(err) !== 403) throw readFailed('list Repositories', err);
      clusterWide = false;
      try {
        list = await this.#custom.listNamespacedCustomObject({ ...base, namespace: fallbackNamespace });
      } catch (inner) {
        throw readFailed(`list Repositories in namespace ${fallbackNamespace}`, inner);
      }
    }
    const items: RepositoryInfo[] = [];
    const raw = isObject(list) && Array.isArray(list.items) ? list.items : [];
    for (const item of raw) {
      if (!isObject(item) || !isObject(item.metadata)) continue;
      const name = str(item.metadata.name);
      const namespace = str(item.metadata.namespace);
      if (!name || !namespace) continue;
      try {
        items.push(parseRepository({ namespace, name }, item));
      } catch {
        // a Repository the CLI cannot read names no Secret it could share
      }
    }
    return { items, clusterWide };
  }

  /** A Secret's decoded data; `what` says what the Secret is for, e.g. `the encryption Secret of …`. */
  async secret(key: ObjectKey, what: string): Promise<SecretInfo> {
    let secret: V1Secret;
    try {
      secret = await this.#core.readNamespacedSecret(key);
    } catch (err) {
      if (isNotFound(err)) {
        throw new RepoCliError(`Secret ${keyText(key)} (${what}) does not exist: create it`);
      }
      if (statusCode(err) === 403) {
        throw new RepoCliError(
          `reading Secret ${keyText(key)} (${what}) is forbidden: the CLI reads it with your own identity; ` +
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
    const body: V1Secret = { ...current, data, metadata: { ...current.metadata, annotations } };
    let written: V1Secret;
    try {
      written = await this.#core.replaceNamespacedSecret({ ...secret.key, body });
    } catch (err) {
      if (statusCode(err) === 409) throw changedMeanwhile(secret.key);
      if (statusCode(err) === 403) {
        throw new RepoCliError(
          `updating Secret ${keyText(secret.key)} is forbidden: you need "update" on secrets in namespace ` +
            `${secret.key.namespace}; then run the same command again (it resumes)`,
        );
      }
      throw readFailed(`update Secret ${keyText(secret.key)}`, err);
    }
    return toSecretInfo(secret.key, written);
  }

  async #readForUpdate(secret: SecretInfo): Promise<V1Secret> {
    let current: V1Secret;
    try {
      current = await this.#core.readNamespacedSecret(secret.key);
    } catch (err) {
      throw readFailed(`read Secret ${keyText(secret.key)}`, err);
    }
    if (secret.resourceVersion && current.metadata?.resourceVersion !== secret.resourceVersion) {
      throw changedMeanwhile(secret.key);
    }
    return current;
  }

  async #getCustom(plural: string, kind: string, key: ObjectKey): Promise<Json> {
    let obj: unknown;
    try {
      obj = await this.#custom.getNamespacedCustomObject({
        group: STORAGE_GROUP,
        version: VERSION,
        plural,
        ...key,
      });
    } catch (err) {
      if (isNotFound(err)) {
        const body = apiMessage(err);
        if (/could not find the requested resource/i.test(body)) {
          throw new RepoCliError(
            `the cluster does not serve ${plural}.${STORAGE_GROUP}/${VERSION}: install the CRDs (kubectl apply --server-side -k deploy/)`,
          );
        }
        throw new RepoCliError(`${kind} ${keyText(key)} not found (check the name and -n/--namespace)`);
      }
      throw readFailed(`read ${kind} ${keyText(key)}`, err);
    }
    if (!isObject(obj)) throw new RepoCliError(`${kind} ${keyText(key)}: the API server returned no object`);
    return obj;
  }
}

function parseRepository(key: ObjectKey, obj: Json): RepositoryInfo {
  const spec = isObject(obj.spec) ? obj.spec : {};
  const status = isObject(obj.status) ? obj.status : {};
  const path = str(spec.path);
  if (!path) throw new RepoCliError(`Repository ${keyText(key)} has no spec.path`);
  const storageRef = isObject(spec.storageRef) ? spec.storageRef : {};
  const storageName = str(storageRef.name);
  if (!storageName) throw new RepoCliError(`Repository ${keyText(key)} has no spec.storageRef.name`);
  const info: RepositoryInfo = {
    key,
    path,
    storageRef: { namespace: str(storageRef.namespace) ?? key.namespace, name: storageName },
    componentPaths: Array.isArray(status.componentPaths)
      ? status.componentPaths.filter((p): p is string => typeof p === 'string' && p !== '')
      : [],
  };
  if (isObject(spec.encryptionSecret)) {
    const name = str(spec.encryptionSecret.name);
    if (name)
      info.encryptionSecret = { namespace: str(spec.encryptionSecret.namespace) ?? key.namespace, name };
  }
  return info;
}

function toSecretInfo(key: ObjectKey, secret: V1Secret): SecretInfo {
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

function changedMeanwhile(key: ObjectKey): RepoCliError {
  return new RepoCliError(
    `Secret ${keyText(key)} changed while the password was being rotated; ` +
      'check who changed it, then run the same command again (it resumes)',
  );
}

function readFailed(what: string, err: unknown): RepoCliError {
  const code = statusCode(err);
  return new RepoCliError(`could not ${what}: ${code ? `HTTP ${code}: ` : ''}${apiMessage(err)}`, {
    cause: err,
  });
}
