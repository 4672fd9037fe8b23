// Builders of the key commands: list, add, passwd, remove. A new password travels in a private file in the
// target's secrets directory (restic's --new-password-file), never in argv. Pure; see argv.ts for what
// every builder guarantees.

import { ResticUsageError } from './errors.ts';
import { checkKeyId, passwordFileProblem, text } from './argv-checks.ts';
import { buildCommand, type CommonOptions, type ResticCommand } from './argv.ts';
import { SECRET_FILE_MODE, type ResticTarget, type SecretFile } from './target.ts';

/** `restic key list`: one JSON array of keys. */
export function keyListCommand(target: ResticTarget, common?: CommonOptions): ResticCommand {
  return buildCommand(target, { subcommand: ['key', 'list'], jsonByDefault: true }, common);
}

export const NEW_PASSWORD_FILE = 'new-password';

export interface KeyAddOptions {
  /** The password of the new key; written to a file, never to argv. */
  newPassword: string;
  user?: string;
  host?: string;
}

function newPasswordFile(target: ResticTarget, password: string): SecretFile {
  const problem = passwordFileProblem(password);
  if (problem) throw new ResticUsageError(`the new password ${problem}`);
  return { path: `${target.secretsDir}/${NEW_PASSWORD_FILE}`, contents: password, mode: SECRET_FILE_MODE };
}

/** `restic key add`: adds a key; the repository is opened with the target's password. */
export function keyAddCommand(
  target: ResticTarget,
  options: KeyAddOptions,
  common?: CommonOptions,
): ResticCommand {
  const file = newPasswordFile(target, options.newPassword);
  const flags = ['--new-password-file', file.path];
  if (options.user !== undefined) flags.push('--user', text('user', options.user));
  if (options.host !== undefined) flags.push('--host', text('host', options.host));
  return buildCommand(
    target,
    {
      subcommand: ['key', 'add'],
      flags,
      jsonByDefault: false,
      extraFiles: [file],
      extraSecrets: [options.newPassword],
    },
    common,
  );
}

/** `restic key passwd`: replaces the password of the key the target opens the repository with. */
export function keyPasswdCommand(
  target: ResticTarget,
  options: { newPassword: string },
  common?: CommonOptions,
): ResticCommand {
  const file = newPasswordFile(target, options.newPassword);
  return buildCommand(
    target,
    {
      subcommand: ['key', 'passwd'],
      flags: ['--new-password-file', file.path],
      jsonByDefault: false,
      extraFiles: [file],
      extraSecrets: [options.newPassword],
    },
    common,
  );
}

/** `restic key remove <id>`: restic refuses to remove the key in use. */
export function keyRemoveCommand(target: ResticTarget, keyId: string, common?: CommonOptions): ResticCommand {
  return buildCommand(
    target,
    { subcommand: ['key', 'remove'], positional: [checkKeyId(keyId)], jsonByDefault: false },
    common,
  );
}
