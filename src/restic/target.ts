// Turns a BackupStorage location plus its Secrets into everything a restic process needs to open one
// component repository. Pure: the caller writes the returned files (into a private directory it created)
// and passes the environment to the process.
//
// The one guarantee that matters: a secret value is only ever placed in `env` or in the contents of a
// returned file. The repository URL and every argv option are built from the BackupStorage spec and from
// paths alone, so they can be logged, shown in status and put in Events.

import type { ResolvedStorage, StorageSpec } from '../storage/types.ts';
import { resolveStorage } from '../storage/resolve.ts';
import { componentRepositoryKey, localPath, normalizeRelativePath } from '../storage/paths.ts';
import { SecretKey, credentialValues } from '../storage/secret-keys.ts';
import { ResticUsageError } from './errors.ts';

/** File names inside the caller's private directory. */
export const CA_CERT_FILE = 'ca-cert.pem';
export const GCS_CREDENTIALS_FILE = 'gcs-service-account.json';

/** Owner read/write only: these files hold credentials. */
export const SECRET_FILE_MODE = 0o600;

/** A file the caller must write before starting restic, and delete afterwards. */
export interface SecretFile {
  path: string;
  contents: string;
  mode: number;
}

/** restic's S3 bucket addressing: `path` for most S3-compatible stores, `dns` for virtual-hosted style. */
export type S3BucketLookup = 'auto' | 'dns' | 'path';

export interface RepositoryTargetInput {
  /** `spec.storage` of the BackupStorage. */
  storage: StorageSpec;
  /** Decoded `data` of the Secret named by `spec.storage.<provider>.secretName`, if any. */
  storageSecret?: Readonly<Record<string, string>>;
  /** Decoded `data` of the Repository's encryption Secret (key RESTIC_PASSWORD). */
  encryptionSecret?: Readonly<Record<string, string>>;
  /** `Repository.spec.path`. */
  repositoryPath: string;
  /** `repository/<version>/<session>/<component>`, as in `Snapshot.status.components[].path`. */
  componentPath: string;
  /** Absolute path of a private directory where the caller will write the returned files. */
  secretsDir: string;
  /** Only for s3; unset leaves restic's own choice (`auto`). */
  s3BucketLookup?: S3BucketLookup;
}

/** Everything needed to point restic at one repository. */
export interface ResticTarget {
  /** The repository URL for `--repo`; never holds a secret. */
  repository: string;
  /** Credentials and backend settings for the process environment (includes RESTIC_PASSWORD). */
  env: Record<string, string>;
  /** Extended options, rendered as `-o key=value`. */
  options: Record<string, string>;
  /** Path of a CA bundle file (listed in `files`), rendered as `--cacert`. */
  caCertFile?: string;
  insecureTls: boolean;
  /** Files to write before running restic. */
  files: SecretFile[];
  /** Every secret value this target carries, for building a redactor. */
  secrets: string[];
  /** The private directory the files live in; commands that need more files (new passwords) use it too. */
  secretsDir: string;
}

function value(data: Readonly<Record<string, string>> | undefined, key: string): string | undefined {
  const found = data?.[key];
  return found === undefined || found === '' ? undefined : found;
}

/**
 * Builds the target for one component repository. The storage and encryption Secrets are merged with the
 * storage Secret winning on a shared key, as KubeStash does, so a repository initialised by KubeStash from
 * such a pair opens with the same password. Values are used verbatim (no trimming): a trailing newline in a
 * password is part of the password restic was given when the repository was created.
 */
export function buildRepositoryTarget(input: RepositoryTargetInput): ResticTarget {
  const storage = resolveStorage(input.storage);
  const secretsDir = checkSecretsDir(input.secretsDir);
  const merged: Record<string, string> = { ...input.encryptionSecret, ...input.storageSecret };
  const password = value(merged, SecretKey.resticPassword);
  if (password === undefined) {
    throw new ResticUsageError(`the encryption Secret has no ${SecretKey.resticPassword} (or it is empty)`);
  }

  const dirKey = componentRepositoryKey(storage, input.repositoryPath, input.componentPath);
  const target: ResticTarget = {
    repository: '',
    env: { [SecretKey.resticPassword]: password },
    options: {},
    insecureTls: false,
    files: [],
    secrets: [],
    secretsDir,
  };

  switch (storage.provider) {
    case 's3':
      target.repository = `s3:${storage.endpoint}/${storage.bucket}/${dirKey}`;
      applyS3(target, storage, merged, input.s3BucketLookup);
      break;
    case 'gcs':
      target.repository = `gs:${storage.bucket}:/${dirKey}`;
      applyGcs(target, merged);
      break;
    case 'azure':
      target.repository = `azure:${storage.container}:/${dirKey}`;
      applyAzure(target, storage, merged);
      break;
    case 'local':
      target.repository = localPath(storage, dirKey);
      break;
  }
  if (storage.maxConnections !== undefined) {
    target.options[`${optionPrefix(storage)}.connections`] = String(storage.maxConnections);
  }
  if (storage.provider !== 'local') applyCaCert(target, merged);

  target.secrets = collectSecrets([input.storageSecret, input.encryptionSecret]);
  return target;
}

function optionPrefix(storage: ResolvedStorage): string {
  return storage.provider === 'gcs' ? 'gs' : storage.provider;
}

function applyS3(
  target: ResticTarget,
  storage: Extract<ResolvedStorage, { provider: 's3' }>,
  data: Readonly<Record<string, string>>,
  bucketLookup: S3BucketLookup | undefined,
): void {
  const keyId = value(data, SecretKey.awsAccessKeyId);
  const secretKey = value(data, SecretKey.awsSecretAccessKey);
  if ((keyId === undefined) !== (secretKey === undefined)) {
    const missing = keyId === undefined ? SecretKey.awsAccessKeyId : SecretKey.awsSecretAccessKey;
    throw new ResticUsageError(`the storage Secret has one of the S3 access keys but not ${missing}`);
  }
  // Without keys restic falls back to the pod's own identity (IRSA, instance profile).
  if (keyId !== undefined && secretKey !== undefined) {
    target.env[SecretKey.awsAccessKeyId] = keyId;
    target.env[SecretKey.awsSecretAccessKey] = secretKey;
    const token = value(data, SecretKey.awsSessionToken);
    if (token !== undefined) target.env[SecretKey.awsSessionToken] = token;
  }
  if (storage.region !== undefined) target.env.AWS_DEFAULT_REGION = storage.region;
  if (storage.insecureTLS) target.insecureTls = true;
  if (bucketLookup !== undefined && bucketLookup !== 'auto')
    target.options['s3.bucket-lookup'] = bucketLookup;
}

function applyGcs(target: ResticTarget, data: Readonly<Record<string, string>>): void {
  const project = value(data, SecretKey.googleProjectId);
  if (project !== undefined) target.env[SecretKey.googleProjectId] = project;
  // Without a key restic uses Application Default Credentials (workload identity).
  const key = value(data, SecretKey.googleServiceAccountJsonKey);
  if (key !== undefined) {
    const path = `${target.secretsDir}/${GCS_CREDENTIALS_FILE}`;
    target.files.push({ path, contents: key, mode: SECRET_FILE_MODE });
    target.env.GOOGLE_APPLICATION_CREDENTIALS = path;
  }
  const token = value(data, SecretKey.googleAccessToken);
  if (token !== undefined) target.env[SecretKey.googleAccessToken] = token;
  const emulator = value(data, SecretKey.storageEmulatorHost);
  if (emulator !== undefined) target.env[SecretKey.storageEmulatorHost] = emulator;
}

function applyAzure(
  target: ResticTarget,
  storage: Extract<ResolvedStorage, { provider: 'azure' }>,
  data: Readonly<Record<string, string>>,
): void {
  // The spec's storageAccount is authoritative; the Secret key is the fallback older manifests used.
  const account =
    storage.storageAccount !== '' ? storage.storageAccount : value(data, SecretKey.azureAccountName);
  if (account === undefined) {
    throw new ResticUsageError(
      `spec.storage.azure.storageAccount is empty and the storage Secret has no ${SecretKey.azureAccountName}`,
    );
  }
  target.env[SecretKey.azureAccountName] = account;
  // Without a key or SAS restic authenticates with workload identity (AZURE_FEDERATED_TOKEN_FILE).
  for (const key of [SecretKey.azureAccountKey, SecretKey.azureAccountSas, SecretKey.azureEndpointSuffix]) {
    const found = value(data, key);
    if (found !== undefined) target.env[key] = found;
  }
}

function applyCaCert(target: ResticTarget, data: Readonly<Record<string, string>>): void {
  const ca = value(data, SecretKey.caCertData);
  if (ca === undefined) return;
  const path = `${target.secretsDir}/${CA_CERT_FILE}`;
  target.files.push({ path, contents: ca, mode: SECRET_FILE_MODE });
  target.caCertFile = path;
}

// Both Secrets are read, not just the merged view: a password shadowed by the storage Secret is still a
// secret the caller holds and must never print.
function collectSecrets(sources: (Readonly<Record<string, string>> | undefined)[]): string[] {
  return [...new Set(sources.flatMap(credentialValues))];
}

function checkSecretsDir(dir: string): string {
  if (!dir.startsWith('/')) {
    throw new ResticUsageError(`the secrets directory must be an absolute path, got ${JSON.stringify(dir)}`);
  }
  const inner = normalizeRelativePath('secrets directory', dir, { allowEmpty: false });
  return `/${inner}`;
}

/**
 * The argv options a target contributes besides `--repo`: `-o key=value` for each extended option,
 * `--cacert <file>`, `--insecure-tls`. Built from non-secret fields only.
 */
export function targetOptionArgs(target: ResticTarget): string[] {
  const args: string[] = [];
  for (const [key, optionValue] of Object.entries(target.options)) args.push('-o', `${key}=${optionValue}`);
  if (target.caCertFile !== undefined) args.push('--cacert', target.caCertFile);
  if (target.insecureTls) args.push('--insecure-tls');
  return args;
}
