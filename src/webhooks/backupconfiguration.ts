// BackupConfiguration admission: the default BackupStorage and RetentionPolicy (mutating), and the rules
// that involve other objects: Repositories, usage policies of what it refers to (validating).
import { allow, pointer, verdict, type Decision, type Denial, type JsonPatchOp } from './decision.ts';
import { pickDefault } from './defaults-lookup.ts';
import { arr, at, isObject, q, str } from '../common/json.ts';
import { findByKey, keyOf, keyText, resolveRef, sameKey, type ObjectKey } from './object-meta.ts';
import { normalizeRepositoryPath, repositoryAt } from './repository.ts';
import { usageAllowed, usageDenial, type NamespaceInfo, type PolicyHolder } from './usage-policy.ts';

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
    if (!storage) return allow();
    const backend: Record<string, unknown> = { storageRef: refTo(storage) };
    if (policy) backend.retentionPolicy = refTo(policy);
    patch.push({ op: 'add', path: '/spec/backends', value: [backend] });
    return allow(patch);
  }
  if (!policy) return allow();
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

/** Everything a BackupConfiguration refers to, resolved against its namespace. */
export interface BackupConfigurationRefs {
  storages: ObjectKey[];
  policies: ObjectKey[];
  hookTemplates: ObjectKey[];
}

const HOOK_LISTS = ['preBackup', 'postBackup'] as const;

export function backupConfigurationRefs(object: unknown, namespace: string): BackupConfigurationRefs {
  const refs: BackupConfigurationRefs = { storages: [], policies: [], hookTemplates: [] };
  for (const b of arr(at(object, 'spec', 'backends'))) {
    const s = resolveRef(at(b, 'storageRef'), namespace);
    const p = resolveRef(at(b, 'retentionPolicy'), namespace);
    if (s) refs.storages.push(s);
    if (p) refs.policies.push(p);
  }
  for (const s of arr(at(object, 'spec', 'sessions'))) {
    for (const list of HOOK_LISTS) {
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

/** One `sessions[].repositories[]` entry with what it resolves to. */
interface RepoEntry {
  field: string;
  name: string;
  directory: string;
  storage: ObjectKey | undefined;
}

/**
 * The BackupConfiguration rules: each backend has a storage and a retention policy (naming the §1.5
 * default when one was expected) and the well-formedness rules of sessions, addons and repositories
 * (see `shapeDenials`); an existing Repository with the same name must have the same target, storage and
 * directory; no other Repository may use the same storage and directory; and the usage policies of the
 * BackupStorages, RetentionPolicies and HookTemplates must allow the namespace. Referenced objects that do
 * not exist yet are allowed with a warning (the status reports them until they appear).
 */
export function validateBackupConfiguration(a: BackupConfigurationAdmission): Decision {
  const ns = a.namespace.name;
  const denials: Denial[] = [...shapeDenials(a.object, ns)];
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
      denials.push(usageDenial(field, holder(kind, found), a.namespace));
  };

  arr(at(a.object, 'spec', 'backends')).forEach((b, i) => {
    checkUse(`spec.backends[${i}].storageRef`, 'BackupStorage', at(b, 'storageRef'), a.storages);
    checkUse(`spec.backends[${i}].retentionPolicy`, 'RetentionPolicy', at(b, 'retentionPolicy'), a.policies);
  });
  arr(at(a.object, 'spec', 'sessions')).forEach((s, i) => {
    for (const list of HOOK_LISTS) {
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
      if (path !== undefined && normalizeRepositoryPath(path) !== normalizeRepositoryPath(r.directory)) {
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
    const location = JSON.stringify([
      r.storage.namespace,
      r.storage.name,
      normalizeRepositoryPath(r.directory),
    ]);
    const other = repositoryAt(a.repositories, location, { namespace: ns, name: r.name });
    if (other) {
      denials.push({
        field: `${r.field}.directory`,
        problem: `Repository ${q(keyText(keyOf(other)))} already uses directory ${q(r.directory)} of BackupStorage ${q(keyText(r.storage))}, and two Repositories in one directory would corrupt each other`,
        fix: `choose another directory, or name this repository ${q(keyOf(other).name)} to share it${keyOf(other).namespace === ns ? '' : ' (only possible in its namespace)'}`,
      });
    }
  }
  return verdict(denials, warnings);
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

/** The backend a repository entry uses: the named one, or with no name the unnamed or the only backend. */
function backendOf(backends: unknown[], name: string): unknown {
  const named = backends.find((b) => (str(at(b, 'name')) ?? '') === name);
  if (named !== undefined || name !== '') return named;
  return backends.length === 1 ? backends[0] : undefined;
}

function repoEntries(object: unknown, ns: string): RepoEntry[] {
  const backends = arr(at(object, 'spec', 'backends'));
  const out: RepoEntry[] = [];
  arr(at(object, 'spec', 'sessions')).forEach((s, i) => {
    arr(at(s, 'repositories')).forEach((r, j) => {
      const backend = backendOf(backends, str(at(r, 'backend')) ?? '');
      out.push({
        field: `spec.sessions[${i}].repositories[${j}]`,
        name: str(at(r, 'name')) ?? '',
        directory: str(at(r, 'directory')) ?? '',
        storage: resolveRef(at(backend, 'storageRef'), ns),
      });
    });
  });
  return out;
}

/**
 * The rules that concern the BackupConfiguration alone. The CRD states most of them in CEL, which runs
 * before this webhook; they are repeated here so that the rejection is the same with CRDs that lack them,
 * and because some depend on the defaults this webhook's mutating half fills in.
 */
export function shapeDenials(object: unknown, ns: string): Denial[] {
  const d: Denial[] = [];
  const spec = at(object, 'spec');
  const backends = arr(at(spec, 'backends'));
  if (backends.length === 0) {
    d.push({
      field: 'spec.backends',
      problem: `has no backend, and no default BackupStorage allows namespace ${q(ns)}`,
      fix: `add a backend with a storageRef, or mark a BackupStorage that allows ${q(ns)} with spec.default: true`,
    });
  }
  const backendNames = new Map<string, number>();
  backends.forEach((b, i) => {
    const name = str(at(b, 'name')) ?? '';
    const first = backendNames.get(name);
    if (first !== undefined) {
      d.push({
        field: `spec.backends[${i}].name`,
        problem: `${q(name)} is also the name of spec.backends[${first}]`,
        fix: 'give every backend a different name',
      });
    } else backendNames.set(name, i);
    if (!resolveRef(at(b, 'storageRef'), ns)) {
      d.push({
        field: `spec.backends[${i}].storageRef`,
        problem: 'is required',
        fix: 'name the BackupStorage this backend writes to (storageRef: {name, namespace})',
      });
    }
    if (!resolveRef(at(b, 'retentionPolicy'), ns)) {
      d.push({
        field: `spec.backends[${i}].retentionPolicy`,
        problem: `is required, and no default RetentionPolicy allows namespace ${q(ns)}`,
        fix: `name a RetentionPolicy, or mark one that allows ${q(ns)} with spec.default: true`,
      });
    }
  });

  const sessions = arr(at(spec, 'sessions'));
  if (sessions.length === 0) {
    d.push({
      field: 'spec.sessions',
      problem: 'has no session',
      fix: 'add a session with a name, scheduler, addon and repositories',
    });
  }
  const sessionNames = new Map<string, number>();
  sessions.forEach((s, i) => {
    const f = `spec.sessions[${i}]`;
    const name = str(at(s, 'name')) ?? '';
    if (name === '')
      d.push({ field: `${f}.name`, problem: 'is required', fix: 'name the session, e.g. frequent-backup' });
    else if (sessionNames.has(name)) {
      d.push({
        field: `${f}.name`,
        problem: `${q(name)} is also the name of spec.sessions[${sessionNames.get(name)}]`,
        fix: 'give every session a different name',
      });
    } else sessionNames.set(name, i);
    if (!isObject(at(s, 'scheduler'))) {
      d.push({
        field: `${f}.scheduler`,
        problem: 'is required',
        fix: 'add scheduler: {schedule: "<cron>", jobTemplate: {backoffLimit: 1}}',
      });
    }
    const addon = at(s, 'addon');
    if (!isObject(addon)) {
      d.push({
        field: `${f}.addon`,
        problem: 'is required',
        fix: 'add addon: {name: kubedump-addon, tasks: [{name: manifest-backup}]}',
      });
    } else {
      if (!str(addon.name))
        d.push({
          field: `${f}.addon.name`,
          problem: 'is required',
          fix: 'name the Addon, e.g. kubedump-addon',
        });
      const tasks = arr(addon.tasks);
      if (tasks.length === 0)
        d.push({
          field: `${f}.addon.tasks`,
          problem: 'has no task',
          fix: 'add a task, e.g. {name: manifest-backup}',
        });
      tasks.forEach((t, k) => {
        if (!str(at(t, 'name')))
          d.push({
            field: `${f}.addon.tasks[${k}].name`,
            problem: 'is required',
            fix: 'name a task of the Addon, e.g. manifest-backup',
          });
      });
    }
    const repos = arr(at(s, 'repositories'));
    if (repos.length === 0) {
      d.push({
        field: `${f}.repositories`,
        problem: 'has no repository',
        fix: 'add a repository with a name and a directory',
      });
    }
    const repoNames = new Map<string, number>();
    repos.forEach((r, j) => {
      const rf = `${f}.repositories[${j}]`;
      const rname = str(at(r, 'name')) ?? '';
      if (rname === '')
        d.push({
          field: `${rf}.name`,
          problem: 'is required',
          fix: 'name the Repository this session writes to',
        });
      else if (repoNames.has(rname)) {
        d.push({
          field: `${rf}.name`,
          problem: `${q(rname)} is also the name of ${f}.repositories[${repoNames.get(rname)}]`,
          fix: 'give every repository of a session a different name',
        });
      } else repoNames.set(rname, j);
      if (!str(at(r, 'directory')))
        d.push({
          field: `${rf}.directory`,
          problem: 'is required',
          fix: 'give the directory inside the BackupStorage, e.g. cluster-manifests',
        });
      const backend = str(at(r, 'backend')) ?? '';
      if (backends.length > 0 && backendOf(backends, backend) === undefined) {
        const known = [...backendNames.keys()].map(q).join(', ');
        d.push(
          backend === ''
            ? {
                field: `${rf}.backend`,
                problem: 'is required when spec.backends has more than one backend',
                fix: `name one of ${known}`,
              }
            : {
                field: `${rf}.backend`,
                problem: `names backend ${q(backend)}, which is not in spec.backends`,
                fix: `use one of ${known}, or add a backend named ${q(backend)}`,
              },
        );
      }
    });
  });

  // One repository name means one Repository object: one storage and one directory. One directory of one
  // storage belongs to one repository name.
  const byName = new Map<string, RepoEntry>();
  const byLocation = new Map<string, RepoEntry>();
  for (const r of repoEntries(object, ns)) {
    if (!r.storage || !r.name || !r.directory) continue;
    const location = JSON.stringify([
      r.storage.namespace,
      r.storage.name,
      normalizeRepositoryPath(r.directory),
    ]);
    const sameName = byName.get(r.name);
    if (
      sameName &&
      (!sameKey(sameName.storage ?? { namespace: '', name: '' }, r.storage) ||
        normalizeRepositoryPath(sameName.directory) !== normalizeRepositoryPath(r.directory))
    ) {
      d.push({
        field: `${r.field}.name`,
        problem: `repository ${q(r.name)} is also declared at ${sameName.field} with another storage or directory`,
        fix: 'use the same backend and directory for a repository shared by sessions, or use another name',
      });
      continue;
    }
    byName.set(r.name, r);
    const sameDir = byLocation.get(location);
    if (sameDir && sameDir.name !== r.name) {
      d.push({
        field: `${r.field}.directory`,
        problem: `${q(r.directory)} is also the directory of repository ${q(sameDir.name)} (${sameDir.field}) on the same BackupStorage`,
        fix: 'give every repository its own directory on a storage',
      });
    } else byLocation.set(location, r);
  }
  return d;
}
