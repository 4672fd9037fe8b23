// The private files a restic command needs (passwords, a service-account key, a CA bundle): written before
// restic starts and removed when it has ended. Guarantees: each file's directory is mode 0700 and owned by
// this user (an existing one that is not is refused), each file is mode 0600 and created without following
// a link, and two concurrent runs of this process that share a target share its files, the last to finish
// removing them.

import { constants as fsConstants } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { ResticUsageError } from './errors.ts';
import type { SecretFile } from './target.ts';

export interface WrittenFiles {
  remove(): Promise<void>;
}

/**
 * Files in use by runs of this process, by path. Two concurrent runs on one target share its files: the
 * last one to finish removes them. Different contents at one path in parallel are refused.
 */
const inUse = new Map<string, { contents: string; users: number; ready: Promise<void> }>();

/** Writes `files`; `remove()` on the result undoes exactly what this call wrote or reserved. */
export async function writeSecretFiles(files: readonly SecretFile[]): Promise<WrittenFiles> {
  const createdDirs: string[] = [];
  const held: string[] = [];
  const release = async (): Promise<void> => {
    for (const path of held.reverse()) {
      const entry = inUse.get(path);
      if (entry && entry.users > 1) {
        entry.users -= 1;
        continue;
      }
      inUse.delete(path);
      await rm(path, { force: true });
    }
    for (const dir of createdDirs.reverse()) {
      await rmdir(dir).catch(() => undefined);
    }
  };
  try {
    for (const file of files) {
      if (!file.path.startsWith('/')) throw new ResticUsageError('secret file paths must be absolute');
      const shared = inUse.get(file.path);
      if (shared) {
        if (shared.contents !== file.contents) {
          throw new ResticUsageError(
            'another restic run of this process uses a different secret file at the same path; give each target its own secrets directory',
          );
        }
        shared.users += 1;
        held.push(file.path);
        await shared.ready;
        continue;
      }
      // Reserved before the first await, so a concurrent run finds it and waits for the write.
      const ready = (async () => {
        const dir = dirname(file.path);
        if (await ensurePrivateDir(dir)) createdDirs.push(dir);
        await writePrivateFile(file);
      })();
      inUse.set(file.path, { contents: file.contents, users: 1, ready });
      held.push(file.path);
      await ready;
    }
  } catch (err) {
    await release();
    throw err;
  }
  return { remove: release };
}

/** Creates the directory with mode 0700 (true), or checks that an existing one is private (false). */
async function ensurePrivateDir(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const stat = await lstat(dir);
  const uid = process.getuid?.();
  if (!stat.isDirectory() || (stat.mode & 0o077) !== 0 || (uid !== undefined && stat.uid !== uid)) {
    throw new ResticUsageError(
      'the secrets directory must be a real directory owned by this user with mode 0700 (no group or other access)',
    );
  }
  return false;
}

async function writePrivateFile(file: SecretFile): Promise<void> {
  await rm(file.path, { force: true });
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
  const handle = await open(file.path, flags, file.mode & 0o600);
  try {
    await handle.writeFile(file.contents, 'utf8');
  } finally {
    await handle.close();
  }
}

/** A private directory (mode 0700) for a target's secret files; `remove` deletes it and what it holds. */
export interface PrivateDir {
  path: string;
  remove(): Promise<void>;
}

/** Creates a fresh private directory under `parent` (the process's temporary directory by default). */
export async function createPrivateDir(parent: string = tmpdir()): Promise<PrivateDir> {
  const path = await mkdtemp(join(parent, 'cairn-restic-'));
  await chmod(path, 0o700);
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
