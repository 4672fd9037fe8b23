// BackupConfiguration defaulting (the mutating webhook): the default BackupStorage and RetentionPolicy of
// the namespace fill in what the object leaves out.
import { pickDefault } from '../api/defaults-lookup.ts';
import { keyOf, type ObjectKey } from '../api/object-meta.ts';
import type { NamespaceInfo } from '../api/usage-policy.ts';
import { at, isObject } from '../common/json.ts';
import { allow, pointer, type Decision, type JsonPatchOp } from './decision.ts';

export interface BackupConfigurationDefaulting {
  namespace: NamespaceInfo;
  object: unknown;
  /** Every BackupStorage and RetentionPolicy in the cluster (only `default: true` ones matter). */
  storages: readonly unknown[];
  policies: readonly unknown[];
}

const refTo = (o: unknown): ObjectKey => ({ name: keyOf(o).name, namespace: keyOf(o).namespace });

/**
 * §1.5 defaults: without backends, one backend (with an empty name) on the default BackupStorage of the
 * namespace; every backend without a retentionPolicy gets the default RetentionPolicy. Where no default
 * exists nothing is added, and validation explains what to set.
 */
export function mutateBackupConfiguration(a: BackupConfigurationDefaulting): Decision {
  const spec = at(a.object, 'spec');
  if (!isObject(spec)) return allow();
  const backends = spec.backends;
  if (backends !== undefined && backends !== null && !Array.isArray(backends)) return allow();
  const policy = pickDefault(a.policies, a.namespace);
  const patch: JsonPatchOp[] = [];
  if (!Array.isArray(backends) || backends.length === 0) {
    const storage = pickDefault(a.storages, a.namespace);
    if (!storage) return { ...allow(), unresolved: true };
    const backend: Record<string, unknown> = { storageRef: refTo(storage) };
    if (policy) backend.retentionPolicy = refTo(policy);
    patch.push({ op: 'add', path: '/spec/backends', value: [backend] });
    return allow(patch);
  }
  const needsPolicy = backends.some(
    (b) => isObject(b) && (b.retentionPolicy === undefined || b.retentionPolicy === null),
  );
  if (!policy) return needsPolicy ? { ...allow(), unresolved: true } : allow();
  backends.forEach((b, i) => {
    if (isObject(b) && (b.retentionPolicy === undefined || b.retentionPolicy === null)) {
      patch.push({
        op: 'add',
        path: pointer('spec', 'backends', i, 'retentionPolicy'),
        value: refTo(policy),
      });
    }
  });
  return allow(patch);
}
