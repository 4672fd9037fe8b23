// The operations of `cairn storage …`, the task a Job runs on a local BackupStorage's volume, and the argv
// that asks for each: the operator builds the argv (src/reconcilers/storage-job), the task parses it
// (src/tasks/storage). A file's content travels base64-encoded in an env var, never in the argv.

/** The env var holding the base64 content of the file `storage write` writes. */
export const STORAGE_CONTENT_ENV = 'CAIRN_STORAGE_CONTENT';

/** One operation on a local storage, with keys relative to its root (as src/storage/paths.ts builds them). */
export type StorageOperation =
  /** Writes `key` with the content of STORAGE_CONTENT_ENV; with ifAbsent an existing file is kept. */
  | { op: 'write'; key: string; ifAbsent?: boolean }
  /** Removes the file `key` (a missing file is not an error). */
  | { op: 'remove'; key: string }
  /** Removes the directory `prefix` and everything under it; `''` empties the whole storage root. */
  | { op: 'remove-tree'; prefix: string };

/** `cairn storage …` argv for `operation` on the local storage `<namespace>/<name>`. */
export function storageTaskArgs(
  storage: { namespace: string; name: string },
  operation: StorageOperation,
): string[] {
  const args = ['storage', operation.op, `--storage=${storage.namespace}/${storage.name}`];
  switch (operation.op) {
    case 'write':
      return [...args, `--key=${operation.key}`, ...(operation.ifAbsent ? ['--if-absent'] : [])];
    case 'remove':
      return [...args, `--key=${operation.key}`];
    case 'remove-tree':
      return operation.prefix === '' ? [...args, '--all'] : [...args, `--prefix=${operation.prefix}`];
  }
}
