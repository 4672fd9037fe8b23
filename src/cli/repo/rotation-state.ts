// The record of an unfinished `cairn repo password update` that Cairn keeps on the encryption Secret between
// writing the new password and removing the old keys. Pure; nothing here is secret: key IDs and object
// names only. (What one component needs, given which passwords open it, is src/restic/key-rotation.ts.)

/** Annotation on the encryption Secret while the old keys of a rotation are not all removed yet. */
export const PENDING_ROTATION_ANNOTATION = 'cairn.dev/password-rotation-pending';

/** The unfinished part of a rotation: the old key of each component that still has one. */
export interface PendingRotation {
  /** `namespace/name` of the --new-password-secret the rotation was started with. */
  newPasswordSecret: string;
  /** Component path → ID of the key of the old password, still to be removed. */
  oldKeys: Record<string, string>;
}

const KEY_ID = /^[0-9a-f]{64}$/;

export function formatPendingRotation(pending: PendingRotation): string {
  const oldKeys = Object.fromEntries(Object.entries(pending.oldKeys).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({ newPasswordSecret: pending.newPasswordSecret, oldKeys });
}

/**
 * Reads the annotation; undefined when absent. A value Cairn did not write (hand-edited, truncated) is an
 * error naming the annotation, never silently ignored: it decides which keys get removed.
 */
export function parsePendingRotation(value: string | undefined): PendingRotation | undefined {
  if (value === undefined || value === '') return undefined;
  const invalid = (why: string): Error =>
    new Error(
      `annotation ${PENDING_ROTATION_ANNOTATION} on the encryption Secret is not one Cairn wrote (${why}); ` +
        'remove it once you have checked the keys of every component with `cairn repo password list`',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid('not an object');
  const { newPasswordSecret, oldKeys } = parsed as Record<string, unknown>;
  if (typeof newPasswordSecret !== 'string' || !/^[^/]+\/[^/]+$/.test(newPasswordSecret)) {
    throw invalid('newPasswordSecret is not namespace/name');
  }
  if (typeof oldKeys !== 'object' || oldKeys === null || Array.isArray(oldKeys)) {
    throw invalid('oldKeys is not an object');
  }
  const keys: Record<string, string> = {};
  for (const [component, id] of Object.entries(oldKeys)) {
    if (typeof id !== 'string' || !KEY_ID.test(id)) throw invalid(`the key of ${component} is not a key ID`);
    keys[component] = id;
  }
  return { newPasswordSecret, oldKeys: keys };
}
