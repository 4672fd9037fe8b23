// The parts of a BackupStorage `spec.storage` that the data path reads. Minimal on purpose: the API layer
// owns the full Kind types; these shapes only have to accept what a manifest written for KubeStash holds.
// Every field is optional because the upstream schema requires none of them: `resolveStorage` decides what
// is missing.

export const StorageProvider = {
  s3: 's3',
  gcs: 'gcs',
  azure: 'azure',
  local: 'local',
} as const;
export type StorageProvider = (typeof StorageProvider)[keyof typeof StorageProvider];

/** `spec.storage.s3`: AWS and S3-compatible stores. */
export interface S3StorageSpec {
  endpoint?: string;
  bucket?: string;
  prefix?: string;
  region?: string;
  secretName?: string;
  maxConnections?: number;
  insecureTLS?: boolean;
}

/** `spec.storage.gcs`: Google Cloud Storage. */
export interface GcsStorageSpec {
  bucket?: string;
  prefix?: string;
  secretName?: string;
  maxConnections?: number;
}

/** `spec.storage.azure`: Azure Blob Storage. */
export interface AzureStorageSpec {
  storageAccount?: string;
  container?: string;
  prefix?: string;
  secretName?: string;
  maxConnections?: number;
}

/**
 * `spec.storage.local`: a volume source (hostPath, nfs, persistentVolumeClaim, …) mounted at `mountPath`.
 * The volume source itself is the pod builder's business; here only the mount matters.
 */
export interface LocalStorageSpec {
  mountPath?: string;
  subPath?: string;
  maxConnections?: number;
  [volumeSource: string]: unknown;
}

/** `spec.storage` of a BackupStorage. */
export interface StorageSpec {
  provider?: string;
  s3?: S3StorageSpec;
  gcs?: GcsStorageSpec;
  azure?: AzureStorageSpec;
  local?: LocalStorageSpec;
}

/** A validated, normalised S3 backend: endpoint without a trailing `/`, prefix without outer `/`. */
export interface S3Storage {
  provider: 's3';
  /** `host[:port]` or `http(s)://host[:port]`; `s3.amazonaws.com` when the spec leaves it empty. */
  endpoint: string;
  bucket: string;
  prefix: string;
  region?: string;
  secretName?: string;
  maxConnections?: number;
  insecureTLS: boolean;
}

export interface GcsStorage {
  provider: 'gcs';
  bucket: string;
  prefix: string;
  secretName?: string;
  maxConnections?: number;
}

export interface AzureStorage {
  provider: 'azure';
  /** May be empty when the account name comes from the credential Secret instead. */
  storageAccount: string;
  container: string;
  prefix: string;
  secretName?: string;
  maxConnections?: number;
}

export interface LocalStorage {
  provider: 'local';
  /** Absolute, normalised, no trailing `/` (except the root itself). */
  mountPath: string;
  subPath?: string;
  maxConnections?: number;
}

/** A BackupStorage location that has passed `resolveStorage`: exactly one provider, required fields set. */
export type ResolvedStorage = S3Storage | GcsStorage | AzureStorage | LocalStorage;
