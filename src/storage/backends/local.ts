// A local BackupStorage: a volume mounted at a directory. Writes are atomic (a temp file in the same
// directory, fsync, rename, fsync of the directory), so a reader or a crash never sees half a file. The root
// directory itself is never created: a missing root means the volume is not mounted, and writing into the
// container's own filesystem instead would lose the data silently.

import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readFile, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { BackendOptions, ObjectStat, PutOptions, StorageBackend } from '../backend.ts';
import {
  classifyError,
  type ErrorContext,
  type StorageBackendError,
  type StorageOperation,
} from '../classify.ts';
import { StorageConfigError } from '../errors.ts';
import { normalizeRelativePath } from '../paths.ts';
import type { LocalStorage } from '../types.ts';
import { createRedactor } from '../../common/redact.ts';
import { checkDeletePrefix, checkKey, checkPrefix, toBuffer } from './common.ts';

/** Marks temp files of writes in progress (or of a crashed write); listings skip them. */
const TEMP_MARKER = '.cairn-tmp-';

export function createLocalBackend(storage: LocalStorage, options: BackendOptions): StorageBackend {
  const root = options.localRoot ?? storage.mountPath;
  if (!root.startsWith('/')) {
    throw new StorageConfigError(
      `the local storage root must be an absolute path, got ${JSON.stringify(root)}`,
    );
  }
  return new LocalBackend(root);
}

class LocalBackend implements StorageBackend {
  readonly provider = 'local' as const;
  readonly location: string;
  private readonly root: string;
  private readonly redactor = createRedactor([]);

  constructor(root: string) {
    this.root = root;
    this.location = `directory ${root}`;
  }

  private pathOf(key: string): string {
    return key === '' ? this.root : join(this.root, key);
  }

  private fail(
    err: unknown,
    operation: StorageOperation,
    key: string,
    subject?: 'bucket',
  ): StorageBackendError {
    const ctx: ErrorContext = {
      provider: 'local',
      operation,
      key,
      location: this.location,
      redactor: this.redactor,
    };
    if (subject) ctx.subject = subject;
    return classifyError(err, ctx);
  }

  /** Throws bucket-missing when the root is not an existing directory. */
  private async requireRoot(operation: StorageOperation, key: string): Promise<void> {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(this.root)).isDirectory();
    } catch (err) {
      throw this.fail(err, operation, key, 'bucket');
    }
    if (!isDirectory) {
      throw this.fail(
        Object.assign(new Error('not a directory'), { code: 'ENOTDIR' }),
        operation,
        key,
        'bucket',
      );
    }
  }

  /** Rethrows `err` classified; a missing root turns a not-found into bucket-missing. */
  private async failWithRoot(err: unknown, operation: StorageOperation, key: string): Promise<never> {
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') await this.requireRoot(operation, key);
    throw this.fail(err, operation, key);
  }

  async put(key: string, body: Uint8Array | string, _options?: PutOptions): Promise<void> {
    checkKey(key);
    await this.requireRoot('put', key);
    const path = this.pathOf(key);
    const dir = dirname(path);
    const tmp = join(dir, `.${path.slice(dir.length + 1)}${TEMP_MARKER}${randomBytes(6).toString('hex')}`);
    try {
      await mkdir(dir, { recursive: true });
      const file = await open(tmp, 'wx', 0o644);
      try {
        await file.writeFile(toBuffer(body));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, path);
      const parent = await open(dir, 'r');
      try {
        await parent.sync();
      } finally {
        await parent.close();
      }
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EISDIR' || code === 'ENOTDIR') {
        // A directory where the file should go, or a file where a directory should: not a missing mount.
        throw this.fail(new Error(`another entry is in the way of ${key} (${code})`), 'put', key);
      }
      throw this.fail(err, 'put', key);
    }
  }

  async get(key: string): Promise<Buffer> {
    checkKey(key);
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      return this.failWithRoot(err, 'get', key);
    }
  }

  async stat(key: string): Promise<ObjectStat | undefined> {
    checkKey(key);
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size, modified: info.mtime } : undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        await this.requireRoot('stat', key);
        return undefined;
      }
      throw this.fail(err, 'stat', key);
    }
  }

  async *list(prefix: string): AsyncIterable<string> {
    checkPrefix(prefix);
    await this.requireRoot('list', prefix);
    yield* this.walk(prefix);
  }

  private async *walk(dirKey: string): AsyncGenerator<string> {
    let entries;
    try {
      entries = await readdir(this.pathOf(dirKey), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.fail(err, 'list', dirKey);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      if (entry.isDirectory()) yield* this.walk(key);
      else if (entry.isFile() && !entry.name.includes(TEMP_MARKER) && isKeySegment(entry.name)) yield key;
    }
  }

  async subdirectories(prefix: string): Promise<string[]> {
    checkPrefix(prefix);
    await this.requireRoot('list', prefix);
    let entries;
    try {
      entries = await readdir(this.pathOf(prefix), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw this.fail(err, 'list', prefix);
    }
    return entries
      .filter((entry) => entry.isDirectory() && isKeySegment(entry.name))
      .map((entry) => entry.name)
      .sort();
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    const path = this.pathOf(key);
    try {
      if (!(await lstat(path)).isFile()) return; // a directory is not an object: list and get ignore it too
      await unlink(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        await this.requireRoot('delete', key);
        return;
      }
      throw this.fail(err, 'delete', key);
    }
  }

  async deleteUnder(prefix: string): Promise<number> {
    checkDeletePrefix(prefix);
    await this.requireRoot('delete', prefix);
    const path = this.pathOf(prefix);
    try {
      if (!(await stat(path)).isDirectory()) return 0;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return 0;
      throw this.fail(err, 'delete', prefix);
    }
    let count = 0;
    for await (const _key of this.walk(prefix)) count++;
    try {
      await rm(path, { recursive: true, force: true });
    } catch (err) {
      throw this.fail(err, 'delete', prefix);
    }
    return count;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// A file whose name could not be a key (a backslash, a control character) is not listed: it was not
// written through a backend and no key can name it.
function isKeySegment(name: string): boolean {
  try {
    normalizeRelativePath('file name', name, { allowEmpty: false });
    return true;
  } catch {
    return false;
  }
}
