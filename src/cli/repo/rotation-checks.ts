// The checks `cairn repo password update` makes before it changes anything: a setup in which a new password
// would lock something out, a new password restic could not take as given, and the record of an
// unfinished rotation on the encryption Secret.
import { keyText, type ObjectKey, type SecretInfo } from '../../repository/objects.ts';
import { passwordFileProblem } from '../../restic/argv-checks.ts';
import { SecretKey } from '../../storage/secret-keys.ts';
import { RepoCliError } from './errors.ts';
import type { Ctx } from './operations.ts';
import { PENDING_ROTATION_ANNOTATION, parsePendingRotation, type PendingRotation } from './rotation-state.ts';

const RESTIC_PASSWORD_KEY = SecretKey.resticPassword;

export function refuseUnsafeSetup(ctx: Ctx, newPasswordSecret: ObjectKey): void {
  const { workspace } = ctx;
  const encryption = workspace.encryptionSecret;
  if (workspace.components.length !== workspace.repository.componentPaths.length) {
    throw new RepoCliError(
      '--component cannot be used with password update: the encryption Secret holds one password for ' +
        'every component, so every component is rotated',
    );
  }
  if (workspace.storageSecret?.data[RESTIC_PASSWORD_KEY]) {
    throw new RepoCliError(
      `the storage Secret ${keyText(workspace.storageSecret.key)} holds ${RESTIC_PASSWORD_KEY}, which overrides ` +
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

export async function readNewPassword(ctx: Ctx, key: ObjectKey): Promise<string> {
  const secret = await ctx.workspace.objects.secret(key, 'the new password, --new-password-secret');
  const password = secret.data[RESTIC_PASSWORD_KEY] ?? '';
  ctx.book.add(password); // before any restic run: the runners redact it too
  const problem = passwordFileProblem(password);
  if (problem) {
    throw new RepoCliError(
      `key ${RESTIC_PASSWORD_KEY} of Secret ${keyText(key)} ${problem}` +
        (secret.data[RESTIC_PASSWORD_KEY] === undefined ? ' (the key is missing)' : '') +
        ': put the new password there',
    );
  }
  return password;
}

export function readPending(secret: SecretInfo): PendingRotation | undefined {
  try {
    return parsePendingRotation(secret.annotations[PENDING_ROTATION_ANNOTATION]);
  } catch (err) {
    throw new RepoCliError(
      `Secret ${keyText(secret.key)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** A Secret shared with other Repositories would lock them out once it holds the new password. */
export async function refuseSharedSecret(ctx: Ctx): Promise<void> {
  const { workspace, out } = ctx;
  const own = workspace.repository.key;
  const secret = workspace.encryptionSecret.key;
  const { items, clusterWide } = await workspace.objects.repositories(own.namespace);
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
