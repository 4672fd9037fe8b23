// `cairn storage …`: one operation on a local BackupStorage's volume, inside the Job that mounts it. Writes
// go through src/storage's local backend (atomic: a reader never sees half a file); keys are checked there
// (no `..`, no absolute key). A key whose directory resolves, through a symbolic link, outside the storage
// root is refused too, so a Job only ever touches the storage it was made for.
import { lstat, readdir, realpath, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import type { StorageOperation } from '../../api/storage-task.ts';
import { createBackend } from '../../storage/backend.ts';
import { StorageConfigError } from '../../storage/errors.ts';
import { normalizeRelativePath } from '../../storage/paths.ts';

/** What an operation did, for the Job's log. */
export interface StorageResult {
  msg: string;
  key: string;
  /** write: false when ifAbsent found the file. remove-tree: how many top-level entries were removed. */
  written?: boolean;
  removed?: number;
}

/** Why the operation was refused before touching anything. */
export class StorageTaskError extends Error {}

/**
 * Runs `operation` on the storage whose volume is at `root` (an absolute directory that must exist: a
 * missing root means the volume is not mounted). `content` is the file for `write`.
 */
export async function runStorageOperation(
  root: string,
  operation: StorageOperation,
  content?: Buffer,
): Promise<StorageResult> {
  await requireRoot(root);
  const backend = await createBackend({ provider: 'local', mountPath: root });
  try {
    switch (operation.op) {
      case 'write': {
        const key = checkedKey(operation.key);
        if (content === undefined) throw new StorageTaskError(`no content to write to ${key}`);
        await requireInside(root, key);
        if (operation.ifAbsent && (await backend.stat(key)) !== undefined) {
          return { msg: 'file kept', key, written: false };
        }
        await backend.put(key, content);
        return { msg: 'file written', key, written: true };
      }
      case 'remove': {
        const key = checkedKey(operation.key);
        await requireInside(root, key);
        await backend.delete(key);
        return { msg: 'file removed', key };
      }
      case 'remove-tree': {
        if (operation.prefix === '') {
          const entries = await readdir(root);
          for (const e of entries) await rm(join(root, e), { recursive: true, force: true });
          return { msg: 'storage emptied', key: '', removed: entries.length };
        }
        const prefix = checkedKey(operation.prefix);
        await requireInside(root, prefix);
        // Removed as a whole: a symbolic link is removed itself, never followed.
        const existed = (await lstat(join(root, prefix)).catch(() => undefined)) !== undefined;
        await rm(join(root, prefix), { recursive: true, force: true });
        return { msg: 'tree removed', key: prefix, removed: existed ? 1 : 0 };
      }
    }
  } finally {
    await backend.close();
  }
}

function checkedKey(key: string): string {
  try {
    const normalized = normalizeRelativePath('key', key, { allowEmpty: false });
    if (normalized !== key)
      throw new StorageConfigError(`key ${JSON.stringify(key)} must not start or end with "/"`);
    return key;
  } catch (err) {
    throw new StorageTaskError(
      `refused: ${err instanceof Error ? err.message : String(err)} (keys are relative to the storage root)`,
    );
  }
}

async function requireRoot(root: string): Promise<void> {
  if (!root.startsWith('/')) throw new StorageTaskError(`the storage root must be absolute, got ${root}`);
  const info = await lstat(root).catch(() => undefined);
  if (!info?.isDirectory() && !(info?.isSymbolicLink() ?? false)) {
    throw new StorageTaskError(`the storage root ${root} is not a directory: is the volume mounted there?`);
  }
}

/** Refuses a key whose nearest existing ancestor directory resolves outside the root. */
async function requireInside(root: string, key: string): Promise<void> {
  const realRoot = await realpath(root);
  let dir = dirname(join(root, key));
  for (;;) {
    const resolved = await realpath(dir).catch(() => undefined);
    if (resolved !== undefined) {
      if (resolved !== realRoot && !resolved.startsWith(realRoot + sep)) {
        throw new StorageTaskError(`refused: ${key} leads outside the storage root through a symbolic link`);
      }
      return;
    }
    if (dir === root) return;
    dir = dirname(dir);
  }
}
