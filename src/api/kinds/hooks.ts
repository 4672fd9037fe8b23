// Hooks run before and after a backup or restore, and the status they report.
import type { Static } from '@sinclair/typebox';
import { Duration, Enum, FreeForm, Int32, List, Obj, Opt, Str } from '../schema/builders.ts';
import { EnvVars } from './k8s/container.ts';
import { VolumeMounts, Volumes } from './k8s/volume.ts';
import { ObjectReference } from './references.ts';
import { RuntimeSettings } from './runtime-settings.ts';

export function HookInfo() {
  return Obj(
    {
      name: Str('Name of the hook, shown in the session status.', { minLength: 1 }),
      hookTemplate: ObjectReference('The HookTemplate that says what the hook does.'),
      params: Opt(FreeForm('Values for the parameters of the HookTemplate, by name. Kept as written')),
      maxRetry: Opt(Int32('How many times a failed hook is retried; 0 when absent.', { minimum: 0 })),
      timeout: Opt(Duration('How long the hook may run before it counts as failed')),
      executionPolicy: Opt(
        Enum(
          ['Always', 'OnSuccess', 'OnFailure'],
          'For post hooks: run always, only after a successful session, or only after a failed one.',
          { default: 'Always' },
        ),
      ),
      variables: Opt(EnvVars('Variables available to the hook.')),
      volumes: Opt(Volumes('Extra volumes of the hook pod.')),
      volumeMounts: Opt(VolumeMounts('Extra mounts of the hook container.')),
      runtimeSettings: Opt(RuntimeSettings('Pod and container settings of the hook Job.')),
    },
    'A hook: a HookTemplate run with parameters.',
  );
}
export type HookInfo = Static<ReturnType<typeof HookInfo>>;

export function BackupHooks(description: string) {
  return Obj(
    {
      preBackup: Opt(List(HookInfo(), 'Hooks run before the backup starts.')),
      postBackup: Opt(List(HookInfo(), 'Hooks run after the backup finishes.')),
    },
    description,
  );
}

export function RestoreHooks(description: string) {
  return Obj(
    {
      preRestore: Opt(List(HookInfo(), 'Hooks run before the restore starts.')),
      postRestore: Opt(List(HookInfo(), 'Hooks run after the restore finishes.')),
    },
    description,
  );
}

export const HookPhase = ['Succeeded', 'Failed', 'Pending'] as const;

function HookStatusList(description: string) {
  return List(
    Obj(
      {
        name: Opt(Str('Name of the hook.')),
        phase: Opt(Enum(HookPhase, 'Outcome of the hook.')),
      },
      'The outcome of one hook.',
    ),
    description,
  );
}

export function HookStatus(description: string) {
  return Obj(
    {
      preHooks: Opt(HookStatusList('Outcome of the pre hooks.')),
      postHooks: Opt(HookStatusList('Outcome of the post hooks.')),
    },
    description,
  );
}
