// Addon: the backup and restore tasks a kind of target supports, each run by a Function.
import type { Static } from '@sinclair/typebox';
import { Bool, Enum, List, Obj, Opt, Str } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { PersistentVolumeClaimTemplate, VolumeMounts, volumeSourceProperties } from './k8s/volume.ts';
import { ADDONS_GROUP, ApiVersionField, CATEGORIES_WITH_ALL, KindField, MetadataField } from './meta.ts';
import { ParameterDefinition } from './parameter.ts';
import { Drivers } from './snapshot.ts';

export function Task(kind: 'backup' | 'restore') {
  return Obj(
    {
      name: Str(
        `Name of the task, as named by ${kind === 'backup' ? 'BackupConfiguration sessions' : 'RestoreSessions'}, e.g. manifest-${kind}.`,
        {
          minLength: 1,
        },
      ),
      function: Str('The Function whose container does the work.', { minLength: 1 }),
      driver: Opt(Enum(Drivers, 'The tool the task uses to move the data.')),
      executor: Opt(
        Enum(
          ['Job', 'Sidecar', 'EphemeralContainer', 'MultiLevelJob'],
          'How the task runs; Cairn runs Job tasks.',
        ),
      ),
      singleton: Opt(Bool('Run the task once per session, not once per target.')),
      parameters: Opt(List(ParameterDefinition(), 'The parameters the task accepts in params.')),
      volumeTemplate: Opt(
        List(
          Obj(
            {
              name: Str('Name of the volume, referred to by volumeMounts and by addonVolumes of a session.'),
              usage: Opt(Str('What the volume is for, for users.')),
              source: Opt(
                Obj(
                  {
                    ...volumeSourceProperties(),
                    volumeClaimTemplate: Opt(
                      PersistentVolumeClaimTemplate('A PersistentVolumeClaim created for the task.'),
                    ),
                  },
                  'Where the volume comes from: a core/v1 volume source or a claim template. Unmodelled sources are kept as written.',
                  { preserveUnknownFields: true },
                ),
              ),
            },
            'A volume the task needs.',
          ),
          'Volumes the task needs, such as a scratch directory.',
        ),
      ),
      volumeMounts: Opt(VolumeMounts('Where the volumes are mounted in the task container.')),
    },
    `A ${kind} task.`,
  );
}
export type Task = Static<ReturnType<typeof Task>>;

export const AddonSpec = Obj(
  {
    backupTasks: Opt(List(Task('backup'), 'Tasks that back up.')),
    restoreTasks: Opt(List(Task('restore'), 'Tasks that restore.')),
  },
  'The tasks of the Addon.',
);
export type AddonSpec = Static<typeof AddonSpec>;

export const Addon = Obj(
  {
    apiVersion: ApiVersionField(ADDONS_GROUP),
    kind: KindField('Addon'),
    metadata: MetadataField(),
    spec: AddonSpec,
  },
  'An Addon lists the backup and restore tasks for one kind of target (kubedump-addon: Kubernetes manifests), each run by a Function.',
);
export type Addon = Static<typeof Addon>;

export const AddonKind: KindDefinition = {
  group: ADDONS_GROUP,
  kind: 'Addon',
  plural: 'addons',
  singular: 'addon',
  scope: 'Cluster',
  shortNames: [],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: false,
  printerColumns: [AGE_COLUMN],
  schema: Addon,
};
