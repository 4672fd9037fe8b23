// From a Repository's name to everything needed to open its component repositories: the Repository, its
// BackupStorage (validated), the storage credential Secret and the encryption Secret. Every credential read
// is added to the SecretBook before this returns, so nothing downstream can print one.
import { resolveStorage } from '../storage/resolve.ts';
import { SecretKey, credentialValues } from '../storage/secret-keys.ts';
import type { ResolvedStorage } from '../storage/types.ts';
import { RepositoryAccessError } from './errors.ts';
import {
  keyText,
  type BackupStorageInfo,
  type ObjectKey,
  type RepositoryInfo,
  type RepositoryObjects,
  type SecretInfo,
} from './objects.ts';
import type { SecretBook } from './secret-book.ts';

/** A Repository with its storage and Secrets read and checked. */
export interface ResolvedRepository {
  repository: RepositoryInfo;
  backupStorage: BackupStorageInfo;
  /** The BackupStorage's `spec.storage`, validated and normalised. */
  storage: ResolvedStorage;
  /** Absent when the BackupStorage names no credential Secret (ambient identity, local volumes). */
  storageSecret?: SecretInfo;
  encryptionSecret: SecretInfo;
}

/**
 * Reads the Repository `key`, its BackupStorage and both Secrets, adding every credential to `book`.
 * Refuses, naming the object, field and fix: a BackupStorage spec that does not validate, a Repository
 * without `spec.encryptionSecret`, and Secrets that hold no RESTIC_PASSWORD between them.
 */
export async function resolveRepository(
  objects: RepositoryObjects,
  key: ObjectKey,
  book: SecretBook,
): Promise<ResolvedRepository> {
  const repository = await objects.repository(key);
  const backupStorage = await objects.backupStorage(repository.storageRef);
  let storage: ResolvedStorage;
  try {
    storage = resolveStorage(backupStorage.storage);
  } catch (err) {
    throw new RepositoryAccessError(
      `BackupStorage ${keyText(backupStorage.key)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }

  let storageSecret: SecretInfo | undefined;
  if (backupStorage.secretName) {
    storageSecret = await objects.secret(
      { namespace: backupStorage.key.namespace, name: backupStorage.secretName },
      `the credentials of BackupStorage ${keyText(backupStorage.key)}, spec.storage.${storage.provider}.secretName`,
    );
    book.add(...credentialValues(storageSecret.data));
  }
  const password = SecretKey.resticPassword;
  if (!repository.encryptionSecret) {
    throw new RepositoryAccessError(
      `Repository ${keyText(repository.key)} has no spec.encryptionSecret: set it to the Secret whose ` +
        `${password} key encrypts the repository`,
    );
  }
  const encryptionSecret = await objects.secret(
    repository.encryptionSecret,
    `spec.encryptionSecret of Repository ${keyText(repository.key)}`,
  );
  book.add(...credentialValues(encryptionSecret.data));
  if (!encryptionSecret.data[password] && !storageSecret?.data[password]) {
    throw new RepositoryAccessError(
      `Secret ${keyText(encryptionSecret.key)} has no key ${password} (or it is empty): add the ` +
        `repository password under ${password}`,
    );
  }
  return {
    repository,
    backupStorage,
    storage,
    ...(storageSecret ? { storageSecret } : {}),
    encryptionSecret,
  };
}
