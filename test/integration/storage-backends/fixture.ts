// What the storage backend tests share: a provider's target (a working backend and one whose bucket does not
// exist), the error-kind check, and the check that a wrong credential is denied without showing its value.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  createBackend,
  listAll,
  type BackendOptions,
  type StorageBackend,
} from '../../../src/storage/backend.ts';
import { StorageBackendError, StorageErrorKind } from '../../../src/storage/classify.ts';
import { metadataKey, storagePrefix } from '../../../src/storage/paths.ts';
import { resolveStorage } from '../../../src/storage/resolve.ts';
import type { ResolvedStorage, StorageSpec } from '../../../src/storage/types.ts';

export const PREFIX = 'demo';

/** What a provider's suite needs: a working backend and one whose bucket does not exist. */
export interface Target {
  storage: ResolvedStorage;
  backend: StorageBackend;
  missing: StorageBackend;
}

/** A backend on `spec`, and one on `missingSpec`, whose bucket (or mount directory) does not exist. */
export async function open(
  spec: StorageSpec,
  missingSpec: StorageSpec,
  secret: Record<string, string>,
  options: BackendOptions,
  missingOptions: BackendOptions = options,
): Promise<Target> {
  const storage = resolveStorage(spec);
  return {
    storage,
    backend: await createBackend(storage, secret, options),
    missing: await createBackend(resolveStorage(missingSpec), secret, missingOptions),
  };
}

export async function close(t: Target | undefined): Promise<void> {
  await t?.backend.close();
  await t?.missing.close();
}

export function ready(t: Target | undefined): Target {
  assert.ok(t, 'the suite did not start');
  return t;
}

export function isKind(kind: StorageErrorKind, retryable = false) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof StorageBackendError, `expected a StorageBackendError, got ${inspect(err)}`);
    assert.equal(err.kind, kind, err.message);
    assert.equal(err.retryable, retryable, err.message);
    return true;
  };
}

/** Every text an error can show, causes included. */
function everyText(err: unknown): string {
  const own = err instanceof Error ? Object.getOwnPropertyNames(err) : undefined;
  return [
    String(err),
    err instanceof Error ? err.stack : '',
    inspect(err, { depth: 20 }),
    JSON.stringify(err, own),
  ].join('\n');
}

function assertNoneOf(err: unknown, planted: string[]): void {
  const text = everyText(err);
  for (const value of planted) {
    for (const form of [value, Buffer.from(value).toString('base64'), encodeURIComponent(value)]) {
      assert.ok(!text.includes(form), `a planted credential appears in the error:\n${text}`);
    }
  }
}

/** Every operation with a wrong credential is access-denied, with none of the planted values in its text. */
export async function assertAccessDenied(
  backend: StorageBackend,
  storage: ResolvedStorage,
  planted: string[],
): Promise<void> {
  const key = metadataKey(storage);
  const attempts: [string, () => Promise<unknown>][] = [
    ['get', () => backend.get(key)],
    ['stat', () => backend.stat(key)],
    ['put', () => backend.put(key, 'x')],
    ['list', () => listAll(backend, storagePrefix(storage))],
    ['delete', () => backend.delete(key)],
  ];
  for (const [what, attempt] of attempts) {
    await assert.rejects(
      attempt,
      (err: unknown) => {
        isKind(StorageErrorKind.accessDenied)(err);
        assertNoneOf(err, planted);
        return true;
      },
      what,
    );
  }
}
