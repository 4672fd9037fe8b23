// BackupConfiguration validation of the spec alone: backends, sessions, schedules, addons and repository
// entries. The CRD states most of these rules in CEL, which runs before the webhook; they are repeated here
// so that the rejection is the same with CRDs that lack them, and because some depend on the defaults the
// mutating webhook fills in. Schedules are checked here only: CEL cannot parse them.
import { resolveRef, sameKey } from '../api/object-meta.ts';
import { arr, at, isObject, q, str } from '../common/json.ts';
import { backendOf, repoEntries, type RepoEntry } from './backupconfiguration-entries.ts';
import type { Denial } from './decision.ts';
import { comparablePath, repositoryPathDenial } from './repository.ts';
import { scheduleDenial } from './schedule.ts';

/**
 * The rules that concern the BackupConfiguration alone. A schedule or a directory is checked only when it
 * differs from the one at the same place in `oldObject`, so that an object admitted before a rule existed
 * stays editable (as the API server ratchets CRD rules on unchanged fields).
 */
export function specDenials(object: unknown, ns: string, oldObject?: unknown): Denial[] {
  const d: Denial[] = [];
  const oldSessions = arr(at(oldObject, 'spec', 'sessions'));
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
        fix: 'add scheduler: {schedule: "*/5 * * * *", jobTemplate: {backoffLimit: 1}}',
      });
    } else {
      const bad = scheduleDenial(
        `${f}.scheduler.schedule`,
        at(s, 'scheduler', 'schedule'),
        at(oldSessions[i], 'scheduler', 'schedule'),
      );
      if (bad) d.push(bad);
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
      const directory = str(at(r, 'directory')) ?? '';
      if (directory === '')
        d.push({
          field: `${rf}.directory`,
          problem: 'is required',
          fix: 'give the directory inside the BackupStorage, e.g. cluster-manifests',
        });
      else if (directory !== str(at(arr(at(oldSessions[i], 'repositories'))[j], 'directory'))) {
        const bad = repositoryPathDenial(`${rf}.directory`, directory);
        if (bad) d.push(bad);
      }
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
    const location = JSON.stringify([r.storage.namespace, r.storage.name, comparablePath(r.directory)]);
    const sameName = byName.get(r.name);
    if (
      sameName &&
      (!sameKey(sameName.storage ?? { namespace: '', name: '' }, r.storage) ||
        comparablePath(sameName.directory) !== comparablePath(r.directory))
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
