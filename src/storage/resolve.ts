import type {
  AzureStorage,
  GcsStorage,
  LocalStorage,
  ResolvedStorage,
  S3Storage,
  StorageSpec,
} from './types.ts';
import { StorageProvider } from './types.ts';
import { StorageConfigError } from './errors.ts';
import { checkSegment, normalizePrefix, normalizeRelativePath } from './paths.ts';

/** The endpoint restic and the AWS SDKs use when a BackupStorage names none. */
export const DEFAULT_S3_ENDPOINT = 's3.amazonaws.com';

const PROVIDERS = Object.values(StorageProvider);

/**
 * Validates a BackupStorage `spec.storage` and returns the block of its provider, normalised: trailing `/`
 * stripped from bucket, endpoint and prefix (as KubeStash's defaulting webhook does), outer `/` stripped from
 * the prefix, a zero `maxConnections` treated as unset. Blocks of other providers are ignored. Throws a
 * StorageConfigError that names the offending field; messages never echo an endpoint, which may hold
 * credentials.
 */
export function resolveStorage(spec: StorageSpec): ResolvedStorage {
  const provider = spec.provider;
  switch (provider) {
    case 's3':
      return resolveS3(spec);
    case 'gcs':
      return resolveGcs(spec);
    case 'azure':
      return resolveAzure(spec);
    case 'local':
      return resolveLocal(spec);
    default:
      throw new StorageConfigError(
        provider === undefined || provider === ''
          ? `spec.storage.provider must be set to one of ${PROVIDERS.join(', ')}`
          : `spec.storage.provider ${JSON.stringify(provider)} is not supported; use one of ${PROVIDERS.join(', ')}`,
      );
  }
}

function missingBlock(provider: string): StorageConfigError {
  return new StorageConfigError(
    `spec.storage.${provider} must be set when spec.storage.provider is ${provider}`,
  );
}

function resolveS3(spec: StorageSpec): S3Storage {
  const s3 = spec.s3;
  if (!s3) throw missingBlock('s3');
  const region = s3.region?.trim();
  return {
    provider: 's3',
    endpoint: normalizeEndpoint(s3.endpoint),
    bucket: bucketName('spec.storage.s3.bucket', s3.bucket),
    prefix: normalizePrefix(s3.prefix),
    ...(region ? { region } : {}),
    ...optionalSecret(s3.secretName),
    ...connections('spec.storage.s3.maxConnections', s3.maxConnections),
    insecureTLS: s3.insecureTLS === true,
  };
}

function resolveGcs(spec: StorageSpec): GcsStorage {
  const gcs = spec.gcs;
  if (!gcs) throw missingBlock('gcs');
  return {
    provider: 'gcs',
    bucket: bucketName('spec.storage.gcs.bucket', gcs.bucket),
    prefix: normalizePrefix(gcs.prefix),
    ...optionalSecret(gcs.secretName),
    ...connections('spec.storage.gcs.maxConnections', gcs.maxConnections),
  };
}

function resolveAzure(spec: StorageSpec): AzureStorage {
  const azure = spec.azure;
  if (!azure) throw missingBlock('azure');
  const account = azure.storageAccount?.trim() ?? '';
  if (account !== '' && !/^[A-Za-z0-9]+$/.test(account)) {
    throw new StorageConfigError(
      `spec.storage.azure.storageAccount ${JSON.stringify(account)} must hold only letters and digits`,
    );
  }
  return {
    provider: 'azure',
    storageAccount: account,
    container: bucketName('spec.storage.azure.container', azure.container),
    prefix: normalizePrefix(azure.prefix),
    ...optionalSecret(azure.secretName),
    ...connections('spec.storage.azure.maxConnections', azure.maxConnections),
  };
}

function resolveLocal(spec: StorageSpec): LocalStorage {
  const local = spec.local;
  if (!local) throw missingBlock('local');
  const mountPath = local.mountPath ?? '';
  if (!mountPath.startsWith('/')) {
    throw new StorageConfigError(
      mountPath === ''
        ? 'spec.storage.local.mountPath must be set'
        : `spec.storage.local.mountPath ${JSON.stringify(mountPath)} must be an absolute path`,
    );
  }
  const inner = normalizeRelativePath('spec.storage.local.mountPath', mountPath, { allowEmpty: true });
  const subPath = normalizeRelativePath('spec.storage.local.subPath', local.subPath ?? '', {
    allowEmpty: true,
  });
  return {
    provider: 'local',
    mountPath: `/${inner}`,
    ...(subPath !== '' ? { subPath } : {}),
    ...connections('spec.storage.local.maxConnections', local.maxConnections),
  };
}

function bucketName(field: string, value: string | undefined): string {
  const name = (value ?? '').trim().replace(/\/+$/, '');
  if (name === '') throw new StorageConfigError(`${field} must be set`);
  checkSegment(field, name);
  if (/[:\s]/.test(name)) {
    throw new StorageConfigError(`${field} ${JSON.stringify(name)} must not contain ":" or whitespace`);
  }
  return name;
}

function optionalSecret(secretName: string | undefined): { secretName?: string } {
  const name = secretName?.trim();
  return name ? { secretName: name } : {};
}

function connections(field: string, value: number | undefined): { maxConnections?: number } {
  if (value === undefined || value === null || value === 0) return {};
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new StorageConfigError(`${field} must be a positive integer, got ${String(value)}`);
  }
  return { maxConnections: value };
}

/**
 * Accepts `host[:port]` or `http(s)://host[:port]` with an optional trailing `/`. Rejects user info, paths,
 * queries and fragments: credentials belong in the Secret, and anything after the host would be taken by
 * restic as part of the bucket path.
 */
function normalizeEndpoint(raw: string | undefined): string {
  const value = (raw ?? '').trim().replace(/\/+$/, '');
  if (value === '') return DEFAULT_S3_ENDPOINT;
  const schemeMatch = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value);
  if (schemeMatch && !['http', 'https'].includes(schemeMatch[1]!.toLowerCase())) {
    throw new StorageConfigError('spec.storage.s3.endpoint must use http:// or https:// (or no scheme)');
  }
  if (/\s/.test(value)) throw new StorageConfigError('spec.storage.s3.endpoint must not contain whitespace');
  let url: URL;
  try {
    url = new URL(schemeMatch ? value : `https://${value}`);
  } catch {
    throw new StorageConfigError('spec.storage.s3.endpoint is not a valid host or URL');
  }
  if (url.username !== '' || url.password !== '' || value.includes('@')) {
    throw new StorageConfigError(
      'spec.storage.s3.endpoint must not contain credentials; put them in the storage Secret',
    );
  }
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    throw new StorageConfigError('spec.storage.s3.endpoint must not contain a query or fragment');
  }
  if (url.pathname !== '/' && url.pathname !== '') {
    throw new StorageConfigError(
      'spec.storage.s3.endpoint must not contain a path; use spec.storage.s3.bucket and prefix',
    );
  }
  return value;
}
