// Changing the password of one restic repository so that at every moment some known password opens it:
// first a key for the new password is added and proven to open the repository (the old key stays), then the
// old key is removed. Each half can run on its own and again after a failure, which is what a rotation
// across many component repositories and a Secret needs (src/cli/repo/rotation.ts runs the first half on
// every component before the Secret changes, the second after); `rotatePassword` runs both on one.

import { ResticError, ResticUsageError, isResticError } from './errors.ts';
import type { CallOptions, ResticRepository } from './repository.ts';

/** What the first half has to do, from the IDs of the keys the old and the new password open. */
export type FirstStep =
  /** Only the old password opens it: add a key for the new one. */
  | { step: 'add-key'; oldKeyId: string }
  /** Both open it (an earlier run added the new key): nothing to add; the old key goes in the second half. */
  | { step: 'key-present'; oldKeyId: string }
  /** Only the new password opens it: its old key is gone already. */
  | { step: 'already-rotated' }
  /** Neither opens it: nothing can be done safely. */
  | { step: 'locked-out' };

export function firstStep(oldKeyId: string | undefined, newKeyId: string | undefined): FirstStep {
  if (oldKeyId !== undefined && newKeyId === undefined) return { step: 'add-key', oldKeyId };
  if (oldKeyId !== undefined && newKeyId !== undefined) return { step: 'key-present', oldKeyId };
  if (newKeyId !== undefined) return { step: 'already-rotated' };
  return { step: 'locked-out' };
}

/** How the first half left the repository. */
export type NewKeyOutcome =
  /** Both passwords open it now: `oldKeyId` is still to be removed. */
  | { step: 'add-key' | 'key-present'; oldKeyId: string; newKeyId: string }
  | { step: 'already-rotated' }
  | { step: 'locked-out' };

/**
 * The ID of the key `repo`'s password opens, or undefined when it opens none (a wrong password). Every
 * other failure, `repository-missing` included, is thrown.
 */
export async function currentKeyId(
  repo: ResticRepository,
  call: CallOptions = {},
): Promise<string | undefined> {
  try {
    return (await repo.keys(call)).find((key) => key.current)?.id;
  } catch (err) {
    if (isResticError(err, 'wrong-password')) return undefined;
    throw err;
  }
}

/**
 * The first half: makes `newPassword` open the repository that `repo`'s password opens, and proves it by
 * opening the repository with it. The old key stays, so the old password keeps working. Run again after
 * an interruption, it adds nothing (`key-present`).
 */
export async function addKeyForPassword(
  repo: ResticRepository,
  newPassword: string,
  call: CallOptions = {},
): Promise<NewKeyOutcome> {
  const next = repo.withPassword(newPassword);
  const oldKeyId = await currentKeyId(repo, call);
  const newKeyId = await currentKeyId(next, call);
  const step = firstStep(oldKeyId, newKeyId);
  if (step.step === 'already-rotated' || step.step === 'locked-out') return step;
  if (step.step === 'key-present') return { ...step, newKeyId: newKeyId ?? '' };
  const addedKeyId = await repo.addKey(newPassword, {}, call);
  if ((await currentKeyId(next, call)) !== addedKeyId) {
    throw keyListError(
      `restic key add: the new password does not open the key just added (${addedKeyId}); the old ` +
        'password still works; remove that key (restic key remove) before trying again',
      'failure',
    );
  }
  return { ...step, newKeyId: addedKeyId };
}

/** What the second half did: removed the old key, found it gone, or refused because it is in use. */
export type OldKeyRemoval = 'removed' | 'absent' | 'in-use';

/**
 * The second half: removes the key `oldKeyId` from the repository `next` opens (with the new password).
 * Never removes the key `next`'s own password opens (`in-use`): that would lock the password out; a
 * Secret reverted to the old password shows up this way. A key already gone is `absent`.
 */
export async function removeOldKey(
  next: ResticRepository,
  oldKeyId: string,
  call: CallOptions = {},
): Promise<OldKeyRemoval> {
  const keys = await next.keys(call);
  if (keys.find((key) => key.current)?.id === oldKeyId) return 'in-use';
  if (!keys.some((key) => key.id === oldKeyId)) return 'absent';
  await next.removeKey(oldKeyId, call);
  return 'removed';
}

export interface PasswordRotation {
  /** The same repository, opened with the new password. */
  repository: ResticRepository;
  addedKeyId: string;
  removedKeyId: string;
}

/**
 * Both halves on one repository. If anything fails before the removal, both passwords work; after it,
 * only the new one. A password that opens no key is a `wrong-password` error; the current password given
 * as the new one is refused.
 */
export async function rotatePassword(
  repo: ResticRepository,
  newPassword: string,
  call: CallOptions = {},
): Promise<PasswordRotation> {
  const added = await addKeyForPassword(repo, newPassword, call);
  if (added.step === 'already-rotated' || added.step === 'locked-out') {
    throw keyListError(
      `restic key list: the current password opens no key of ${repo.location}`,
      'wrong-password',
    );
  }
  const next = repo.withPassword(newPassword);
  if ((await removeOldKey(next, added.oldKeyId, call)) === 'in-use') {
    throw new ResticUsageError('the new password is the one in use already; nothing to rotate');
  }
  return { repository: next, addedKeyId: added.newKeyId, removedKeyId: added.oldKeyId };
}

/** A terminal error about what `restic key list` showed (restic itself exited 0, or 12 for no key). */
function keyListError(message: string, kind: 'failure' | 'wrong-password'): ResticError {
  const exitCode = kind === 'wrong-password' ? 12 : 0;
  return new ResticError(message, {
    kind,
    retryable: false,
    command: 'restic key list',
    exitCode,
    signal: null,
    stderrTail: '',
  });
}
