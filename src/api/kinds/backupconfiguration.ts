// BackupConfiguration: what to back up, on which schedules, into which repositories.
import type { Static } from '@sinclair/typebox';
import { Bool, Enum, List, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { BackupConfigurationPhase } from '../backupconfiguration-phase.ts';
import { RepositoryPhase } from '../repository-phase.ts';
import { Conditions } from './condition.ts';
import { ApiVersionField, CATEGORIES_WITH_ALL, CORE_GROUP, KindField, MetadataField } from './meta.ts';
import { ObjectReference, TypedObjectReference } from './references.ts';
import { Backends, Sessions, backendRefRule } from './session.ts';

export const BackupConfigurationSpec = Obj(
  {
    target: Opt(
      TypedObjectReference(
        'What to back up: a Namespace, a workload such as an apps/Deployment, or any other object. Absent for a cluster-wide manifest backup.',
      ),
    ),
    backends: Opt(Backends('spec.backends')),
    sessions: Sessions('spec.sessions'),
    paused: Opt(
      Bool('Stop scheduling backups (the trigger CronJobs are suspended) until set back to false.'),
    ),
  },
  'What to back up, where to, and when.',
  {
    requiredByRule: [
      {
        field: 'sessions',
        message:
          'spec.sessions is required: add at least one session with a name, scheduler, repositories and addon',
      },
    ],
    rules: [backendRefRule('spec.backends', 'spec.sessions')],
  },
);
export type BackupConfigurationSpec = Static<typeof BackupConfigurationSpec>;

function Dependency(description: string) {
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

export const BackupConfigurationStatus = Obj(
  {
    phase: Opt(
      Enum(
        Object.values(BackupConfigurationPhase),
        'Ready once the target, every backend and every session scheduler are ready.',
      ),
    ),
    targetFound: Opt(Bool('Whether the target exists (true for a cluster-wide backup).')),
    backends: Opt(
      List(
        Obj(
          {
            name: Opt(Str('Name of the backend.')),
            ready: Opt(Bool('Whether the storage is ready and the retention policy was found.')),
            storage: Opt(
              Obj(
                {
                  ref: Opt(ObjectReference('The BackupStorage.')),
                  phase: Opt(Str('Phase of the BackupStorage.')),
                  reason: Opt(Str('Why it is not ready.')),
                },
                'State of the BackupStorage.',
              ),
            ),
            retentionPolicy: Opt(
              Obj(
                {
                  ref: Opt(ObjectReference('The RetentionPolicy.')),
                  found: Opt(Bool('Whether it exists.')),
                  reason: Opt(Str('Why it was not found or may not be used.')),
                },
                'State of the RetentionPolicy.',
              ),
            ),
          },
          'State of one backend.',
        ),
        'State of the backends.',
      ),
    ),
    repositories: Opt(
      List(
        Obj(
          {
            name: Opt(Str('Name of the Repository.')),
            phase: Opt(Enum(Object.values(RepositoryPhase), 'Phase of the Repository.')),
            reason: Opt(Str('Why it is not ready.')),
            verificationConfigured: Opt(Bool('Whether a BackupVerifier verifies its Snapshots.')),
          },
          'State of one Repository.',
        ),
        'State of the Repositories of the sessions.',
      ),
    ),
    dependencies: Opt(
      List(Dependency('An object the backup needs.'), 'Objects the backup needs, e.g. the Addon.'),
    ),
    sessions: Opt(
      List(
        Obj(
          {
            name: Opt(Str('Name of the session.')),
            nextSchedule: Opt(Str('When the session runs next.')),
            conditions: Opt(Conditions('SchedulerEnsured and InitialBackupTriggered.')),
          },
          'State of one session.',
        ),
        'State of the sessions.',
      ),
    ),
    conditions: Opt(Conditions('ValidationPassed.')),
  },
  'What Cairn observed about the configuration.',
);
export type BackupConfigurationStatus = Static<typeof BackupConfigurationStatus>;

export const BackupConfiguration = Obj(
  {
    apiVersion: ApiVersionField(CORE_GROUP),
    kind: KindField('BackupConfiguration'),
    metadata: MetadataField(),
    spec: BackupConfigurationSpec,
    status: Opt(BackupConfigurationStatus),
  },
  'A BackupConfiguration backs up a target (or the whole cluster) on one or more schedules into repositories of BackupStorages. Cairn creates a Repository per session repository and a CronJob per session.',
);
export type BackupConfiguration = Static<typeof BackupConfiguration>;

export const BackupConfigurationKind: KindDefinition = {
  group: CORE_GROUP,
  kind: 'BackupConfiguration',
  plural: 'backupconfigurations',
  singular: 'backupconfiguration',
  scope: 'Namespaced',
  shortNames: ['bc'],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: true,
  printerColumns: [
    { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Ready, NotReady or Invalid.' },
    { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', description: 'Whether backups are paused.' },
    AGE_COLUMN,
  ],
  schema: BackupConfiguration,
};
