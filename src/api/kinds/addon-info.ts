// Which Addon tasks a session runs and how their Jobs look (BackupConfiguration sessions, RestoreSession,
// BackupVerifier restore options).
import type { Static } from '@sinclair/typebox';
import { FreeForm, List, MAX_LABEL_NAME, Name, Obj, Opt } from '../schema/builders.ts';
import { EnvVars } from './k8s/container.ts';
import { PersistentVolumeClaim, VolumeMounts, VolumeSource, Volumes } from './k8s/volume.ts';
import { PodTemplateSpec } from './pod-template.ts';
import { ContainerRuntimeSettings } from './runtime-settings.ts';

/** Most tasks one session may run; bounds the cost of the rules that read the list. */
export const MAX_TASKS = 16;

export function TaskReference() {
  return Obj(
    {
      name: Name('Name of a backupTasks (or restoreTasks) entry of the Addon, e.g. manifest-backup.', {
        maxLength: MAX_LABEL_NAME,
        required: true,
      }),
      params: Opt(
        FreeForm(
          'Values for the parameters of the task, by parameter name, e.g. IncludeClusterResources: "true". Values are strings; list parameters are comma-separated. Unknown names are kept as written',
        ),
      ),
      variables: Opt(EnvVars('Variables available to the task, for use in ${VAR} references.')),
      targetVolumes: Opt(
        Obj(
          {
            volumes: Opt(Volumes('Volumes of the target the task works on.')),
            volumeMounts: Opt(VolumeMounts('Where those volumes are mounted in the task container.')),
            volumeClaimTemplates: Opt(
              List(
                PersistentVolumeClaim('A claim to create for the target.'),
                'Claims to create for the target before a restore.',
              ),
            ),
          },
          'Volumes of the target that the task reads or writes.',
        ),
      ),
      addonVolumes: Opt(
        List(
          Obj(
            {
              name: Name('Name of a volumeTemplate entry of the Addon task.', {
                maxLength: MAX_LABEL_NAME,
                required: true,
              }),
              source: Opt(VolumeSource('The volume to use for it instead of the Addon default.')),
            },
            'A replacement for one of the Addon task volumes.',
          ),
          'Replacements for the volumes the Addon task declares.',
        ),
      ),
    },
    'A task of the Addon to run, with its parameters.',
  );
}
export type TaskReference = Static<ReturnType<typeof TaskReference>>;

/**
 * `addon` of a session. `where` is the field path used in messages, e.g. `spec.sessions[].addon`;
 * `exampleTask` the task name the messages suggest.
 */
export function AddonInfo(description: string, where: string, exampleTask = 'manifest-backup') {
  return Obj(
    {
      name: Name('Name of the Addon, e.g. kubedump-addon.', { required: true }),
      tasks: List(TaskReference(), 'The Addon tasks to run, in order.', {
        maxItems: MAX_TASKS,
        rules: [
          {
            rule: 'self.size() > 0',
            message: `${where}.tasks must name at least one task: add an entry such as {name: ${exampleTask}}`,
          },
        ],
      }),
      containerRuntimeSettings: Opt(ContainerRuntimeSettings('Settings of the task container.')),
      jobTemplate: Opt(
        PodTemplateSpec(
          'Settings of the pod of the task Job, e.g. spec.serviceAccountName, spec.securityContext, spec.resources.',
        ),
      ),
    },
    description,
    {
      requiredByRule: [
        {
          field: 'tasks',
          message: `${where}.tasks is required: list the Addon tasks to run, e.g. [{name: ${exampleTask}}]`,
        },
      ],
    },
  );
}
export type AddonInfo = Static<ReturnType<typeof AddonInfo>>;
