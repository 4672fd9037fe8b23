// RestoreSession: restore a Snapshot with an Addon's restore task.
import type { Static } from '@sinclair/typebox';
import {
  Bool,
  DateTime,
  Duration,
  Enum,
  Int32,
  Int64,
  List,
  MapOf,
  Obj,
  Opt,
  Str,
  StringList,
} from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { RestoreSessionPhase } from '../restoresession-phase.ts';
import { AddonInfo } from './addon-info.ts';
import { Conditions } from './condition.ts';
import { HookStatus, RestoreHooks } from './hooks.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, CORE_GROUP, KindField, MetadataField } from './meta.ts';
import { ObjectReference, TypedObjectReference } from './references.ts';

export const LATEST_SNAPSHOT = 'latest';

export const RestoreDataSource = Obj(
  {
    repository: Opt(
      Str('Name of the Repository to restore from. Required with snapshot: latest and with pitr.'),
    ),
    namespace: Opt(Str('Namespace of the Repository; the namespace of the RestoreSession when empty.')),
    snapshot: Opt(
      Str(
        'Name of the Snapshot to restore, or latest for the newest successful Snapshot of the repository. Required unless pitr is set',
      ),
    ),
    pitr: Opt(
      Obj(
        {
          targetTime: DateTime('The moment to restore to.'),
          exclusive: Opt(Bool('Restore up to just before targetTime instead of including it.')),
        },
        'Point-in-time recovery, for Addons that support it (databases).',
      ),
    ),
    components: Opt(StringList('Components of the Snapshot to restore; every component when absent.')),
    encryptionSecret: Opt(ObjectReference('The Secret whose RESTIC_PASSWORD key decrypts the repository.')),
  },
  'Where the data to restore comes from.',
  {
    rules: [
      {
        rule: 'has(self.pitr) || has(self.snapshot)',
        message:
          'spec.dataSource.snapshot is required unless spec.dataSource.pitr is set: name a Snapshot, or use snapshot: latest with spec.dataSource.repository',
        fieldPath: '.snapshot',
        reason: 'FieldValueRequired',
      },
      {
        rule: `!has(self.snapshot) || self.snapshot != '${LATEST_SNAPSHOT}' || has(self.repository)`,
        message:
          'spec.dataSource.repository is required when spec.dataSource.snapshot is latest: name the Repository whose latest Snapshot to restore',
        fieldPath: '.repository',
        reason: 'FieldValueRequired',
      },
      {
        rule: '!has(self.pitr) || has(self.repository)',
        message:
          'spec.dataSource.repository is required with spec.dataSource.pitr: name the Repository to restore from',
        fieldPath: '.repository',
        reason: 'FieldValueRequired',
      },
    ],
  },
);

export const RestoreSessionSpec = Obj(
  {
    target: Opt(
      TypedObjectReference(
        'The object to restore into; absent for a manifest restore, which recreates the objects themselves.',
      ),
    ),
    dataSource: RestoreDataSource,
    addon: AddonInfo(
      'The Addon and restore tasks that do the restore, e.g. kubedump-addon with task manifest-restore.',
      'spec.addon',
      'manifest-restore',
    ),
    hooks: Opt(RestoreHooks('Hooks run before and after the restore.')),
    restoreTimeout: Opt(Duration('How long the restore may take before it is marked failed')),
    manifestOptions: Opt(
      Obj(
        {
          workload: Opt(
            Obj(
              { restoreNamespace: Opt(Str('Namespace to restore the workload manifests into.')) },
              'Options of a workload manifest restore.',
            ),
          ),
        },
        'Options for restoring manifests of applications. Options of KubeDB databases (mySQL, postgres, mongoDB...) are kept as written.',
        { preserveUnknownFields: true },
      ),
    ),
  },
  'What to restore, from where, and how.',
  {
    requiredByRule: [
      {
        field: 'dataSource',
        message: 'spec.dataSource is required: name the repository and the snapshot (or latest) to restore',
      },
      {
        field: 'addon',
        message:
          'spec.addon is required: name the Addon and its restore tasks, e.g. {name: kubedump-addon, tasks: [{name: manifest-restore}]}',
      },
    ],
  },
);
export type RestoreSessionSpec = Static<typeof RestoreSessionSpec>;

function RestoreComponentStatus() {
  return Obj(
    {
      phase: Opt(Enum(Object.values(RestoreSessionPhase), 'Phase of the component restore.')),
      duration: Opt(Str('How long the component restore took.')),
      error: Opt(Str('Why it failed.')),
      progress: Opt(
        Obj(
          {
            secondsElapsed: Opt(Int64('Seconds since the restore started.')),
            percentDone: Opt(Str('Percentage done.')),
            totalFiles: Opt(Int64('Files to restore.')),
            filesDone: Opt(Int64('Files restored so far.')),
            restoreDone: Opt(Str('Data restored so far.')),
            total: Opt(Str('Data to restore.')),
            speed: Opt(Str('Current speed.')),
          },
          'Progress of a running restore.',
        ),
      ),
      objects: Opt(
        Obj(
          {
            created: Opt(Int64('Objects created.')),
            updated: Opt(Int64('Objects that existed and were updated (OverrideResources).')),
            unchanged: Opt(Int64('Objects that existed and already held the backed-up fields.')),
            skipped: Opt(Int64('Objects left untouched, each with a reason in the results file.')),
            failed: Opt(Int64('Objects that could not be restored; error names the first few.')),
          },
          'Manifest restores (Cairn): how many objects had each outcome. The restore Job writes every object with its outcome to its results file.',
        ),
      ),
    },
    'The restore of one component.',
  );
}

function ObjectFound(description: string) {
  return Obj(
    {
      apiGroup: Opt(Str('API group of the object.')),
      kind: Opt(Str('Kind of the object.')),
      namespace: Opt(Str('Namespace of the object.')),
      name: Str('Name of the object.'),
      found: Opt(Bool('Whether the object exists.')),
    },
    description,
  );
}

export const RestoreSessionStatus = Obj(
  {
    phase: Opt(
      Enum(
        Object.values(RestoreSessionPhase),
        'Phase of the restore, derived from its components and conditions.',
      ),
    ),
    targetFound: Opt(Bool('Whether the target exists.')),
    duration: Opt(Str('How long the restore took.')),
    restoreDeadline: Opt(DateTime('When the restore times out.')),
    totalComponents: Opt(Int32('Number of components to restore.')),
    components: Opt(MapOf(RestoreComponentStatus(), 'The components, by name.')),
    hooks: Opt(HookStatus('Outcome of the hooks.')),
    dependencies: Opt(
      List(
        ObjectFound('An object the restore needs.'),
        'Objects the restore needs (the Snapshot, the Addon).',
      ),
    ),
    pausedBackups: Opt(
      List(TypedObjectReference('A BackupConfiguration.'), 'Backups paused while the restore runs.'),
    ),
    conditions: Opt(Conditions('Steps of the restore, ending with MetricsPushed.')),
  },
  'Progress and outcome of the restore.',
);
export type RestoreSessionStatus = Static<typeof RestoreSessionStatus>;

export const RestoreSession = Obj(
  {
    apiVersion: ApiVersionField(CORE_GROUP),
    kind: KindField('RestoreSession'),
    metadata: MetadataField(),
    spec: RestoreSessionSpec,
    status: Opt(RestoreSessionStatus),
  },
  'A RestoreSession restores a Snapshot (or the latest Snapshot of a Repository) with the restore tasks of an Addon.',
);
export type RestoreSession = Static<typeof RestoreSession>;

export const RestoreSessionKind: KindDefinition = {
  group: CORE_GROUP,
  kind: 'RestoreSession',
  plural: 'restoresessions',
  singular: 'restoresession',
  scope: 'Namespaced',
  shortNames: ['restore'],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: true,
  printerColumns: [
    {
      name: 'Repository',
      type: 'string',
      jsonPath: '.spec.dataSource.repository',
      description: 'The Repository restored from.',
    },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Pending, Running, Succeeded, Failed, Invalid or Unknown.',
    },
    {
      name: 'Duration',
      type: 'string',
      jsonPath: '.status.duration',
      description: 'How long the restore took.',
    },
    AGE_COLUMN,
  ],
  schema: RestoreSession,
};
