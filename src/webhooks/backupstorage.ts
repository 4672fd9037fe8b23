// BackupStorage admission: defaults (usage policy, trailing slashes) and the rules that need other objects.
import { allow, pointer, verdict, type Decision, type Denial, type JsonPatchOp } from './decision.ts';
import { arr, at, deepEqual, isObject, q, str } from '../common/json.ts';
import { keyOf, keyText, sameKey, type ObjectKey } from '../api/object-meta.ts';
import { usagePolicyDefaults } from './defaults.ts';

/** The fields whose trailing `/` is stripped, per provider. */
const SLASH_TRIMMED: Readonly<Record<string, readonly string[]>> = {
  s3: ['bucket', 'endpoint', 'prefix'],
  gcs: ['bucket', 'prefix'],
  azure: ['prefix'],
};

/**
 * Defaults of a BackupStorage: `usagePolicy.allowedNamespaces.from: Same` when absent, and no trailing
 * `/` on the s3 bucket, endpoint and prefix, the gcs bucket and prefix, or the azure prefix (KubeStash
 * joins these with `/` itself). Fields of the wrong type are left for the schema to reject.
 */
export function mutateBackupStorage(object: unknown): Decision {
  const spec = at(object, 'spec');
  if (!isObject(spec)) return allow();
  const patch: JsonPatchOp[] = [...usagePolicyDefaults(spec)];
  const storage = spec.storage;
  if (isObject(storage)) {
    for (const [provider, fields] of Object.entries(SLASH_TRIMMED)) {
      const backend = storage[provider];
      if (!isObject(backend)) continue;
      for (const f of fields) {
        const v = backend[f];
        if (typeof v === 'string' && v.endsWith('/')) {
          patch.push({
            op: 'replace',
            path: pointer('spec', 'storage', provider, f),
            value: v.replace(/\/+$/, ''),
          });
        }
      }
    }
  }
  return allow(patch);
}

/** Where a BackupStorage keeps its data, in the terms that make two storages collide. */
export interface StorageLocation {
  provider: 's3' | 'gcs' | 'azure';
  /** Equal for two storages exactly when they share the location. */
  key: string;
  /** The location for messages, e.g. `s3 bucket "b", region "r", prefix "p"`. */
  text: string;
}

const trimSlashes = (s: string): string => s.replace(/^\/+|\/+$/g, '');

/**
 * The location of `spec.storage`: s3 bucket + region + prefix, gcs bucket + prefix, azure storage account
 * + container + prefix (prefixes compared without leading or trailing `/`). Local volumes have no
 * comparable location: undefined.
 */
export function storageLocation(storage: unknown): StorageLocation | undefined {
  if (!isObject(storage)) return undefined;
  const provider = str(storage.provider);
  const s = (k: string, f: string): string => trimSlashes(str(at(storage, k, f)) ?? '');
  if (provider === 's3' && isObject(storage.s3)) {
    const [bucket, region, prefix] = [s('s3', 'bucket'), str(storage.s3.region) ?? '', s('s3', 'prefix')];
    return {
      provider,
      key: JSON.stringify(['s3', bucket, region, prefix]),
      text: `s3 bucket ${q(bucket)}, region ${q(region)}, prefix ${q(prefix)}`,
    };
  }
  if (provider === 'gcs' && isObject(storage.gcs)) {
    const [bucket, prefix] = [s('gcs', 'bucket'), s('gcs', 'prefix')];
    return {
      provider,
      key: JSON.stringify(['gcs', bucket, prefix]),
      text: `gcs bucket ${q(bucket)}, prefix ${q(prefix)}`,
    };
  }
  if (provider === 'azure' && isObject(storage.azure)) {
    const [account, container, prefix] = [
      s('azure', 'storageAccount'),
      s('azure', 'container'),
      s('azure', 'prefix'),
    ];
    return {
      provider,
      key: JSON.stringify(['azure', account, container, prefix]),
      text: `azure storage account ${q(account)}, container ${q(container)}, prefix ${q(prefix)}`,
    };
  }
  return undefined;
}

export interface BackupStorageAdmission {
  operation: string;
  /** The namespace the object is admitted into. */
  namespace: string;
  object: unknown;
  oldObject?: unknown;
  /** Every BackupStorage in the cluster, in any namespace (the admitted one may be among them). */
  storages: readonly unknown[];
}

/**
 * The BackupStorage rules that involve other objects or the previous version: one default per namespace;
 * `spec.storage` fixed while repositories use it; no two BackupStorages, in any namespaces, on one
 * location. On update a rule is checked only when its field changes, so an
 * object that predates a rule can still be edited.
 */
export function validateBackupStorage(a: BackupStorageAdmission): Decision {
  const self: ObjectKey = { namespace: a.namespace, name: keyOf(a.object).name };
  const others = a.storages.filter((s) => !sameKey(keyOf(s), self));
  const update = a.operation === 'UPDATE' && a.oldObject !== undefined;
  const spec = at(a.object, 'spec');
  const denials: Denial[] = [];

  const isDefault = at(spec, 'default') === true;
  if (isDefault && !(update && at(a.oldObject, 'spec', 'default') === true)) {
    const other = others.find((s) => keyOf(s).namespace === a.namespace && at(s, 'spec', 'default') === true);
    if (other) {
      denials.push({
        field: 'spec.default',
        problem: `BackupStorage ${q(keyText(keyOf(other)))} is already the default in namespace ${q(a.namespace)}, and a namespace has at most one default BackupStorage`,
        fix: `set spec.default: false here, or set it to false on ${q(keyOf(other).name)} first`,
      });
    }
  }

  const storage = at(spec, 'storage');
  const oldStorage = at(a.oldObject, 'spec', 'storage');
  const storageChanged = !update || !deepEqual(storage, oldStorage);
  if (update && storageChanged) {
    const inUse = arr(at(a.oldObject, 'status', 'repositories'));
    if (inUse.length > 0) {
      const names = inUse
        .slice(0, 3)
        .map((r) => `${str(at(r, 'namespace')) ?? ''}/${str(at(r, 'name')) ?? ''}`)
        .join(', ');
      denials.push({
        field: 'spec.storage',
        problem: `BackupStorage is currently in use and cannot be modified (${inUse.length} repositories use it: ${names}${inUse.length > 3 ? ', …' : ''})`,
        fix: 'keep spec.storage as it was; to move backups elsewhere, create a new BackupStorage and point the BackupConfigurations at it',
      });
    }
  }

  const location = storageChanged ? storageLocation(storage) : undefined;
  if (location) {
    const clash = others.find((s) => storageLocation(at(s, 'spec', 'storage'))?.key === location.key);
    if (clash) {
      const k = keyText(keyOf(clash));
      denials.push({
        field: `spec.storage.${location.provider}`,
        problem: `BackupStorage ${q(k)} already uses the same location (${location.text}); two BackupStorages on one location would overwrite each other's metadata and repositories`,
        fix: `use another prefix (or bucket), or use BackupStorage ${q(k)} instead`,
      });
    }
  }
  return verdict(denials);
}
