// Opening a BackupStorage's backend from the operator: the spec validated by src/storage, the credential
// Secret read from the shared cache and checked for the keys its provider needs, and every failure turned
// into a `BackendProblem` that says which of the three things a user can fix is wrong (the spec, the Secret,
// the service) without ever quoting a credential. Shared by the BackupStorage and Repository reconcilers.
import type { V1Secret } from '@kubernetes/client-node';
import type { BackupStorage } from '../../api/kinds/backupstorage.ts';
import type { KubeObject } from '../../kube/types.ts';
import { createBackend, type StorageBackend } from '../../storage/backend.ts';
import { isStorageBackendError, StorageErrorKind } from '../../storage/classify.ts';
import { StorageConfigError } from '../../storage/errors.ts';
import { resolveStorage } from '../../storage/resolve.ts';
import { SecretKey } from '../../storage/secret-keys.ts';
import type { ResolvedStorage } from '../../storage/types.ts';

export type BackupStorageObject = BackupStorage & KubeObject;
export type SecretObject = V1Secret & KubeObject;

/** What is wrong, by what the user has to fix. */
export const ProblemKind = {
  /** spec.storage does not validate. */
  spec: 'spec',
  /** The named Secret does not exist. */
  secretMissing: 'secret-missing',
  /** The Secret exists but lacks a key the provider needs (or holds an unusable value). */
  secretKeys: 'secret-keys',
  /** The service rejected the credentials. */
  credentials: 'credentials',
  /** The bucket or container does not exist. */
  bucket: 'bucket',
  /** The endpoint could not be reached or did not answer. */
  unreachable: 'unreachable',
  other: 'other',
} as const;
export type ProblemKind = (typeof ProblemKind)[keyof typeof ProblemKind];

export interface BackendProblem {
  kind: ProblemKind;
  /** A sentence naming the object and the fix; no credential. */
  message: string;
  /** Whether trying again without any change can help (the service was down or busy). */
  retryable: boolean;
}

export const objectName = (o: KubeObject): string =>
  `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** The validated spec, or the problem naming the field. */
export function resolveSpec(bs: BackupStorageObject): ResolvedStorage | BackendProblem {
  try {
    return resolveStorage(bs.spec.storage);
  } catch (err) {
    if (!(err instanceof StorageConfigError)) throw err;
    return {
      kind: ProblemKind.spec,
      message: `BackupStorage ${objectName(bs)}: ${err.message}`,
      retryable: false,
    };
  }
}

export function isProblem(x: unknown): x is BackendProblem {
  return typeof x === 'object' && x !== null && 'kind' in x && 'retryable' in x && 'message' in x;
}

/** The name of the credential Secret of a resolved storage (none for local, or ambient identity). */
export function secretNameOf(storage: ResolvedStorage): string | undefined {
  return storage.provider === 'local' ? undefined : storage.secretName;
}

/**
 * The keys a provider needs in its Secret that `keys` lacks (an empty value counts as absent). s3 needs
 * both halves of the access key pair, gcs the service-account key, azure an account key or a SAS token.
 */
export function missingSecretKeys(
  storage: ResolvedStorage,
  data: Readonly<Record<string, string>>,
): string[] {
  const has = (k: string): boolean => (data[k] ?? '') !== '';
  switch (storage.provider) {
    case 's3':
      return [SecretKey.awsAccessKeyId, SecretKey.awsSecretAccessKey].filter((k) => !has(k));
    case 'gcs':
      return has(SecretKey.googleServiceAccountJsonKey) ? [] : [SecretKey.googleServiceAccountJsonKey];
    case 'azure':
      return has(SecretKey.azureAccountKey) || has(SecretKey.azureAccountSas)
        ? []
        : [SecretKey.azureAccountKey];
    case 'local':
      return [];
  }
}

/** A Secret's data decoded; never logged or returned to a caller that writes status. */
export function decodeSecret(secret: V1Secret | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret?.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret?.stringData ?? {})) out[k] = v;
  return out;
}

/** The Secret problem of a storage, or undefined when its Secret (if it names one) is usable. */
export function secretProblem(
  bs: BackupStorageObject,
  storage: ResolvedStorage,
  secret: V1Secret | undefined,
): BackendProblem | undefined {
  const name = secretNameOf(storage);
  if (name === undefined) return undefined;
  const ns = bs.metadata?.namespace ?? '';
  const field = `spec.storage.${storage.provider}.secretName`;
  if (!secret) {
    return {
      kind: ProblemKind.secretMissing,
      message: `Secret ${ns}/${name} named by ${field} of BackupStorage ${objectName(bs)} does not exist: create it in namespace ${ns}`,
      retryable: false,
    };
  }
  const missing = missingSecretKeys(storage, decodeSecret(secret));
  if (missing.length === 0) return undefined;
  return {
    kind: ProblemKind.secretKeys,
    message: `Secret ${ns}/${name} of BackupStorage ${objectName(bs)} has no ${missing.join(' or ')}: add ${missing.length > 1 ? 'them' : 'it'} for the ${storage.provider} backend`,
    retryable: false,
  };
}

/** A storage error (from src/storage) as a problem whose message says which side to fix. */
export function storageProblem(
  bs: BackupStorageObject,
  storage: ResolvedStorage,
  err: unknown,
): BackendProblem {
  const who = `BackupStorage ${objectName(bs)}`;
  const secret = secretNameOf(storage);
  const creds = secret
    ? `the credentials in Secret ${bs.metadata?.namespace ?? ''}/${secret}`
    : 'the credentials of the operator environment (no secretName is set)';
  if (err instanceof StorageConfigError) {
    return { kind: ProblemKind.secretKeys, message: `${who}: ${err.message}`, retryable: false };
  }
  if (!isStorageBackendError(err)) {
    const text = err instanceof Error ? err.message : String(err);
    return { kind: ProblemKind.other, message: `${who}: ${text}`, retryable: true };
  }
  switch (err.kind) {
    case StorageErrorKind.accessDenied:
      return {
        kind: ProblemKind.credentials,
        message: `${who}: the backend rejected ${creds}: fix them (and what they may do on the bucket). ${err.message}`,
        retryable: false,
      };
    case StorageErrorKind.bucketMissing:
      return {
        kind: ProblemKind.bucket,
        message: `${who}: the bucket or container does not exist: create it or fix spec.storage.${storage.provider}. ${err.message}`,
        retryable: false,
      };
    case StorageErrorKind.unreachable:
      return {
        kind: ProblemKind.unreachable,
        message: `${who}: the endpoint could not be reached (retrying with backoff): check spec.storage.${storage.provider} and the network. ${err.message}`,
        retryable: true,
      };
    default:
      return { kind: ProblemKind.other, message: `${who}: ${err.message}`, retryable: err.retryable };
  }
}

/** Short per-request limits: a reconcile must not hang on a dead endpoint; the work queue retries. */
const BACKEND_OPTIONS = { requestTimeoutMs: 10_000, maxAttempts: 2 };

/**
 * Runs `fn` on an open backend of `storage` with the Secret's data, closing it afterwards. Every failure
 * (configuration or service) comes back as a problem; `fn`'s value otherwise.
 */
export async function withBackend<T>(
  bs: BackupStorageObject,
  storage: ResolvedStorage,
  secret: V1Secret | undefined,
  fn: (backend: StorageBackend) => Promise<T>,
): Promise<{ value: T } | { problem: BackendProblem }> {
  let backend: StorageBackend | undefined;
  try {
    backend = await createBackend(storage, decodeSecret(secret), BACKEND_OPTIONS);
    return { value: await fn(backend) };
  } catch (err) {
    return { problem: storageProblem(bs, storage, err) };
  } finally {
    await backend?.close().catch(() => undefined);
  }
}
