// Snapshot: one backup of one repository, written by Cairn; users read it, they do not create it.
import type { Static } from '@sinclair/typebox';
import { Bool, DateTime, Enum, Int32, Int64, List, MapOf, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { SnapshotPhase, SnapshotVerificationStatus } from '../snapshot-phase.ts';
import { Conditions } from './condition.ts';
import { ApiVersionField, CATEGORIES, KindField, MetadataField, STORAGE_GROUP } from './meta.ts';
import { TypedObjectReference } from './references.ts';

/** The tools a component can be backed up with; Cairn itself only writes Restic. */
export const Drivers = [
  'Restic',
  'WalG',
  'VolumeSnapshotter',
  'Solr',
  'Medusa',
  'ClickHouseBackup',
  'Neo4jAdmin',
] as const;

export const SnapshotSpec = Obj(
  {
    snapshotID: Opt(Str('A unique, sortable ID of the Snapshot (a ULID).')),
    type: Opt(
      Enum(
        ['FullBackup', 'IncrementalBackup'],
        'Whether the Snapshot is complete by itself or builds on earlier ones.',
      ),
    ),
    repository: Opt(Str('Name of the Repository the Snapshot belongs to.')),
    session: Opt(Str('Name of the BackupConfiguration session that took it.')),
    backupSession: Opt(Str('Name of the BackupSession that took it.')),
    version: Opt(Str('Layout version of the data in the repository, e.g. v1.')),
    appRef: Opt(
      TypedObjectReference('The object that was backed up; absent for a cluster-wide manifest backup.'),
    ),
    deletionPolicy: Opt(
      Enum(
        ['Delete', 'WipeOut'],
        'What deleting the Snapshot does: Delete removes only the object; WipeOut also deletes its data from the repository.',
        { default: 'Delete' },
      ),
    ),
    paused: Opt(Bool('Stop Cairn from acting on the Snapshot.')),
  },
  'Which backup the Snapshot records. Written by Cairn.',
);
export type SnapshotSpec = Static<typeof SnapshotSpec>;

export function ResticStats() {
  return Obj(
    {
      summary: Opt(
        Obj(
          {
            id: Opt(Str('ID of the restic snapshot.')),
            uploaded: Opt(Str('Data added to the repository by this backup.')),
            hostPath: Opt(Str('Directory that was backed up.')),
            size: Opt(Str('Size of the backed-up data.')),
            startTime: Opt(DateTime('When restic started.')),
            endTime: Opt(DateTime('When restic finished.')),
          },
          'The restic snapshot this backup created.',
        ),
      ),
      progress: Opt(
        Obj(
          {
            secondsElapsed: Opt(Int64('Seconds since the backup started.')),
            percentDone: Opt(Str('Percentage done.')),
            totalFiles: Opt(Int64('Files to back up.')),
            filesDone: Opt(Int64('Files backed up so far.')),
            backupDone: Opt(Str('Data backed up so far.')),
            total: Opt(Str('Data to back up.')),
            speed: Opt(Str('Current speed.')),
          },
          'Progress of a running backup.',
        ),
      ),
    },
    'Statistics of one restic backup of the component.',
    // Snapshots written by KubeStash 2023 releases carried these fields flat, without summary.
    { preserveUnknownFields: true },
  );
}

export function SnapshotComponent() {
  return Obj(
    {
      path: Opt(
        Str('Directory of the component inside the repository, e.g. repository/v1/frequent-backup/manifest.'),
      ),
      phase: Opt(Enum(Object.values(SnapshotPhase), 'Phase of the component backup.')),
      driver: Opt(Enum(Drivers, 'The tool that backed up the component.')),
      size: Opt(Str('Size of the component in the repository, e.g. 1.596 MiB.')),
      duration: Opt(Str('How long the component backup took, e.g. 7.887161125s.')),
      integrity: Opt(Bool('Whether the data of the component was found intact.')),
      error: Opt(Str('Why the component backup failed.')),
      resticStats: Opt(List(ResticStats(), 'One entry per restic backup of the component.')),
    },
    'The backup of one component. Statistics of other drivers (walGStats, volumeSnapshotterStats, logStats...) are kept as written.',
    { preserveUnknownFields: true },
  );
}
export type SnapshotComponent = Static<ReturnType<typeof SnapshotComponent>>;

export const SnapshotStatus = Obj(
  {
    phase: Opt(
      Enum(
        Object.values(SnapshotPhase),
        'Phase of the Snapshot, derived from its components and conditions.',
      ),
    ),
    verificationStatus: Opt(
      Enum(Object.values(SnapshotVerificationStatus), 'Result of the backup verification, if one ran.'),
    ),
    verificationSession: Opt(Str('The BackupVerificationSession that verified the Snapshot.')),
    snapshotTime: Opt(DateTime('When the backup was taken.')),
    lastUpdateTime: Opt(DateTime('When the status last changed.')),
    size: Opt(Str('Sum of the component sizes, e.g. 1.596 MiB.')),
    integrity: Opt(Bool('Whether every component was found intact.')),
    totalComponents: Opt(Int32('Number of components the backup consists of.')),
    components: Opt(MapOf(SnapshotComponent(), 'The components, by name (manifest for a manifest backup).')),
    conditions: Opt(Conditions('SnapshotMetadataUploaded, RecentSnapshotListUpdated and BackupIncomplete.')),
  },
  'What the backup produced.',
);
export type SnapshotStatus = Static<typeof SnapshotStatus>;

export const Snapshot = Obj(
  {
    apiVersion: ApiVersionField(STORAGE_GROUP),
    kind: KindField('Snapshot'),
    metadata: MetadataField(),
    spec: SnapshotSpec,
    status: Opt(SnapshotStatus),
  },
  'A Snapshot records one backup in one Repository. Cairn creates and updates it; it is not meant to be created or edited by hand.',
);
export type Snapshot = Static<typeof Snapshot>;

export const SnapshotKind: KindDefinition = {
  group: STORAGE_GROUP,
  kind: 'Snapshot',
  plural: 'snapshots',
  singular: 'snapshot',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES,
  statusSubresource: true,
  printerColumns: [
    {
      name: 'Repository',
      type: 'string',
      jsonPath: '.spec.repository',
      description: 'The Repository of the Snapshot.',
    },
    { name: 'Session', type: 'string', jsonPath: '.spec.session', description: 'The session that took it.' },
    {
      name: 'Snapshot-Time',
      type: 'string',
      jsonPath: '.status.snapshotTime',
      description: 'When the backup was taken.',
    },
    {
      name: 'Deletion-Policy',
      type: 'string',
      jsonPath: '.spec.deletionPolicy',
      description: 'What deleting the Snapshot does to the data.',
    },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Pending, Running, Succeeded or Failed.',
    },
    AGE_COLUMN,
  ],
  schema: Snapshot,
};
