// The four `cairn repo` operations on an opened session: each works on every selected component, keeps
// going after a component fails (the failure is part of the result), and returns a JSON-ready result.
import type { CheckResult, KeyInfo, Snapshot } from '../../restic/commands.ts';
import { isResticError } from '../../restic/errors.ts';
import type { ResticLock } from '../../restic/locks.ts';
import { RESTIC_PASSWORD_KEY, RepoCliError, keyText, type ObjectKey } from './cluster.ts';
import type { Output, SecretBook } from './output.ts';
import { explainFailure, type RepoSession } from './session.ts';

export interface ComponentError {
  kind: string;
  message: string;
}

interface Base {
  repository: ObjectKey;
  ok: boolean;
}

interface ComponentBase {
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

export type RotationState = 'rotated' | 'finished' | 'already-rotated';
export interface PasswordReport extends Base {
  encryptionSecret: ObjectKey;
  newPasswordSecret: ObjectKey;
  /** True once the encryption Secret holds the new password. */
  secretUpdated: boolean;
  components: (ComponentBase & { state?: RotationState; addedKeyId?: string; removedKeyId?: string })[];
}

export interface Ctx {
  session: RepoSession;
  out: Output;
  book: SecretBook;
  signal: AbortSignal;
}

function componentError(ctx: Ctx, err: unknown, path: string): ComponentError {
  if (err instanceof Error && err.name === 'AbortError') return { kind: 'cancelled', message: 'cancelled' };
  return {
    kind: isResticError(err) ? err.kind : err instanceof RepoCliError ? 'usage' : 'error',
    message: ctx.out.redact(explainFailure(err, ctx.session, path)),
  };
}

async function eachComponent<T extends ComponentBase>(
  ctx: Ctx,
  verb: string,
  run: (path: string, entry: T) => Promise<void>,
  empty: (path: string) => T,
): Promise<T[]> {
  const results: T[] = [];
  for (const path of ctx.session.components) {
    const entry = empty(path);
    results.push(entry);
    if (ctx.signal.aborted) {
      entry.error = { kind: 'cancelled', message: 'cancelled' };
      continue;
    }
    ctx.out.progress(`${verb} ${path} …`);
    try {
      await run(path, entry);
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
    async (path, entry) => {
      const repo = await ctx.session.open(path);
      entry.location = repo.location;
      entry.snapshots = await repo.snapshots({}, { signal: ctx.signal });
    },
    (path) => ({ path, snapshots: [] }),
  );
  return { repository: ctx.session.repository.key, ok: components.every((c) => !c.error), components };
}

export async function check(ctx: Ctx, readDataSubset: string | undefined): Promise<CheckReport> {
  const components = await eachComponent<CheckComponent>(
    ctx,
    'checking',
    async (path, entry) => {
      const repo = await ctx.session.open(path);
      entry.location = repo.location;
      entry.check = await repo.check(readDataSubset ? { readDataSubset } : {}, { signal: ctx.signal });
      ctx.out.progress(
        `${path}: ${entry.check.ok ? 'no errors' : `${entry.check.numErrors || 'some'} error(s)`}`,
      );
    },
    (path) => ({ path }),
  );
  return {
    repository: ctx.session.repository.key,
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
    async (path, entry) => {
      const repo = await ctx.session.open(path);
      entry.location = repo.location;
      entry.removed = await repo.unlock({ removeAll }, { signal: ctx.signal });
      entry.remaining = (await repo.listLocks({ signal: ctx.signal })).map(lockView);
    },
    (path) => ({ path, removed: 0, remaining: [] }),
  );
  return {
    repository: ctx.session.repository.key,
    ok: components.every((c) => !c.error),
    removeAll,
    components,
  };
}

export async function keys(ctx: Ctx): Promise<KeysReport> {
  const components = await eachComponent<KeysReport['components'][number]>(
    ctx,
    'listing keys of',
    async (path, entry) => {
      const repo = await ctx.session.open(path);
      entry.location = repo.location;
      entry.keys = await repo.keys({ signal: ctx.signal });
    },
    (path) => ({ path, keys: [] }),
  );
  return { repository: ctx.session.repository.key, ok: components.every((c) => !c.error), components };
}

/**
 * Rotates the restic password of every component to the one in `newPasswordSecret`, then writes it into
 * the encryption Secret (RESTIC_PASSWORD), so every object naming that Secret keeps working. Resumable:
 * a component the new password already opens (and the old no longer does) counts as done, and a rotation
 * interrupted after the new key was added is finished by removing the old key. The Secret is updated only
 * when every component opens with the new password.
 */
export async function rotatePassword(ctx: Ctx, newPasswordSecret: ObjectKey): Promise<PasswordReport> {
  const { session, out } = ctx;
  const encryption = session.encryptionSecret;
  if (session.storageSecret?.data[RESTIC_PASSWORD_KEY]) {
    throw new RepoCliError(
      `the storage Secret ${keyText(session.storageSecret.key)} holds ${RESTIC_PASSWORD_KEY}, which overrides ` +
        `the encryption Secret ${keyText(encryption.key)}: move the password into the encryption Secret first`,
    );
  }
  if (
    newPasswordSecret.namespace === encryption.key.namespace &&
    newPasswordSecret.name === encryption.key.name
  ) {
    throw new RepoCliError(
      `--new-password-secret names the encryption Secret ${keyText(encryption.key)} itself: put the new ` +
        'password into another Secret; Cairn copies it into the encryption Secret once every component opens with it',
    );
  }
  const fresh = await session.cluster.secret(newPasswordSecret, 'the new password, --new-password-secret');
  const newPassword = fresh.data[RESTIC_PASSWORD_KEY];
  if (!newPassword) {
    throw new RepoCliError(
      `Secret ${keyText(newPasswordSecret)} has no key ${RESTIC_PASSWORD_KEY} (or it is empty): put the new password there`,
    );
  }
  ctx.book.add(newPassword); // before any restic run: the runners redact it too
  const oldPassword = encryption.data[RESTIC_PASSWORD_KEY] ?? '';
  if (newPassword === oldPassword) {
    throw new RepoCliError(
      `Secret ${keyText(newPasswordSecret)} holds the password already in use (${keyText(encryption.key)})`,
    );
  }
  await refuseSharedSecret(ctx);

  const components = await eachComponent<PasswordReport['components'][number]>(
    ctx,
    'rotating the password of',
    async (path, entry) => {
      const current = await session.open(path);
      entry.location = current.location;
      const next = current.withPassword(newPassword);
      const call = { signal: ctx.signal };
      const opens = async (repo: typeof current): Promise<KeyInfo | undefined> => {
        try {
          return (await repo.keys(call)).find((k) => k.current);
        } catch (err) {
          if (isResticError(err, 'wrong-password')) return undefined;
          throw err;
        }
      };
      const oldKey = await opens(current);
      const newKey = await opens(next);
      if (oldKey && !newKey) {
        const rotation = await current.rotatePassword(newPassword, call);
        Object.assign(entry, {
          state: 'rotated',
          addedKeyId: rotation.addedKeyId,
          removedKeyId: rotation.removedKeyId,
        });
      } else if (oldKey && newKey) {
        await next.removeKey(oldKey.id, call);
        Object.assign(entry, { state: 'finished', addedKeyId: newKey.id, removedKeyId: oldKey.id });
      } else if (newKey) {
        entry.state = 'already-rotated';
      } else {
        throw new RepoCliError(
          `neither the password in Secret ${keyText(encryption.key)} nor the new one opens component ${path}`,
        );
      }
      out.progress(`${path}: ${entry.state}`);
    },
    (path) => ({ path }),
  );

  const report: PasswordReport = {
    repository: session.repository.key,
    ok: false,
    encryptionSecret: encryption.key,
    newPasswordSecret,
    secretUpdated: false,
    components,
  };
  if (components.some((c) => c.error)) return report;
  out.progress(`writing the new password into Secret ${keyText(encryption.key)}`);
  await session.cluster.setSecretKey(encryption, RESTIC_PASSWORD_KEY, newPassword);
  report.secretUpdated = true;
  report.ok = true;
  return report;
}

/** A Secret shared with other Repositories would lock them out once it holds the new password. */
async function refuseSharedSecret(ctx: Ctx): Promise<void> {
  const { session, out } = ctx;
  const own = session.repository.key;
  const secret = session.encryptionSecret.key;
  const { items, clusterWide } = await session.cluster.repositories(own.namespace);
  if (!clusterWide) {
    out.warn(
      `you may not list Repositories in every namespace; only namespace ${own.namespace} was checked for ` +
        `other Repositories sharing Secret ${keyText(secret)}`,
    );
  }
  const others = items.filter(
    (r) =>
      !(r.key.namespace === own.namespace && r.key.name === own.name) &&
      r.encryptionSecret?.namespace === secret.namespace &&
      r.encryptionSecret.name === secret.name,
  );
  if (others.length > 0) {
    throw new RepoCliError(
      `Secret ${keyText(secret)} is also the encryption Secret of Repository ${others.map((r) => keyText(r.key)).join(', ')}; ` +
        'writing a new password into it would lock those out. Give this Repository its own encryption Secret ' +
        '(a copy, set in spec.encryptionSecret here and in the BackupConfiguration), then rotate',
    );
  }
}
