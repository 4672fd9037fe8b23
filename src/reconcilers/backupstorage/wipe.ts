// The WipeOut of an object-store BackupStorage (s3, gcs, azure): every object under its prefix deleted
// through src/storage, then the prefix listed again, so the finalizer goes only once nothing is left. A
// storage whose prefix is empty is the whole bucket or container: Cairn refuses to wipe that (it may hold
// other people's data) and the deletion finishes keeping it.
import type { V1Secret } from '@kubernetes/client-node';
import { listAll } from '../../storage/backend.ts';
import { storagePrefix } from '../../storage/paths.ts';
import type { ResolvedStorage } from '../../storage/types.ts';
import {
  isProblem,
  objectName,
  resolveSpec,
  secretProblem,
  withBackend,
  type BackupStorageObject,
} from './backend.ts';

/** What a WipeOut came to. */
export type WipeResult =
  /** A local storage's cleanup Job has not ended (`absent`: not created yet). */
  | { state: 'absent' }
  | { state: 'pending'; message: string }
  /** Everything was removed; the message says what. */
  | { state: 'succeeded'; message: string }
  /** Something failed; the message says what. Tried again later. */
  | { state: 'failed'; message: string; finishedAt?: string }
  /** Nothing was deleted, on purpose; the message says why. The deletion finishes keeping the data. */
  | { state: 'refused'; message: string };

/**
 * Where a WipeOut of `storage` may delete: its normalised prefix, or why it may not (an empty prefix is the
 * whole bucket or container). Pure.
 */
export function wipePrefix(storage: ResolvedStorage): { prefix: string } | { refused: string } {
  const prefix = storagePrefix(storage);
  if (prefix !== '') return { prefix };
  const where =
    storage.provider === 'azure'
      ? `container ${storage.container}`
      : storage.provider === 'local'
        ? 'volume'
        : `bucket ${storage.bucket}`;
  return {
    refused: `its prefix is empty, so WipeOut would delete the whole ${where}: Cairn does not wipe a whole bucket or container, and the data was kept; delete it there if it is no longer wanted`,
  };
}

/** Deletes everything under an object store's prefix; never throws (the outcome says what happened). */
export async function wipeObjectStore(
  bs: BackupStorageObject,
  secret: V1Secret | undefined,
): Promise<WipeResult> {
  const resolved = resolveSpec(bs);
  if (isProblem(resolved)) {
    return { state: 'refused', message: `${resolved.message}, so its data cannot be located and was kept` };
  }
  const target = wipePrefix(resolved);
  if ('refused' in target) return { state: 'refused', message: target.refused };
  const missing = secretProblem(bs, resolved, secret);
  if (missing) return { state: 'failed', message: missing.message };
  const r = await withBackend(bs, resolved, secret, async (backend) => {
    const removed = await backend.deleteUnder(target.prefix);
    return { removed, left: (await listAll(backend, target.prefix)).length };
  });
  const where = `${JSON.stringify(target.prefix)} (${objectName(bs)})`;
  if ('problem' in r) return { state: 'failed', message: r.problem.message };
  if (r.value.left > 0) {
    return {
      state: 'failed',
      message: `${r.value.left} objects were written under ${where} while it was being emptied (a backup still running?)`,
    };
  }
  return { state: 'succeeded', message: `${r.value.removed} objects under the prefix ${where} were deleted` };
}
