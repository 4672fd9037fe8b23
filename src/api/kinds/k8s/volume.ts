// Volumes and mounts of the Jobs Cairn creates. The volume sources Cairn's users reach for (hostPath,
// emptyDir, configMap, secret, persistentVolumeClaim, nfs, csi) are modelled and validated; every other
// source of core/v1 VolumeSource is kept as written and checked by the API server when the pod is created
// (docs/api.md, "Embedded Kubernetes types").
import type { Static } from '@sinclair/typebox';
import {
  Bool,
  FreeForm,
  Int32,
  List,
  MAX_OBJECT_NAME,
  Name,
  Obj,
  Opt,
  Quantity,
  Str,
  StringMap,
} from '../../schema/builders.ts';
import { LocalObjectReference } from '../references.ts';

function KeyToPaths(source: string) {
  return List(
    Obj(
      {
        key: Str(`The ${source} key.`),
        path: Str('Relative path of the file to write the value to.'),
        mode: Opt(Int32('File mode bits (octal 0400 to 0777 written in decimal).')),
      },
      `One ${source} key projected into a file.`,
    ),
    `Which keys become files, and where; without it every key becomes a file named after the key.`,
  );
}

/** The modelled volume sources, shared by every place a volume source appears. */
export function volumeSourceProperties() {
  return {
    hostPath: Opt(
      Obj(
        {
          path: Str('Path of the directory or file on the node.'),
          type: Opt(
            Str(
              'What must exist at path: empty (no check), DirectoryOrCreate, Directory, FileOrCreate, File, Socket, CharDevice or BlockDevice.',
            ),
          ),
        },
        'A directory or file of the node (with the dev cluster, of the machine).',
      ),
    ),
    emptyDir: Opt(
      Obj(
        {
          medium: Opt(Str('Storage medium: empty for the node default, or Memory for tmpfs.')),
          sizeLimit: Opt(Quantity('Largest size the directory may grow to.')),
        },
        'A scratch directory that lives as long as the pod.',
      ),
    ),
    configMap: Opt(
      Obj(
        {
          name: Opt(Str('Name of the ConfigMap.', { maxLength: MAX_OBJECT_NAME })),
          items: Opt(KeyToPaths('ConfigMap')),
          defaultMode: Opt(
            Int32('File mode bits of the files (octal written in decimal, e.g. 420 for 0644).'),
          ),
          optional: Opt(Bool('Whether the pod may start when the ConfigMap or a key is missing.')),
        },
        'The keys of a ConfigMap as files.',
        { mapType: 'atomic' },
      ),
    ),
    secret: Opt(
      Obj(
        {
          secretName: Opt(Str('Name of the Secret.', { maxLength: MAX_OBJECT_NAME })),
          items: Opt(KeyToPaths('Secret')),
          defaultMode: Opt(
            Int32('File mode bits of the files (octal written in decimal, e.g. 420 for 0644).'),
          ),
          optional: Opt(Bool('Whether the pod may start when the Secret or a key is missing.')),
        },
        'The keys of a Secret as files.',
      ),
    ),
    persistentVolumeClaim: Opt(
      Obj(
        {
          claimName: Str('Name of the PersistentVolumeClaim in the namespace of the pod.'),
          readOnly: Opt(Bool('Mount the volume read-only.')),
        },
        'A PersistentVolumeClaim in the namespace of the pod.',
      ),
    ),
    nfs: Opt(
      Obj(
        {
          server: Str('Host name or IP address of the NFS server.'),
          path: Str('Exported path on the server.'),
          readOnly: Opt(Bool('Mount the export read-only.')),
        },
        'An NFS export.',
      ),
    ),
    csi: Opt(
      Obj(
        {
          driver: Str('Name of the CSI driver.'),
          readOnly: Opt(Bool('Mount the volume read-only.')),
          fsType: Opt(Str('Filesystem type, for example ext4.')),
          volumeAttributes: Opt(StringMap('Driver-specific attributes.')),
          nodePublishSecretRef: Opt(LocalObjectReference('Secret passed to the driver when mounting.')),
        },
        'An inline volume of a CSI driver.',
      ),
    ),
    projected: Opt(
      FreeForm(
        'Several sources (secrets, configMaps, downwardAPI, serviceAccountToken) in one directory, as in core/v1.',
      ),
    ),
    downwardAPI: Opt(FreeForm('Pod fields as files, as in core/v1.')),
    ephemeral: Opt(FreeForm('A generic ephemeral volume (a PersistentVolumeClaim template), as in core/v1.')),
  };
}

/** A core/v1 VolumeSource: exactly one source. Unmodelled sources are kept as written. */
export function VolumeSource(description: string) {
  return Obj(volumeSourceProperties(), description, { preserveUnknownFields: true });
}
export type VolumeSource = Static<ReturnType<typeof VolumeSource>>;

/** A named volume of a pod. */
export function Volume() {
  return Obj(
    {
      name: Name('Name of the volume, referred to by volumeMounts.', { maxLength: 63, required: true }),
      ...volumeSourceProperties(),
    },
    'A volume of the pod: a name and exactly one source. Sources other than the modelled ones (e.g. awsElasticBlockStore, iscsi) are accepted as written.',
    { preserveUnknownFields: true },
  );
}
export type Volume = Static<ReturnType<typeof Volume>>;

export function Volumes(description: string) {
  return List(Volume(), description);
}

export function VolumeMount() {
  return Obj(
    {
      name: Str('Name of the volume to mount.'),
      mountPath: Str('Path inside the container at which the volume is mounted.'),
      subPath: Opt(Str('Path inside the volume to mount instead of its root.')),
      subPathExpr: Opt(Str('Like subPath, with $(VAR) references to environment variables expanded.')),
      readOnly: Opt(Bool('Mount read-only.')),
      recursiveReadOnly: Opt(
        Str('Whether a read-only mount is read-only recursively: Disabled, IfPossible or Enabled.'),
      ),
      mountPropagation: Opt(
        Str('How mounts propagate between host and container: None, HostToContainer or Bidirectional.'),
      ),
    },
    'Where a volume appears in a container.',
  );
}
export type VolumeMount = Static<ReturnType<typeof VolumeMount>>;

export function VolumeMounts(description: string) {
  return List(VolumeMount(), description);
}

export function VolumeDevices(description: string) {
  return List(
    Obj(
      {
        name: Str('Name of a PersistentVolumeClaim volume of the pod.'),
        devicePath: Str('Path inside the container of the block device.'),
      },
      'A raw block volume exposed to the container as a device.',
    ),
    description,
  );
}

/** A PersistentVolumeClaim to create from a template: metadata and spec as in core/v1, kept as written. */
export function PersistentVolumeClaimTemplate(description: string) {
  return Obj(
    {
      metadata: Opt(
        Obj(
          {
            labels: Opt(StringMap('Labels of the claim.')),
            annotations: Opt(StringMap('Annotations of the claim.')),
            name: Opt(Str('Name of the claim.')),
          },
          'Metadata of the claim to create.',
          { preserveUnknownFields: true },
        ),
      ),
      spec: FreeForm(
        'The PersistentVolumeClaim spec (accessModes, resources, storageClassName...), as in core/v1.',
      ),
    },
    description,
  );
}

/** A whole PersistentVolumeClaim to create (a target volume of a restore); spec and status as in core/v1. */
export function PersistentVolumeClaim(description: string) {
  return Obj(
    {
      apiVersion: Opt(Str('API version of the claim: v1.')),
      kind: Opt(Str('Kind of the claim: PersistentVolumeClaim.')),
      metadata: Opt(
        Obj(
          {
            labels: Opt(StringMap('Labels of the claim.')),
            annotations: Opt(StringMap('Annotations of the claim.')),
            name: Opt(Str('Name of the claim; may use ${variables} such as ${POD_ORDINAL}.')),
            namespace: Opt(Str('Namespace of the claim.')),
          },
          'Metadata of the claim to create.',
          { preserveUnknownFields: true },
        ),
      ),
      spec: Opt(
        FreeForm(
          'The PersistentVolumeClaim spec (accessModes, resources, storageClassName...), as in core/v1.',
        ),
      ),
      status: Opt(
        FreeForm('Ignored when the claim is created; accepted for manifests copied from a cluster.'),
      ),
    },
    description,
  );
}
