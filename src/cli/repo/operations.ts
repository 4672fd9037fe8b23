// `cairn repo snapshots|check|unlock|password list` on an opened workspace, and the loop every operation
// shares: each works on every selected component, keeps going after a component fails (the failure is
// part of the result), and returns a JSON-ready result. Password rotation is in ./rotation.ts.
import { RepositoryAccessError } from '../../repository/errors.ts';
import { keyText, type ObjectKey } from '../../repository/objects.ts';
import type { SecretBook } from '../../repository/secret-book.ts';
import { isResticError } from '../../restic/errors.ts';
import type { ResticLock } from '../../restic/locks.ts';
import type { ResticRepository } from '../../restic/repository.ts';
import type { CheckResult, KeyInfo, Snapshot } from '../../restic/results.ts';
import { SecretKey } from '../../storage/secret-keys.ts';
import { RepoCliError } from './errors.ts';
import type { Output } from './output.ts';
import type { Workspace } from './workspace.ts';

export interface ComponentError {
  kind: string;
  message: string;
}

export interface Base {
  repository: ObjectKey;
  ok: boolean;
}

export interface ComponentBase {
  path: string;
  /** The restic repository URL (holds no secret). */
  location?: string;
  error?: ComponentError;
}

export interface SnapshotsResult extends Base {
  components: (ComponentBase & { snapshots: Snapshot[] })[];
}

export interface CheckComponent extends ComponentBase {
  check?: CheckResult;
}
export interface CheckReport extends Base {
  components: CheckComponent[];
}

export interface LockView {
  id: string;
  hostname: string;
  pid: number;
  exclusive: boolean;
  time: string;
}
export interface UnlockReport extends Base {
  removeAll: boolean;
  components: (ComponentBase & { removed: number; remaining: LockView[] })[];
}

export interface KeysReport extends Base {
  components: (ComponentBase & { keys: KeyInfo[] })[];
}

export interface Ctx {
  workspace: Workspace;
  out: Output;
  book: SecretBook;
  signal: AbortSignal;
}

export function componentError(ctx: Ctx, err: unknown, path: string): ComponentError {
  if (err instanceof Error && err.name === 'AbortError') return { kind: 'cancelled', message: 'cancelled' };
  return {
    kind: isResticError(err)
      ? err.kind
      : err instanceof RepoCliError || err instanceof RepositoryAccessError
        ? 'usage'
        : 'error',
    message: ctx.out.redact(explainFailure(err, ctx.workspace, path)),
  };
}

/** A user-facing explanation of a failed restic run on one component. */
function explainFailure(err: unknown, workspace: Workspace, component: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!isResticError(err)) return message;
  switch (err.kind) {
    case 'wrong-password':
      return `the ${SecretKey.resticPassword} of Secret ${keyText(workspace.encryptionSecret.key)} does not open component ${component}`;
    case 'repository-missing':
      return `there is no restic repository for component ${component} in the storage (${message})`;
    case 'backend-auth':
      return `the storage rejected the credentials${workspace.storageSecret ? ` of Secret ${keyText(workspace.storageSecret.key)}` : ''} (${message})`;
    case 'lock-failed':
      return `${message}; if that process is gone, run 'cairn repo unlock' (stale locks only)`;
    case 'spawn-failed':
      return `restic could not be started: ${message}`;
    default:
      return message;
  }
}

/**
 * Opens each component (`paths`, default the workspace's; with `password` instead of the encryption
 * Secret's), records its location, and runs `run`; a failure becomes the entry's `error` and the loop goes
 * on. After cancellation the remaining components are marked cancelled without being opened.
 */
export async function eachComponent<T extends ComponentBase>(
  ctx: Ctx,
  verb: string,
  empty: (path: string) => T,
  run: (repo: ResticRepository, entry: T) => Promise<void>,
  options: { paths?: readonly string[]; password?: string } = {},
): Promise<T[]> {
  const results: T[] = [];
  for (const path of options.paths ?? ctx.workspace.components) {
    const entry = empty(path);
    results.push(entry);
    if (ctx.signal.aborted) {
      entry.error = { kind: 'cancelled', message: 'cancelled' };
      continue;
    }
    ctx.out.progress(`${verb} ${path} …`);
    try {
      const repo = await ctx.workspace.open(path, options.password);
      entry.location = repo.location;
      await run(repo, entry);
    } catch (err) {
      entry.error = componentError(ctx, err, path);
      ctx.out.progress(`${path}: failed: ${entry.error.message}`);
    }
  }
  return results;
}

export async function snapshots(ctx: Ctx): Promise<SnapshotsResult> {
  const components = await eachComponent<SnapshotsResult['components'][number]>(
    ctx,
    'listing snapshots of',
    (path) => ({ path, snapshots: [] }),
    async (repo, entry) => {
      entry.snapshots = await repo.snapshots({}, { signal: ctx.signal });
    },
  );
  return { repository: ctx.workspace.repository.key, ok: components.every((c) => !c.error), components };
}

export async function check(ctx: Ctx, readDataSubset: string | undefined): Promise<CheckReport> {
  const components = await eachComponent<CheckComponent>(
    ctx,
    'checking',
    (path) => ({ path }),
    async (repo, entry) => {
      entry.check = await repo.check(readDataSubset ? { readDataSubset } : {}, { signal: ctx.signal });
      ctx.out.progress(
        `${entry.path}: ${entry.check.ok ? 'no errors' : `${entry.check.numErrors || 'some'} error(s)`}`,
      );
    },
  );
  return {
    repository: ctx.workspace.repository.key,
    ok: components.every((c) => !c.error && c.check?.ok === true),
    components,
  };
}

const lockView = (lock: ResticLock): LockView => ({
  id: lock.id,
  hostname: lock.hostname,
  pid: lock.pid,
  exclusive: lock.exclusive,
  time: lock.time,
});

export async function unlock(ctx: Ctx, removeAll: boolean): Promise<UnlockReport> {
  const components = await eachComponent<UnlockReport['components'][number]>(
    ctx,
    removeAll ? 'removing every lock of' : 'removing stale locks of',
    (path) => ({ path, removed: 0, remaining: [] }),
    async (repo, entry) => {
      entry.removed = await repo.unlock({ removeAll }, { signal: ctx.signal });
      entry.remaining = (await repo.listLocks({ signal: ctx.signal })).map(lockView);
    },
  );
  return {
    repository: ctx.workspace.repository.key,
    ok: components.every((c) => !c.error),
    removeAll,
    components,
  };
}

export async function keys(ctx: Ctx): Promise<KeysReport> {
  const components = await eachComponent<KeysReport['components'][number]>(
    ctx,
    'listing keys of',
    (path) => ({ path, keys: [] }),
    async (repo, entry) => {
      entry.keys = await repo.keys({ signal: ctx.signal });
    },
  );
  return { repository: ctx.workspace.repository.key, ok: components.every((c) => !c.error), components };
}
