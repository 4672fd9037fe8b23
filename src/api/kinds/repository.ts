// Repository: one restic repository in a BackupStorage, created by Cairn from a BackupConfiguration.
import type { Static } from '@sinclair/typebox';
import { Bool, DateTime, Enum, Int32, List, Obj, Opt, Str, StringList } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { REPOSITORY_PATH_HINT, repositoryPathRules } from '../repository-path.ts';
import { RepositoryPhase } from '../repository-phase.ts';
import { SnapshotPhase } from '../snapshot-phase.ts';
import { Conditions } from './condition.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, KindField, MetadataField, STORAGE_GROUP } from './meta.ts';
import { ObjectReference, TypedObjectReference } from './references.ts';

export const RepositorySpec = Obj(
  {
    appRef: Opt(
      TypedObjectReference(
        'The object whose backups the repository holds; absent for a cluster-wide manifest backup.',
      ),
    ),
    storageRef: ObjectReference('The BackupStorage the repository lives in.'),
    path: Str(
      'Directory of the repository inside the BackupStorage prefix, e.g. /cluster-manifests. Unique within the storage; cannot be changed after creation',
      {
        minLength: 1,
        maxLength: 4096,
        hint: REPOSITORY_PATH_HINT,
        rules: [
          {
            rule: 'self == oldSelf',
            message:
              'spec.path cannot be changed after creation: the data stays at the old path; create a new Repository for a new path',
          },
          ...repositoryPathRules('spec.path'),
        ],
      },
    ),
    deletionPolicy: Opt(
      Enum(
        ['Delete', 'WipeOut'],
        'What deleting the Repository does: Delete removes its Snapshot objects but keeps the data; WipeOut also deletes the data.',
        { default: 'Delete' },
      ),
    ),
    encryptionSecret: Opt(ObjectReference('The Secret whose RESTIC_PASSWORD key encrypts the repository.')),
    paused: Opt(Bool('Stop backups into this repository.')),
  },
  'Where the repository is and how it is encrypted.',
);
export type RepositorySpec = Static<typeof RepositorySpec>;

export const RepositoryStatus = Obj(
  {
    phase: Opt(Enum(Object.values(RepositoryPhase), 'Ready once the restic repository is initialised.')),
    lastBackupTime: Opt(DateTime('When the last successful backup finished.')),
    integrity: Opt(Bool('Result of the last integrity check of the repository data.')),
    snapshotCount: Opt(Int32('Number of Snapshots in the repository.')),
    size: Opt(Str('Size of the repository, e.g. 1.596 MiB.')),
    recentSnapshots: Opt(
      List(
        Obj(
          {
            name: Opt(Str('Name of the Snapshot.')),
            phase: Opt(Enum(Object.values(SnapshotPhase), 'Phase of the Snapshot.')),
            session: Opt(Str('The backup session that took it.')),
            size: Opt(Str('Size of the Snapshot.')),
            snapshotTime: Opt(DateTime('When it was taken.')),
          },
          'A recent Snapshot.',
        ),
        'The most recent Snapshots, newest first.',
      ),
    ),
    componentPaths: Opt(
      StringList(
        'Paths of the components inside the repository, e.g. repository/v1/frequent-backup/manifest.',
      ),
    ),
    conditions: Opt(Conditions('RepositoryInitialized.')),
  },
  'What Cairn observed about the repository.',
);
export type RepositoryStatus = Static<typeof RepositoryStatus>;

export const Repository = Obj(
  {
    apiVersion: ApiVersionField(STORAGE_GROUP),
    kind: KindField('Repository'),
    metadata: MetadataField(),
    spec: RepositorySpec,
    status: Opt(RepositoryStatus),
  },
  'A Repository is one restic repository in a BackupStorage. Cairn creates it from the repositories of a BackupConfiguration session (or from a backend it syncs).',
);
export type Repository = Static<typeof Repository>;

export const RepositoryKind: KindDefinition = {
  group: STORAGE_GROUP,
  kind: 'Repository',
  plural: 'repositories',
  singular: 'repository',
  scope: 'Namespaced',
  shortNames: ['repo'],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: true,
  printerColumns: [
    {
      name: 'Integrity',
      type: 'boolean',
      jsonPath: '.status.integrity',
      description: 'Result of the last integrity check.',
    },
    {
      name: 'Snapshot-Count',
      type: 'integer',
      jsonPath: '.status.snapshotCount',
      description: 'Number of Snapshots.',
    },
    { name: 'Size', type: 'string', jsonPath: '.status.size', description: 'Size of the repository.' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Ready or NotReady.' },
    {
      name: 'Last-Successful-Backup',
      type: 'date',
      format: 'date-time',
      jsonPath: '.status.lastBackupTime',
      description: 'Time since the last successful backup.',
    },
    AGE_COLUMN,
  ],
  schema: Repository,
};
