// BackupStorage: where backups are stored (a bucket and prefix, or a volume), who may use it, and what
// happens to the data when it is deleted.
import type { Static } from '@sinclair/typebox';
import type { ValidationRule } from '../schema/builders.ts';
import { Bool, Enum, Int64, List, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { BackupStoragePhase } from '../backupstorage-phase.ts';
import { Conditions } from './condition.ts';
import { volumeSourceProperties } from './k8s/volume.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, KindField, MetadataField, STORAGE_GROUP } from './meta.ts';
import { RuntimeSettings } from './runtime-settings.ts';
import { UsagePolicy } from './usage-policy.ts';

export const StorageProviders = ['local', 's3', 'gcs', 'azure'] as const;
export type StorageProvider = (typeof StorageProviders)[number];

const MaxConnections = () => Opt(Int64('Most connections opened to the backend at once.', { minimum: 1 }));
const SecretName = (what: string) =>
  Opt(
    Str(
      `Name of the Secret, in the BackupStorage's namespace, holding ${what}. Without it Cairn uses the credentials of its environment (workload identity).`,
      {
        maxLength: 253,
      },
    ),
  );

function providerRules(): ValidationRule[] {
  const rules: ValidationRule[] = [];
  for (const p of StorageProviders) {
    rules.push({
      rule: `self.provider != '${p}' || has(self.${p})`,
      message: `spec.storage.${p} is required when spec.storage.provider is ${p}: add the ${p} block`,
      fieldPath: `.${p}`,
      reason: 'FieldValueRequired',
    });
  }
  for (const p of StorageProviders) {
    rules.push({
      rule: `!has(self.${p}) || self.provider == '${p}'`,
      message: `spec.storage.${p} is set but spec.storage.provider is not ${p}: remove spec.storage.${p} or set provider to ${p} (a BackupStorage holds exactly one backend)`,
      fieldPath: `.${p}`,
      reason: 'FieldValueForbidden',
    });
  }
  return rules;
}

export function Backend() {
  return Obj(
    {
      provider: Enum(
        StorageProviders,
        'The kind of backend; the block of the same name must be set, and no other.',
      ),
      s3: Opt(
        Obj(
          {
            endpoint: Opt(
              Str(
                'URL or host of the S3 service, e.g. https://s3.us-east-2.amazonaws.com or http://minio.local:9000; s3.amazonaws.com when empty.',
              ),
            ),
            bucket: Str('Name of the bucket.', { minLength: 1 }),
            prefix: Opt(
              Str(
                'Directory inside the bucket under which every repository of this storage lives; the bucket root when empty.',
              ),
            ),
            region: Opt(Str('Region of the bucket, e.g. us-east-2.')),
            secretName: SecretName(
              'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and CA_CERT_DATA for a private CA)',
            ),
            insecureTLS: Opt(Bool('Skip verification of the TLS certificate of the endpoint.')),
            maxConnections: MaxConnections(),
          },
          'An AWS S3 or S3-compatible (MinIO...) bucket.',
        ),
      ),
      gcs: Opt(
        Obj(
          {
            bucket: Str('Name of the bucket.', { minLength: 1 }),
            prefix: Opt(
              Str(
                'Directory inside the bucket under which every repository of this storage lives; the bucket root when empty.',
              ),
            ),
            secretName: SecretName('GOOGLE_PROJECT_ID and GOOGLE_SERVICE_ACCOUNT_JSON_KEY'),
            maxConnections: MaxConnections(),
          },
          'A Google Cloud Storage bucket.',
        ),
      ),
      azure: Opt(
        Obj(
          {
            storageAccount: Str('Name of the Azure storage account.', { minLength: 1 }),
            container: Str('Name of the blob container.', { minLength: 1 }),
            prefix: Opt(
              Str(
                'Directory inside the container under which every repository of this storage lives; the container root when empty.',
              ),
            ),
            secretName: SecretName('AZURE_ACCOUNT_KEY'),
            maxConnections: MaxConnections(),
          },
          'An Azure Blob Storage container.',
        ),
      ),
      local: Opt(
        Obj(
          {
            ...volumeSourceProperties(),
            mountPath: Str(
              'Where the volume is mounted in the Jobs that read and write the repositories, e.g. /safe/data.',
              { minLength: 1 },
            ),
            subPath: Opt(Str('Directory inside the volume to use instead of its root.')),
            maxConnections: MaxConnections(),
          },
          'A volume (hostPath, nfs, persistentVolumeClaim, csi, or any other core/v1 volume source) mounted into the Jobs. Unmodelled volume sources are kept as written.',
          { preserveUnknownFields: true },
        ),
      ),
    },
    'The backend: a provider and its settings.',
    { rules: providerRules() },
  );
}
export type Backend = Static<ReturnType<typeof Backend>>;

export const BackupStorageSpec = Obj(
  {
    storage: Backend(),
    usagePolicy: Opt(UsagePolicy('BackupStorage', { defaultSame: true })),
    default: Opt(
      Bool(
        'Use this storage for BackupConfigurations that name no backend: in this namespace, and in the namespaces its usagePolicy allows. At most one default per namespace',
      ),
    ),
    deletionPolicy: Opt(
      Enum(
        ['Delete', 'WipeOut'],
        'What deleting the BackupStorage does: Delete removes its Repository and Snapshot objects but keeps the data in the backend; WipeOut also deletes the data.',
        { default: 'Delete' },
      ),
    ),
    runtimeSettings: Opt(
      RuntimeSettings('Pod and container settings of the Jobs that initialise and clean up the backend.'),
    ),
  },
  'Where backups are stored and who may use the storage.',
);
export type BackupStorageSpec = Static<typeof BackupStorageSpec>;

export const BackupStorageStatus = Obj(
  {
    phase: Opt(
      Enum(Object.values(BackupStoragePhase), 'Ready once the backend is initialised and its Secret exists.'),
    ),
    totalSize: Opt(Str('Sum of the sizes of the repositories in the backend, e.g. 12.222 MiB.')),
    repositories: Opt(
      List(
        Obj(
          {
            name: Opt(Str('Name of the Repository.')),
            namespace: Opt(Str('Namespace of the Repository.')),
            path: Opt(Str('Directory of the repository inside the storage prefix.')),
            size: Opt(Str('Size of the repository.')),
            synced: Opt(Bool('Whether the Repository object was created from the backend (backend sync).')),
            error: Opt(Str('Why the repository could not be read or synced.')),
          },
          'A repository found in the backend.',
        ),
        'The repositories that use this storage.',
      ),
    ),
    conditions: Opt(Conditions('BackendInitialized and BackendSecretFound.')),
  },
  'What Cairn observed about the storage.',
);
export type BackupStorageStatus = Static<typeof BackupStorageStatus>;

export const BackupStorage = Obj(
  {
    apiVersion: ApiVersionField(STORAGE_GROUP),
    kind: KindField('BackupStorage'),
    metadata: MetadataField(),
    spec: BackupStorageSpec,
    status: Opt(BackupStorageStatus),
  },
  'A BackupStorage is a place to keep backups: an S3, GCS or Azure bucket and prefix, or a volume. BackupConfigurations refer to it by name; Cairn writes metadata.yaml at its root.',
);
export type BackupStorage = Static<typeof BackupStorage>;

export const BackupStorageKind: KindDefinition = {
  group: STORAGE_GROUP,
  kind: 'BackupStorage',
  plural: 'backupstorages',
  singular: 'backupstorage',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: true,
  printerColumns: [
    {
      name: 'Provider',
      type: 'string',
      jsonPath: '.spec.storage.provider',
      description: 'The kind of backend.',
    },
    {
      name: 'Default',
      type: 'boolean',
      jsonPath: '.spec.default',
      description: 'Whether this is the default storage.',
    },
    {
      name: 'Deletion-Policy',
      type: 'string',
      jsonPath: '.spec.deletionPolicy',
      description: 'What deleting the storage does to the data.',
    },
    {
      name: 'Total-Size',
      type: 'string',
      jsonPath: '.status.totalSize',
      description: 'Size of all repositories in the backend.',
    },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Ready or NotReady.' },
    AGE_COLUMN,
  ],
  schema: BackupStorage,
};
