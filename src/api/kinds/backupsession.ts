// BackupSession: one run of a backup session. Created by the trigger CronJob (or by hand, with kubectl create).
import type { Static } from '@sinclair/typebox';
import { Bool, DateTime, Duration, Enum, Int32, List, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { BackupSessionPhase, RetentionPolicyApplyPhase } from '../backupsession-phase.ts';
import { SnapshotPhase } from '../snapshot-phase.ts';
import { Conditions } from './condition.ts';
import { HookStatus } from './hooks.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, CORE_GROUP, KindField, MetadataField } from './meta.ts';
import { ObjectReference, TypedLocalObjectReference, TypedObjectReference } from './references.ts';

export const BackupSessionSpec = Obj(
  {
    invoker: TypedLocalObjectReference(
      'The BackupConfiguration this run belongs to (apiGroup core.kubestash.com).',
    ),
    session: Str('Name of the session of the BackupConfiguration that runs.', { minLength: 1 }),
    retryLeft: Opt(Int32('How many retries remain if this run fails.', { minimum: 0 })),
    backupTimeout: Opt(Duration('How long the run may take before it is marked failed')),
  },
  'Which session runs. Cannot be changed after creation.',
  {
    rules: [
      {
        rule: 'self == oldSelf',
        message:
          'spec of a BackupSession cannot be changed after creation: to run the session again, create a new BackupSession with another name (kubectl create -f)',
      },
    ],
  },
);
export type BackupSessionSpec = Static<typeof BackupSessionSpec>;

export const BackupSessionStatus = Obj(
  {
    phase: Opt(
      Enum(Object.values(BackupSessionPhase), 'Phase of the run, derived from its snapshots and conditions.'),
    ),
    duration: Opt(Str('How long the run took, e.g. 32s.')),
    backupDeadline: Opt(DateTime('When the run times out.')),
    totalSnapshots: Opt(Int32('Number of Snapshots the run takes.')),
    snapshots: Opt(
      List(
        Obj(
          {
            name: Opt(Str('Name of the Snapshot.')),
            phase: Opt(Enum(Object.values(SnapshotPhase), 'Phase of the Snapshot.')),
            appRef: Opt(TypedObjectReference('The object that was backed up.')),
            repository: Opt(Str('The Repository of the Snapshot.')),
          },
          'One Snapshot of the run.',
        ),
        'The Snapshots of the run, one per repository.',
      ),
    ),
    hooks: Opt(HookStatus('Outcome of the hooks.')),
    retentionPolicy: Opt(
      List(
        Obj(
          {
            ref: Opt(ObjectReference('The RetentionPolicy.')),
            repository: Opt(Str('The Repository it was applied to.')),
            phase: Opt(Enum(Object.values(RetentionPolicyApplyPhase), 'Whether it was applied.')),
            error: Opt(Str('Why applying it failed.')),
          },
          'The retention policy applied to one repository.',
        ),
        'The retention policies applied after the backup.',
      ),
    ),
    retried: Opt(Bool('Whether a retry of this run was created.')),
    nextRetry: Opt(DateTime('When the retry is due.')),
    conditions: Opt(Conditions('Steps of the run, ending with MetricsPushed.')),
  },
  'Progress and outcome of the run.',
);
export type BackupSessionStatus = Static<typeof BackupSessionStatus>;

export const BackupSession = Obj(
  {
    apiVersion: ApiVersionField(CORE_GROUP),
    kind: KindField('BackupSession'),
    metadata: MetadataField(),
    spec: BackupSessionSpec,
    status: Opt(BackupSessionStatus),
  },
  'A BackupSession is one run of a session of a BackupConfiguration: it takes one Snapshot per repository of the session.',
);
export type BackupSession = Static<typeof BackupSession>;

export const BackupSessionKind: KindDefinition = {
  group: CORE_GROUP,
  kind: 'BackupSession',
  plural: 'backupsessions',
  singular: 'backupsession',
  scope: 'Namespaced',
  shortNames: [],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: true,
  printerColumns: [
    {
      name: 'Invoker-Type',
      type: 'string',
      jsonPath: '.spec.invoker.kind',
      description: 'Kind of the object that started the run.',
    },
    {
      name: 'Invoker-Name',
      type: 'string',
      jsonPath: '.spec.invoker.name',
      description: 'Name of the object that started the run.',
    },
    {
      name: 'Phase',
      type: 'string',
      jsonPath: '.status.phase',
      description: 'Pending, Running, Succeeded, Failed or Skipped.',
    },
    { name: 'Duration', type: 'string', jsonPath: '.status.duration', description: 'How long the run took.' },
    AGE_COLUMN,
  ],
  schema: BackupSession,
};
