// BackupConfiguration validation against other objects: the usage policies of the BackupStorages,
// RetentionPolicies and HookTemplates it refers to, and the Repositories that exist or that it would create.
// The rules on the spec alone are in backupconfiguration-spec-rules.ts; this module's entry point runs both.
import { findByKey, keyOf, keyText, resolveRef, sameKey, type ObjectKey } from '../api/object-meta.ts';
import { usageAllowed, usageRefusal, type NamespaceInfo, type PolicyHolder } from '../api/usage-policy.ts';
import { arr, at, isObject, q, str } from '../common/json.ts';
import { BACKUP_HOOK_LISTS, repoEntries } from './backupconfiguration-entries.ts';
import { specDenials } from './backupconfiguration-spec-rules.ts';
import { verdict, type Decision, type Denial } from './decision.ts';
import { comparablePath, repositoryAt } from './repository.ts';
import { scheduleWarning } from './schedule.ts';

/** Everything a BackupConfiguration refers to, resolved against its namespace. */
export interface BackupConfigurationRefs {
  storages: ObjectKey[];
  policies: ObjectKey[];
  hookTemplates: ObjectKey[];
}

export function backupConfigurationRefs(object: unknown, namespace: string): BackupConfigurationRefs {
  const refs: BackupConfigurationRefs = { storages: [], policies: [], hookTemplates: [] };
  for (const b of arr(at(object, 'spec', 'backends'))) {
    const s = resolveRef(at(b, 'storageRef'), namespace);
    const p = resolveRef(at(b, 'retentionPolicy'), namespace);
    if (s) refs.storages.push(s);
    if (p) refs.policies.push(p);
  }
  for (const s of arr(at(object, 'spec', 'sessions'))) {
    for (const list of BACKUP_HOOK_LISTS) {
      for (const h of arr(at(s, 'hooks', list))) {
        const t = resolveRef(at(h, 'hookTemplate'), namespace);
        if (t) refs.hookTemplates.push(t);
      }
    }
  }
  return refs;
}

export interface BackupConfigurationAdmission {
  operation: string;
  namespace: NamespaceInfo;
  object: unknown;
  oldObject?: unknown;
  /** The BackupStorages, RetentionPolicies and HookTemplates it refers to (missing ones are absent). */
  storages: readonly unknown[];
  policies: readonly unknown[];
  hookTemplates: readonly unknown[];
  /** Every Repository in the cluster. */
  repositories: readonly unknown[];
}

/**
 * The BackupConfiguration rules: those on the spec alone (`specDenials`); the usage policies of the
 * BackupStorages, RetentionPolicies and HookTemplates must allow the namespace; an existing Repository with
 * the same name must have the same target, storage and directory; no other Repository may use the same
 * storage and directory. Referenced objects that do not exist yet are allowed with a warning (the status
 * reports them until they appear), and so is a schedule that never runs (the CronJob API accepts it).
 */
export function validateBackupConfiguration(a: BackupConfigurationAdmission): Decision {
  const ns = a.namespace.name;
  const denials: Denial[] = [...specDenials(a.object, ns, a.oldObject)];
  const warnings: string[] = [];
  const holder = (kind: string, o: unknown): PolicyHolder => ({
    kind,
    ...keyOf(o),
    usagePolicy: at(o, 'spec', 'usagePolicy'),
  });
  const checkUse = (field: string, kind: string, ref: unknown, pool: readonly unknown[]): void => {
    const key = resolveRef(ref, ns);
    if (!key) return;
    const found = findByKey(pool, key);
    if (!found) {
      warnings.push(`${field}: ${kind} ${q(keyText(key))} does not exist (yet)`);
      return;
    }
    if (!usageAllowed(holder(kind, found), a.namespace))
      denials.push({ field, ...usageRefusal(holder(kind, found), a.namespace) });
  };

  arr(at(a.object, 'spec', 'backends')).forEach((b, i) => {
    checkUse(`spec.backends[${i}].storageRef`, 'BackupStorage', at(b, 'storageRef'), a.storages);
    checkUse(`spec.backends[${i}].retentionPolicy`, 'RetentionPolicy', at(b, 'retentionPolicy'), a.policies);
  });
  arr(at(a.object, 'spec', 'sessions')).forEach((s, i) => {
    const never = scheduleWarning(`spec.sessions[${i}].scheduler.schedule`, at(s, 'scheduler', 'schedule'));
    if (never) warnings.push(never);
    for (const list of BACKUP_HOOK_LISTS) {
      arr(at(s, 'hooks', list)).forEach((h, k) => {
        checkUse(
          `spec.sessions[${i}].hooks.${list}[${k}].hookTemplate`,
          'HookTemplate',
          at(h, 'hookTemplate'),
          a.hookTemplates,
        );
      });
    }
  });
  denials.push(...repositoryDenials(a, ns));
  return verdict(denials, warnings);
}

/** The repositories of the sessions against the Repositories that exist in the cluster. */
function repositoryDenials(a: BackupConfigurationAdmission, ns: string): Denial[] {
  const denials: Denial[] = [];
  const target = appRefKey(at(a.object, 'spec', 'target'), ns);
  const seen = new Set<string>();
  for (const r of repoEntries(a.object, ns)) {
    if (!r.storage || !r.name || seen.has(r.name)) continue;
    seen.add(r.name);
    const existing = findByKey(a.repositories, { namespace: ns, name: r.name });
    if (existing) {
      const diffs: string[] = [];
      if (appRefKey(at(existing, 'spec', 'appRef'), ns) !== target) diffs.push('target (spec.appRef)');
      const storage = resolveRef(at(existing, 'spec', 'storageRef'), ns);
      if (!storage || !sameKey(storage, r.storage))
        diffs.push(`storage (it uses ${q(storage ? keyText(storage) : '')})`);
      const path = str(at(existing, 'spec', 'path'));
      if (path !== undefined && comparablePath(path) !== comparablePath(r.directory)) {
        diffs.push(`directory (its spec.path is ${q(path)}, which cannot change)`);
      }
      if (diffs.length > 0) {
        denials.push({
          field: `${r.field}.name`,
          problem: `Repository ${q(`${ns}/${r.name}`)} already exists with a different ${diffs.join(' and ')}`,
          fix: `use another repository name, or make this entry match Repository ${q(r.name)}`,
        });
        continue;
      }
    }
    const location = JSON.stringify([r.storage.namespace, r.storage.name, comparablePath(r.directory)]);
    const other = repositoryAt(a.repositories, location, { namespace: ns, name: r.name });
    if (other) {
      denials.push({
        field: `${r.field}.directory`,
        problem: `Repository ${q(keyText(keyOf(other)))} already uses directory ${q(r.directory)} of BackupStorage ${q(keyText(r.storage))}, and two Repositories in one directory would corrupt each other`,
        fix: `choose another directory, or name this repository ${q(keyOf(other).name)} to share it${keyOf(other).namespace === ns ? '' : ' (only possible in its namespace)'}`,
      });
    }
  }
  return denials;
}

/** A target or appRef as a comparable key; absent, empty and KubeStash's "na" placeholder are one value. */
function appRefKey(ref: unknown, namespace: string): string {
  if (!isObject(ref)) return 'none';
  const group = str(ref.apiGroup) ?? '';
  const kind = str(ref.kind) ?? '';
  const name = str(ref.name) ?? '';
  if ((name === '' || name === 'na') && (group === '' || group === 'na') && kind === '') return 'none';
  return JSON.stringify([group, kind, str(ref.namespace) || namespace, name]);
}
