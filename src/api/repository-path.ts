// The one rule for a repository path: `Repository.spec.path` and a BackupConfiguration's
// `sessions[].repositories[].directory` name a directory inside the prefix of a BackupStorage. The CRDs (as
// CEL rules), the admission webhooks and src/storage all read the rule from here, so what admission accepts,
// storage accepts, and no accepted path names a location outside its own directory of its own storage.
//
// Each forbidden form is one regular expression written in the subset that JavaScript and RE2 (CEL's
// `matches`) read alike, so the CRD and this module test exactly the same strings.

/** The rule in words, for the CRD's description (`kubectl explain`). */
export const REPOSITORY_PATH_HINT =
  'Directory names separated by single slashes, optionally with one leading and one trailing slash; no empty, "." or ".." name, no backslash or control character, no space at either end of a name';

/** One form a repository path must not take. */
interface ForbiddenForm {
  /** Matches (anywhere in the value) when the path has this form. */
  pattern: string;
  /** What is wrong, worded to follow the field name or the quoted value. */
  problem: string;
  /** How to write the path instead. */
  fix: string;
}

const EXAMPLE = 'e.g. team-a/cluster-manifests';

const FORBIDDEN: readonly ForbiddenForm[] = [
  {
    pattern: '^/*$',
    problem: 'must not be empty',
    fix: `name a directory inside the storage, ${EXAMPLE}`,
  },
  {
    pattern: '//',
    problem: 'has an empty segment ("//")',
    fix: `separate directory names with a single "/", ${EXAMPLE}`,
  },
  {
    pattern: '(^|/)[.][.]?(/|$)',
    problem:
      'has a "." or ".." segment (".." would climb out of the storage prefix into directories that are not this repository\'s)',
    fix: `write the path without "." and ".." segments, ${EXAMPLE}`,
  },
  {
    pattern: '(^|/)[ ]|[ ](/|$)',
    problem: 'has a directory name that starts or ends with a space',
    fix: 'remove the spaces at the start and end of each directory name',
  },
  {
    pattern: '[\\\\]',
    problem: 'contains a backslash',
    fix: `separate directory names with "/", ${EXAMPLE}`,
  },
  {
    pattern: '[\\x00-\\x1f\\x7f]',
    problem: 'contains control characters',
    fix: 'remove the control characters (tabs, line breaks and the like)',
  },
];

const COMPILED = FORBIDDEN.map((f) => ({ ...f, re: new RegExp(f.pattern) }));

/** What is wrong with a repository path and how to fix it. */
export interface RepositoryPathProblem {
  problem: string;
  fix: string;
}

/**
 * The first problem of `path` as a repository path, or undefined when it is valid. A valid path has one or
 * more `/`-separated directory names, may start and end with a single `/` (KubeStash's examples write
 * `/cluster-manifests`), and has none of the forms above.
 */
export function repositoryPathProblem(path: string): RepositoryPathProblem | undefined {
  const hit = COMPILED.find((f) => f.re.test(path));
  return hit ? { problem: hit.problem, fix: hit.fix } : undefined;
}

/** A repository path that breaks the rule; `problem` and `fix` say which part and how to write it. */
export class RepositoryPathError extends Error {
  readonly problem: string;
  readonly fix: string;
  constructor(path: string, p: RepositoryPathProblem) {
    super(`repository path ${p.problem}: ${JSON.stringify(path)}; ${p.fix}`);
    this.name = 'RepositoryPathError';
    this.problem = p.problem;
    this.fix = p.fix;
  }
}

/**
 * The canonical form of a valid repository path: the directory names joined by single `/`, without outer
 * slashes, so two spellings of one directory (`/a/b/`, `a/b`) compare equal. Throws RepositoryPathError
 * when the path breaks the rule.
 */
export function normalizeRepositoryPath(path: string): string {
  const p = repositoryPathProblem(path);
  if (p) throw new RepositoryPathError(path, p);
  return path.replace(/^\/|\/$/g, '');
}

/**
 * The CEL rules of the CRD field that holds a repository path, one per forbidden form; `field` names the
 * field in the message (the API server puts the full path, with list indexes, in front of it).
 */
export function repositoryPathRules(field: string): { rule: string; message: string }[] {
  return FORBIDDEN.map((f) => ({
    rule: `!self.matches(${celString(f.pattern)})`,
    message: `${field} ${f.problem}: ${f.fix}`,
  }));
}

/** A CEL single-quoted string literal holding `s` (backslashes and quotes escaped). */
function celString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
