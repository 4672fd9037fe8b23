// Function: the container image and arguments that run a task.
import type { Static } from '@sinclair/typebox';
import { Obj, Opt, Str, StringList } from '../schema/builders.ts';
import { AGE_COLUMN } from '../schema/crd.ts';
import type { KindDefinition } from '../schema/crd.ts';
import { ContainerPorts } from './k8s/container.ts';
import { VolumeDevices, VolumeMounts } from './k8s/volume.ts';
import { ADDONS_GROUP, ApiVersionField, CATEGORIES_WITH_ALL, KindField, MetadataField } from './meta.ts';
import { ContainerRuntimeSettings } from './runtime-settings.ts';

export const FunctionSpec = Obj(
  {
    image: Str('The container image, e.g. ghcr.io/kubestash/kubedump:v0.28.0.', { minLength: 1 }),
    command: Opt(StringList('Entrypoint of the container; the image default when absent.')),
    args: Opt(
      StringList(
        'Arguments of the container. ${name} and ${name:=default} are replaced by task parameters and built-in variables (namespace, backupSession, restoreSession, snapshot...).',
      ),
    ),
    workingDir: Opt(Str('Working directory of the container.')),
    ports: Opt(ContainerPorts('Ports the container listens on.')),
    volumeMounts: Opt(VolumeMounts('Mounts of the container.')),
    volumeDevices: Opt(VolumeDevices('Raw block devices of the container.')),
    runtimeSettings: Opt(ContainerRuntimeSettings('Settings of the container.')),
    availableVersions: Opt(StringList('Versions of the image that can be used.')),
  },
  'The container that runs a task.',
);
export type FunctionSpec = Static<typeof FunctionSpec>;

export const FunctionObject = Obj(
  {
    apiVersion: ApiVersionField(ADDONS_GROUP),
    kind: KindField('Function'),
    metadata: MetadataField(),
    spec: FunctionSpec,
  },
  'A Function is a container image with arguments that runs one task of an Addon (kubedump-backup, kubedump-restore).',
);
/** A Function object (named so, since `Function` is a JavaScript global). */
export type FunctionObject = Static<typeof FunctionObject>;

export const FunctionKind: KindDefinition = {
  group: ADDONS_GROUP,
  kind: 'Function',
  plural: 'functions',
  singular: 'function',
  scope: 'Cluster',
  shortNames: ['fn'],
  categories: CATEGORIES_WITH_ALL,
  statusSubresource: false,
  printerColumns: [AGE_COLUMN],
  schema: FunctionObject,
};
