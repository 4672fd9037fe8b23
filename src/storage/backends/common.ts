// What every adapter shares: key checks, content types, the redactor for a Secret, bounded concurrency.

import { createRedactor, type Redactor } from '../../common/redact.ts';
import { credentialValues } from '../secret-keys.ts';
import { StorageConfigError } from '../errors.ts';
import { normalizeRelativePath } from '../paths.ts';
import type { SecretData } from '../backend.ts';

/** Deletions in flight at once where the service has no batch delete. */
export const DELETE_CONCURRENCY = 8;

/**
 * Returns `key` when it is a key as paths.ts builds them (no outer `/`, no empty, `.` or `..` segment, no
 * backslash or control character); throws a StorageConfigError otherwise. Keys are never rewritten: a key
 * that needs normalising is a caller's bug.
 */
export function checkKey(key: string): string {
  const normalized = normalizeRelativePath('object key', key, { allowEmpty: false });
  if (normalized !== key) {
    throw new StorageConfigError(`object key ${JSON.stringify(key)} must not start or end with "/"`);
  }
  return key;
}

/** Like checkKey, but `''` (the whole storage) is allowed. */
export function checkPrefix(prefix: string): string {
  const normalized = normalizeRelativePath('key prefix', prefix, { allowEmpty: true });
  if (normalized !== prefix) {
    throw new StorageConfigError(`key prefix ${JSON.stringify(prefix)} must not start or end with "/"`);
  }
  return prefix;
}

/** A prefix for deleteUnder: never the whole storage, which no caller should wipe by accident. */
export function checkDeletePrefix(prefix: string): string {
  if (prefix === '') {
    throw new StorageConfigError('deleteUnder needs a non-empty prefix; it will not delete a whole storage');
  }
  return checkPrefix(prefix);
}

/** The service-side prefix of the directory `prefix`: `a/b` → `a/b/`, `''` → `''`. */
export function directoryPrefix(prefix: string): string {
  return prefix === '' ? '' : `${prefix}/`;
}

/**
 * The directory name a common prefix (`<base><name>/`) of a delimited listing stands for, as a zero- or
 * one-element array: a prefix outside `base` or a name that could not be a key segment is skipped.
 */
export function subdirectoryName(base: string, commonPrefix: string | undefined): string[] {
  if (commonPrefix === undefined || !commonPrefix.startsWith(base) || !commonPrefix.endsWith('/')) return [];
  const name = commonPrefix.slice(base.length, -1);
  try {
    checkKey(name);
  } catch {
    return [];
  }
  return name.includes('/') ? [] : [name];
}

export function contentTypeFor(key: string, explicit: string | undefined): string {
  if (explicit) return explicit;
  return key.endsWith('.yaml') || key.endsWith('.yml') ? 'application/x-yaml' : 'application/octet-stream';
}

export function toBuffer(body: Uint8Array | string): Buffer {
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
}

/** A Secret value, or undefined when absent or empty (as KubeStash treats empty keys). */
export function secretValue(secret: SecretData, key: string): string | undefined {
  const value = secret[key];
  return value === undefined || value === '' ? undefined : value;
}

/** The redactor for every credential the Secret holds. */
export function secretRedactor(secret: SecretData): Redactor {
  return createRedactor(credentialValues(secret));
}

/** Runs `fn` over `items` with at most `limit` calls in flight; the first failure rejects after all settle. */
export async function forEachLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.err;
}
