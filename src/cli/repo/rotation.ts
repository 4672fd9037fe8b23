// `cairn repo password update`: rotates the restic password of every component repository of a Repository
// to the RESTIC_PASSWORD of another Secret, and writes it into the Repository's encryption Secret, in three
// phases so that at every moment the password the Secret holds opens every component:
//
//   1. add a key for the new password to each component and prove it opens it (the old key stays);
//   2. write the new password into the encryption Secret, with an annotation listing each old key ID;
//   3. remove the old keys, then the annotation.
//
// A failure in 1 or 2 leaves the old password working everywhere; a failure in 3 leaves an old key that
// still opens a component, recorded in the annotation, so running the same command again removes it.
import type { ResticRepository } from '../../restic/commands.ts';
import { isResticError } from '../../restic/errors.ts';
import { RESTIC_PASSWORD_KEY, RepoCliError, keyText, type ObjectKey, type SecretInfo } from './cluster.ts';
import { componentError, eachComponent, type Base, type ComponentBase, type Ctx } from './operations.ts';
import {
  PENDING_ROTATION_ANNOTATION,
  firstStep,
  formatPendingRotation,
  parsePendingRotation,
  passwordProblem,
  type PendingRotation,
} from './rotation-state.ts';

export type RotationState =
  /** The new key was added and the old one removed. */
  | 'rotated'
  /** The new password opened it already and the old one did not. */
  | 'already-rotated'
  /** The new key is in; the old key was not removed yet (the failure is in `error`). */
  | 'new-key-added';

export interface PasswordComponent extends ComponentBase {
  state?: RotationState;
  addedKeyId?: string;
  removedKeyId?: string;
}

export interface PasswordReport extends Base {
  encryptionSecret: ObjectKey;
  newPasswordSecret: ObjectKey;
  /** True once the encryption Secret holds the new password. */
  secretUpdated: boolean;
  /** Why the Secret could not be updated, when every component was ready for it. */
  secretError?: string;
  components: PasswordComponent[];
}

export async function rotatePassword(ctx: Ctx, newPasswordSecret: ObjectKey): Promise<PasswordReport> {
  const { session } = ctx;
  const encryption = session.encryptionSecret;
  refuseUnsafeSetup(ctx, newPasswordSecret);
  const newPassword = await readNewPassword(ctx, newPasswordSecret);
  const pending = readPending(encryption);
  const report: PasswordReport = {
    repository: session.repository.key,
    ok: false,
    encryptionSecret: encryption.key,
    newPasswordSecret,
    secretUpdated: false,
    components: [],
  };
  const current = encryption.data[RESTIC_PASSWORD_KEY] ?? '';

  if (pending) {
    if (pending.newPasswordSecret !== keyText(newPasswordSecret) || newPassword !== current) {
      throw new RepoCliError(
        `a rotation of Secret ${keyText(encryption.key)} to Secret ${pending.newPasswordSecret} is unfinished ` +
          `(annotation ${PENDING_ROTATION_ANNOTATION}): run the same command with --new-password-secret ` +
          `${pending.newPasswordSecret} again to remove the old keys, then rotate to another password`,
      );
    }
    report.secretUpdated = true;
    report.components = await removeOldKeys(ctx, newPassword, pending, encryption);
    report.ok = report.components.every((c) => !c.error);
    return report;
  }
  if (newPassword === current) {
    throw new RepoCliError(
      `Secret ${keyText(newPasswordSecret)} holds the password already in use (${keyText(encryption.key)})`,
    );
  }
  await refuseSharedSecret(ctx);
  const every = await everyComponent(ctx);

  // Phase 1: every component opens with the new password; the old keys stay.
  const oldKeys: Record<string, string> = {};
  report.components = await eachComponent<PasswordComponent>(
    every,
    'adding a key for the new password to',
    async (path, entry) => {
      const old = await session.open(path);
      entry.location = old.location;
      const next = old.withPassword(newPassword);
      const step = firstStep(await currentKeyId(ctx, old), await currentKeyId(ctx, next));
      switch (step.step) {
        case 'add-key': {
          entry.addedKeyId = await old.addKey(newPassword, {}, { signal: ctx.signal });
          const opened = await currentKeyId(ctx, next);
          if (opened !== entry.addedKeyId) {
            throw new RepoCliError(
              `the new password does not open the key restic just added (${entry.addedKeyId}) to ${path}; ` +
                'the old password still works. Remove that key with restic key remove before trying again',
            );
          }
          oldKeys[path] = step.oldKeyId;
          entry.state = 'new-key-added';
          break;
        }
        case 'key-present':
          oldKeys[path] = step.oldKeyId;
          entry.state = 'new-key-added';
          break;
        case 'already-rotated':
          entry.state = 'already-rotated';
          break;
        case 'locked-out':
          throw new RepoCliError(
            `neither the password in Secret ${keyText(encryption.key)} nor the new one opens component ${path}`,
          );
      }
    },
    (path) => ({ path }),
  );
  if (report.components.some((c) => c.error)) return report;

  // Phase 2: the Secret gets the new password and the list of old keys still to remove.
  const record: PendingRotation = { newPasswordSecret: keyText(newPasswordSecret), oldKeys };
  ctx.out.progress(`writing the new password into Secret ${keyText(encryption.key)}`);
  let written: SecretInfo;
  try {
    written = await session.cluster.updateSecret(encryption, {
      data: { [RESTIC_PASSWORD_KEY]: newPassword },
      annotations: { [PENDING_ROTATION_ANNOTATION]: formatPendingRotation(record) },
    });
  } catch (err) {
    report.secretError = componentError(ctx, err, '').message;
    return report;
  }
  report.secretUpdated = true;

  // Phase 3: the old keys go.
  const removed = await removeOldKeys(ctx, newPassword, record, written);
  for (const entry of report.components) {
    const done = removed.find((r) => r.path === entry.path);
    if (!done) continue;
    if (done.error) entry.error = done.error;
    else if (done.removedKeyId) Object.assign(entry, { state: 'rotated', removedKeyId: done.removedKeyId });
  }
  report.ok = report.components.every((c) => !c.error);
  return report;
}

/** Removes the recorded old keys with the new password; once all are gone, removes the annotation. */
async function removeOldKeys(
  ctx: Ctx,
  newPassword: string,
  pending: PendingRotation,
  secret: SecretInfo,
): Promise<PasswordComponent[]> {
  const paths = Object.keys(pending.oldKeys);
  const results = await eachComponent<PasswordComponent>(
    { ...ctx, session: { ...ctx.session, components: paths } },
    'removing the key of the old password from',
    async (path, entry) => {
      const next = await ctx.session.open(path, newPassword);
      entry.location = next.location;
      const oldKeyId = pending.oldKeys[path] ?? '';
      const keys = await next.keys({ signal: ctx.signal });
      if (keys.find((k) => k.current)?.id === oldKeyId) {
        throw new RepoCliError(
          `key ${oldKeyId} of ${path} is the one the new password opens; not removing it`,
        );
      }
      if (keys.some((k) => k.id === oldKeyId)) await next.removeKey(oldKeyId, { signal: ctx.signal });
      Object.assign(entry, { state: 'rotated', removedKeyId: oldKeyId });
    },
    (path) => ({ path, state: 'new-key-added' }),
  );
  if (results.every((r) => !r.error)) {
    try {
      await ctx.session.cluster.updateSecret(secret, {
        annotations: { [PENDING_ROTATION_ANNOTATION]: null },
      });
    } catch (err) {
      ctx.out.warn(
        `every old key is removed, but the annotation ${PENDING_ROTATION_ANNOTATION} could not be removed from ` +
          `Secret ${keyText(secret.key)}: ${componentError(ctx, err, '').message}; run the same command again`,
      );
    }
  }
  return results;
}

/**
 * The context for every component repository of the Repository: those in `status.componentPaths` and any
 * other the storage holds under its path, which would otherwise keep only the old password.
 */
async function everyComponent(ctx: Ctx): Promise<Ctx> {
  const listed = ctx.session.components;
  const unlisted = (await ctx.session.findComponents()).filter((path) => !listed.includes(path));
  if (unlisted.length > 0) {
    ctx.out.warn(
      `the storage holds component repositories that status.componentPaths of Repository ` +
        `${keyText(ctx.session.repository.key)} does not list: ${unlisted.join(', ')}; rotating them too`,
    );
  }
  return { ...ctx, session: { ...ctx.session, components: [...listed, ...unlisted] } };
}

/** The ID of the key `repo`'s password opens; undefined when it opens none. */
async function currentKeyId(ctx: Ctx, repo: ResticRepository): Promise<string | undefined> {
  try {
    return (await repo.keys({ signal: ctx.signal })).find((k) => k.current)?.id;
  } catch (err) {
    if (isResticError(err, 'wrong-password')) return undefined;
    throw err;
  }
}

function refuseUnsafeSetup(ctx: Ctx, newPasswordSecret: ObjectKey): void {
  const { session } = ctx;
  const encryption = session.encryptionSecret;
  if (session.components.length !== session.repository.componentPaths.length) {
    throw new RepoCliError(
      '--component cannot be used with password update: the encryption Secret holds one password for ' +
        'every component, so every component is rotated',
    );
  }
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
}

async function readNewPassword(ctx: Ctx, key: ObjectKey): Promise<string> {
  const secret = await ctx.session.cluster.secret(key, 'the new password, --new-password-secret');
  const password = secret.data[RESTIC_PASSWORD_KEY] ?? '';
  ctx.book.add(password); // before any restic run: the runners redact it too
  const problem = passwordProblem(password);
  if (problem) {
    throw new RepoCliError(
      `key ${RESTIC_PASSWORD_KEY} of Secret ${keyText(key)} ${problem}` +
        (secret.data[RESTIC_PASSWORD_KEY] === undefined ? ' (the key is missing)' : '') +
        ': put the new password there',
    );
  }
  return password;
}

function readPending(secret: SecretInfo): PendingRotation | undefined {
  try {
    return parsePendingRotation(secret.annotations[PENDING_ROTATION_ANNOTATION]);
  } catch (err) {
    throw new RepoCliError(
      `Secret ${keyText(secret.key)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
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
