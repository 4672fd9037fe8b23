// Repository admission: the repository-path rule, and one directory of a storage belongs to one Repository.
import { keyOf, keyText, resolveRef, sameKey, type ObjectKey } from '../api/object-meta.ts';
import { normalizeRepositoryPath, repositoryPathProblem } from '../api/repository-path.ts';
import { at, q, str } from '../common/json.ts';
import { verdict, type Decision, type Denial } from './decision.ts';

/**
 * A repository path as compared for uniqueness: the canonical form of a valid path (so `/a/` and `a` are one
 * directory), else the text itself (an object that predates the rule still occupies what it names).
 */
export function comparablePath(path: string): string {
  return repositoryPathProblem(path) ? path : normalizeRepositoryPath(path);
}

/** The denial for a repository path at `field` that breaks the rule of src/api/repository-path.ts. */
export function repositoryPathDenial(field: string, path: string): Denial | undefined {
  const p = repositoryPathProblem(path);
  return p && { field, problem: `${q(path)} ${p.problem}`, fix: p.fix };
}

/** The storage and directory a Repository occupies, as a comparable key; undefined when incomplete. */
export function repositoryLocation(repo: unknown, namespace: string): string | undefined {
  const storage = resolveRef(at(repo, 'spec', 'storageRef'), namespace);
  const path = str(at(repo, 'spec', 'path'));
  if (!storage || path === undefined) return undefined;
  return JSON.stringify([storage.namespace, storage.name, comparablePath(path)]);
}

/** The Repository other than `self` that already uses `location`, if any. */
export function repositoryAt(repositories: readonly unknown[], location: string, self: ObjectKey): unknown {
  return repositories.find((r) => {
    const k = keyOf(r);
    return !sameKey(k, self) && repositoryLocation(r, k.namespace) === location;
  });
}

export interface RepositoryAdmission {
  operation: string;
  namespace: string;
  object: unknown;
  oldObject?: unknown;
  /** Every Repository in the cluster. */
  repositories: readonly unknown[];
}

/**
 * `spec.path` follows the repository-path rule (checked when it is new, so a Repository that predates the
 * rule stays editable); no other Repository, in any namespace, may use the same BackupStorage and path
 * (checked on create and whenever storageRef or path change). That `spec.path` cannot change is a CEL rule
 * of the CRD.
 */
export function validateRepository(a: RepositoryAdmission): Decision {
  const denials: Denial[] = [];
  const self: ObjectKey = { namespace: a.namespace, name: keyOf(a.object).name };
  const update = a.operation === 'UPDATE' && a.oldObject !== undefined;
  const path = str(at(a.object, 'spec', 'path'));
  if (path !== undefined && !(update && path === str(at(a.oldObject, 'spec', 'path')))) {
    const bad = repositoryPathDenial('spec.path', path);
    if (bad) denials.push(bad);
  }
  const location = repositoryLocation(a.object, a.namespace);
  const moved = !update || location !== repositoryLocation(a.oldObject, a.namespace);
  if (location && moved) {
    const other = repositoryAt(a.repositories, location, self);
    if (other) {
      const storage = resolveRef(at(a.object, 'spec', 'storageRef'), a.namespace);
      denials.push({
        field: 'spec.path',
        problem: `Repository ${q(keyText(keyOf(other)))} already uses directory ${q(path ?? '')} of BackupStorage ${q(storage ? keyText(storage) : '')}, and two Repositories in one directory would corrupt each other`,
        fix: 'choose another path, or use that Repository',
      });
    }
  }
  return verdict(denials);
}
