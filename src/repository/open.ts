// Opening the component repositories of a resolved Repository as ResticRepositories, in one private work
// directory (secret files, restic's cache and temporary files) that `close()` removes, and finding the
// component repositories its storage holds whatever the Repository's status lists.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResticRepository } from '../restic/repository.ts';
import type { RunnerEvent } from '../restic/run-result.ts';
import type { ResticProcessOptions } from '../restic/runner.ts';
import { createBackend, type StorageBackend } from '../storage/backend.ts';
import { findComponentRepositories } from '../storage/components.ts';
import { componentLockDeleter } from '../storage/lock-files.ts';
import { resolveStorage } from '../storage/resolve.ts';
import type { StorageSpec } from '../storage/types.ts';
import { RepositoryAccessError } from './errors.ts';
import { keyText } from './objects.ts';
import type { ResolvedRepository } from './resolve.ts';
import type { SecretBook } from './secret-book.ts';

export interface OpenOptions {
  /**
   * Local storages only: where the volume is in this process. Default its `mountPath`, where a Job
   * mounts it; a person's machine has it elsewhere. Given for another provider, it is an error.
   */
  localRoot?: string;
  /**
   * Local storages only: where each local BackupStorage is in this process, by `<namespace>/<name>` (what a
   * Job's `CAIRN_LOCAL_STORAGE_ROOTS` says). Used when `localRoot` is not given; a storage it does not name,
   * or of another provider, is opened as without it.
   */
  localRoots?: ReadonlyMap<string, string>;
  /** How restic runs. The cache and temporary directories default to the work directory. */
  process?: ResticProcessOptions;
  /** How long restic waits for a lock held by someone else. */
  lockWait?: string;
  /** Every event of every run, redacted, with the component it belongs to. */
  onEvent?: (component: string, event: RunnerEvent) => void;
  /** Where the work directory is made; the system's temporary directory by default. */
  workParent?: string;
}

/** The component repositories of one Repository, ready to open. */
export interface ComponentRepositories {
  /** The storage spec restic is given (for a local storage, `mountPath` is the local root). */
  readonly storageSpec: StorageSpec;
  /**
   * Opens one component repository (`repository/<version>/<session>/<component>`) with the encryption
   * Secret's password, or with `password`. Closed by `close()`.
   */
  open(component: string, password?: string): Promise<ResticRepository>;
  /** The component repositories the storage holds under the Repository's path (a restic config each). */
  find(): Promise<string[]>;
  /**
   * Runs `fn` with a function that deletes one lock file of `component` through the storage backend (for
   * `ResticRepository.cleanupLocks`), and releases the backend afterwards.
   */
  withLockDeleter<T>(
    component: string,
    fn: (deleter: (lockId: string) => Promise<void>) => Promise<T>,
  ): Promise<T>;
  /** Removes the work directory and everything in it. */
  close(): Promise<void>;
}

/**
 * Prepares `resolved` for opening. `book` holds the secrets in play: each restic process gets them as
 * extra secrets to redact (also those added after this call, such as a new password).
 */
export async function openComponentRepositories(
  resolved: ResolvedRepository,
  book: SecretBook,
  options: OpenOptions = {},
): Promise<ComponentRepositories> {
  const { repository, encryptionSecret, storageSecret } = resolved;
  const storageSpec = withLocalRoot(resolved, options.localRoot ?? localRootOf(resolved, options.localRoots));
  const storage = resolveStorage(storageSpec);
  const work = await mkdtemp(join(options.workParent ?? tmpdir(), 'cairn-repo-'));
  const opened: ResticRepository[] = [];

  const withBackend = async <T>(fn: (backend: StorageBackend) => Promise<T>): Promise<T> => {
    const backend = await createBackend(storage, storageSecret?.data ?? {});
    try {
      return await fn(backend);
    } finally {
      await backend.close();
    }
  };

  return {
    storageSpec,
    async open(component, password) {
      const repo = await ResticRepository.open(
        {
          storage: storageSpec,
          ...(storageSecret ? { storageSecret: storageSecret.data } : {}),
          encryptionSecret: encryptionSecret.data,
          repositoryPath: repository.path,
          componentPath: component,
        },
        {
          secretsParent: work,
          ...(options.lockWait !== undefined ? { lockWait: options.lockWait } : {}),
          ...(options.onEvent ? { onEvent: (event) => options.onEvent?.(component, event) } : {}),
          process: {
            cacheDir: join(work, 'cache'),
            tmpDir: work,
            ...options.process,
            extraSecrets: [...(options.process?.extraSecrets ?? []), ...book.values],
          },
        },
      );
      opened.push(repo);
      return password === undefined ? repo : repo.withPassword(password);
    },
    async find() {
      try {
        return await withBackend((backend) => findComponentRepositories(backend, storage, repository.path));
      } catch (err) {
        throw new RepositoryAccessError(
          `could not list the component repositories of Repository ${keyText(repository.key)} in its storage: ` +
            book.redact(err instanceof Error ? err.message : String(err)),
          { cause: err, retryable: (err as { retryable?: unknown }).retryable === true },
        );
      }
    },
    withLockDeleter(component, fn) {
      return withBackend((backend) => fn(componentLockDeleter(backend, storage, repository.path, component)));
    },
    async close() {
      await Promise.all(opened.map((r) => r.close()));
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** The root `roots` names for a local storage; undefined for another provider or a storage not named. */
function localRootOf(
  resolved: ResolvedRepository,
  roots: ReadonlyMap<string, string> | undefined,
): string | undefined {
  if (!roots || resolved.storage.provider !== 'local') return undefined;
  return roots.get(keyText(resolved.backupStorage.key));
}

/** The storage spec with a local storage's `mountPath` replaced by `localRoot`, when given. */
function withLocalRoot(resolved: ResolvedRepository, localRoot: string | undefined): StorageSpec {
  const { backupStorage, storage } = resolved;
  if (localRoot === undefined) return backupStorage.storage;
  if (storage.provider !== 'local') {
    throw new RepositoryAccessError(
      `a local root applies to local BackupStorages only; ${keyText(backupStorage.key)} is ${storage.provider}`,
    );
  }
  return { ...backupStorage.storage, local: { ...backupStorage.storage.local, mountPath: localRoot } };
}
