// `cairn repo password update`: rotates the restic password of every component repository of a Repository
// to the RESTIC_PASSWORD of another Secret, and writes it into the Repository's encryption Secret, in three
// phases so that at every moment the password the Secret holds opens every component:
//
//   1. add a key for the new password to each component and prove it opens it (the old key stays);
//   2. write the new password into the encryption Secret, with an annotation listing each old key ID;
//   3. check the Secret still holds both, remove the old keys, then the annotation.
//
// A failure in 1 or 2 leaves the old password working everywhere; a failure in 3 leaves an old key that
// still opens a component, recorded in the annotation, so running the same command again removes it.
// What happens to each component in 1 and 3 is src/restic/key-rotation.ts, the same two halves
// ResticRepository.rotatePassword runs on one repository.
import { keyText, type ObjectKey, type SecretInfo } from '../../repository/objects.ts';
import { isResticError } from '../../restic/errors.ts';
import { addKeyForPassword, removeOldKey } from '../../restic/key-rotation.ts';
import { SecretKey } from '../../storage/secret-keys.ts';
import { RepoCliError } from './errors.ts';
import { componentError, eachComponent, type Base, type ComponentBase, type Ctx } from './operations.ts';
import { readNewPassword, readPending, refuseSharedSecret, refuseUnsafeSetup } from './rotation-checks.ts';
import {
  PENDING_ROTATION_ANNOTATION,
  formatPendingRotation,
  parsePendingRotation,
  type PendingRotation,
} from './rotation-state.ts';

const RESTIC_PASSWORD_KEY = SecretKey.resticPassword;

export type RotationState =
  /** The new key was added and the old one removed. */
  | 'rotated'
  /** The new password opened it already and the old one did not. */
  | 'already-rotated'
  /** The new key is in; the old key is not removed yet. */
  | 'new-key-added'
  /** The component repository no longer exists (retention or a WipeOut removed it meanwhile). */
  | 'gone'
  /** Found in the storage only, and neither password opens it: left as it was. */
  | 'skipped';

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
  /** What went wrong with the encryption Secret itself (its update, or removing the annotation). */
  secretError?: string;
  components: PasswordComponent[];
}

export async function rotatePassword(ctx: Ctx, newPasswordSecret: ObjectKey): Promise<PasswordReport> {
  const { workspace } = ctx;
  const encryption = workspace.encryptionSecret;
  refuseUnsafeSetup(ctx, newPasswordSecret);
  const pending = readPending(encryption);
  const report: PasswordReport = {
    repository: workspace.repository.key,
    ok: false,
    encryptionSecret: encryption.key,
    newPasswordSecret,
    secretUpdated: false,
    components: [],
  };
  const current = encryption.data[RESTIC_PASSWORD_KEY] ?? '';

  if (pending) {
    if (pending.newPasswordSecret !== keyText(newPasswordSecret)) {
      throw new RepoCliError(
        `a rotation of Secret ${keyText(encryption.key)} to Secret ${pending.newPasswordSecret} is unfinished ` +
          `(annotation ${PENDING_ROTATION_ANNOTATION}): run the same command with --new-password-secret ` +
          `${pending.newPasswordSecret} again to remove the old keys, then rotate to another password`,
      );
    }
    // The encryption Secret holds the new password already: the new-password Secret may be gone.
    report.secretUpdated = true;
    return finish(ctx, report, current, pending, encryption);
  }
  const newPassword = await readNewPassword(ctx, newPasswordSecret);
  if (newPassword === current) {
    throw new RepoCliError(
      `Secret ${keyText(newPasswordSecret)} holds the password already in use (${keyText(encryption.key)}); ` +
        "if an earlier rotation was interrupted and its annotation removed, 'cairn repo password list' " +
        'shows any old key that remains',
    );
  }
  await refuseSharedSecret(ctx);

  // Phase 1: every component opens with the new password; the old keys stay.
  const listed = new Set(workspace.components);
  const oldKeys: Record<string, string> = {};
  const all = await withUnlisted(ctx, workspace.components);
  report.components = await addNewKeys(ctx, all, newPassword, oldKeys, listed);
  if (report.components.some((c) => c.error)) return report;

  // Phase 2: the Secret gets the new password and the list of old keys still to remove.
  let record: PendingRotation = { newPasswordSecret: keyText(newPasswordSecret), oldKeys };
  ctx.out.progress(`writing the new password into Secret ${keyText(encryption.key)}`);
  let written: SecretInfo;
  try {
    written = await workspace.objects.updateSecret(encryption, {
      data: { [RESTIC_PASSWORD_KEY]: newPassword },
      annotations: { [PENDING_ROTATION_ANNOTATION]: formatPendingRotation(record) },
    });
  } catch (err) {
    report.secretError =
      `${componentError(ctx, err, '').message} (if the update was applied after all, the same command ` +
      'finds the annotation and resumes)';
    return report;
  }
  report.secretUpdated = true;

  // A backup that read the old password may have created a component meanwhile: it gets the new key too.
  const late = (await workspace.findComponents()).filter((path) => !all.includes(path));
  if (late.length > 0) {
    ctx.out.warn(`component repositories created during the rotation: ${late.join(', ')}; rotating them too`);
    const added = await addNewKeys(ctx, late, newPassword, oldKeys, new Set(), current);
    report.components.push(...added);
    record = { ...record, oldKeys };
    try {
      written = await workspace.objects.updateSecret(written, {
        annotations: { [PENDING_ROTATION_ANNOTATION]: formatPendingRotation(record) },
      });
    } catch (err) {
      report.secretError = componentError(ctx, err, '').message;
      return report;
    }
    const stranded = added.filter((c) => c.error).map((c) => c.path);
    if (stranded.length > 0) {
      ctx.out.warn(
        `${stranded.join(', ')} opens only with the old password, which no Secret holds any more: put the old ` +
          'password into a Secret of its own before anything else, so that those backups can be recovered',
      );
      return report;
    }
  }

  // Phase 3: the old keys go.
  const finished = await finish(ctx, { ...report, components: [] }, newPassword, record, written);
  for (const entry of report.components) {
    const done = finished.components.find((r) => r.path === entry.path);
    if (!done) continue;
    if (done.error) entry.error = done.error;
    else Object.assign(entry, { state: done.state, removedKeyId: done.removedKeyId });
  }
  return {
    ...report,
    ok: finished.ok && report.components.every((c) => !c.error),
    ...(finished.secretError ? { secretError: finished.secretError } : {}),
  };
}

/**
 * Phase 1 on `paths`: a key for the new password on each, proven to open it; fills `oldKeys` with the key
 * each old password opens. `listed` components that neither password opens are an error; others
 * (found in the storage only) are skipped, since the Secret could not open them before either.
 * `oldPassword` is for components found after the Secret changed.
 */
async function addNewKeys(
  ctx: Ctx,
  paths: string[],
  newPassword: string,
  oldKeys: Record<string, string>,
  listed: ReadonlySet<string>,
  oldPassword?: string,
): Promise<PasswordComponent[]> {
  const encryption = ctx.workspace.encryptionSecret;
  return eachComponent<PasswordComponent>(
    ctx,
    'adding a key for the new password to',
    (path) => ({ path }),
    async (old, entry) => {
      const { path } = entry;
      let added;
      try {
        added = await addKeyForPassword(old, newPassword, { signal: ctx.signal });
      } catch (err) {
        // Listed, but removed from the storage since (retention, a WipeOut): nothing to rotate.
        if (!isResticError(err, 'repository-missing')) throw err;
        entry.state = 'gone';
        return;
      }
      switch (added.step) {
        case 'add-key':
          entry.addedKeyId = added.newKeyId;
          oldKeys[path] = added.oldKeyId;
          entry.state = 'new-key-added';
          break;
        case 'key-present':
          oldKeys[path] = added.oldKeyId;
          entry.state = 'new-key-added';
          break;
        case 'already-rotated':
          entry.state = 'already-rotated';
          break;
        case 'locked-out':
          if (!listed.has(path)) {
            ctx.out.warn(`neither password opens ${path}, found in the storage only; leaving it as it is`);
            entry.state = 'skipped';
            break;
          }
          throw new RepoCliError(
            `neither the password in Secret ${keyText(encryption.key)} nor the new one opens component ${path}`,
          );
      }
    },
    { paths, ...(oldPassword !== undefined ? { password: oldPassword } : {}) },
  );
}

/**
 * Phase 3: once the Secret is seen to hold `password` and the annotation `pending` still, removes each
 * recorded old key (opening with `password`), then the annotation. A Secret changed meanwhile (reverted by
 * GitOps, edited by hand) stops it before any key is removed: both passwords still open every component.
 */
async function finish(
  ctx: Ctx,
  report: PasswordReport,
  password: string,
  pending: PendingRotation,
  secret: SecretInfo,
): Promise<PasswordReport> {
  const { objects } = ctx.workspace;
  const recorded = formatPendingRotation(pending);
  const unchanged = (s: SecretInfo): boolean => {
    if (s.data[RESTIC_PASSWORD_KEY] !== password) return false;
    try {
      const seen = parsePendingRotation(s.annotations[PENDING_ROTATION_ANNOTATION]);
      return seen !== undefined && formatPendingRotation(seen) === recorded;
    } catch {
      return false;
    }
  };
  const fresh = await objects.secret(secret.key, 'the encryption Secret');
  if (!unchanged(fresh)) {
    return {
      ...report,
      ok: false,
      secretError:
        `Secret ${keyText(secret.key)} changed after the new password was written into it; no old key was ` +
        'removed, so the old and the new password both open every component. Check who changed it, then ' +
        'run the same command again',
    };
  }
  report.components = await eachComponent<PasswordComponent>(
    ctx,
    'removing the key of the old password from',
    (path) => ({ path, state: 'new-key-added' }),
    async (next, entry) => {
      const { path } = entry;
      const oldKeyId = pending.oldKeys[path] ?? '';
      let removal;
      try {
        removal = await removeOldKey(next, oldKeyId, { signal: ctx.signal });
      } catch (err) {
        if (!isResticError(err, 'repository-missing')) throw err;
        entry.state = 'gone';
        return;
      }
      if (removal === 'in-use') {
        throw new RepoCliError(
          `key ${oldKeyId} of ${path}, recorded as the old key, is the one the Secret's password opens ` +
            '(was the Secret reverted to the old password?); not removing it',
        );
      }
      Object.assign(entry, { state: 'rotated', removedKeyId: oldKeyId });
    },
    { paths: Object.keys(pending.oldKeys), password },
  );
  if (report.components.some((c) => c.error)) return { ...report, ok: false };

  // The annotation goes; a Secret touched meanwhile (labels, another annotation) is read again once.
  const removeAnnotation = (s: SecretInfo): Promise<SecretInfo> =>
    objects.updateSecret(s, { annotations: { [PENDING_ROTATION_ANNOTATION]: null } });
  let failure: unknown;
  try {
    await removeAnnotation(fresh);
    return { ...report, ok: true };
  } catch (err) {
    failure = err;
  }
  const reread = await objects.secret(secret.key, 'the encryption Secret').catch(() => undefined);
  if (reread && unchanged(reread)) {
    try {
      await removeAnnotation(reread);
      return { ...report, ok: true };
    } catch (err) {
      failure = err;
    }
  }
  return {
    ...report,
    ok: false,
    secretError:
      `every old key is removed, but the annotation ${PENDING_ROTATION_ANNOTATION} could not be removed ` +
      `from Secret ${keyText(secret.key)}: ${componentError(ctx, failure, '').message}; run the same ` +
      'command again',
  };
}

/** `listed` and every other component repository the storage holds under the Repository's path. */
async function withUnlisted(ctx: Ctx, listed: string[]): Promise<string[]> {
  const unlisted = (await ctx.workspace.findComponents()).filter((path) => !listed.includes(path));
  if (unlisted.length > 0) {
    ctx.out.warn(
      `the storage holds component repositories that status.componentPaths of Repository ` +
        `${keyText(ctx.workspace.repository.key)} does not list: ${unlisted.join(', ')}; rotating them too`,
    );
  }
  return [...listed, ...unlisted];
}
