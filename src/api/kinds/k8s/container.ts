// Container-level core/v1 types used in Job templates and runtime settings. Environment, resources and
// the security context are modelled (the KubeDump guides set them); probes and lifecycle handlers, which
// Cairn's task containers never need, are kept as written (docs/api.md, "Embedded Kubernetes types").
import type { Static } from '@sinclair/typebox';
import {
  Bool,
  FreeForm,
  Int32,
  Int64,
  List,
  MapOf,
  Obj,
  Opt,
  Quantity,
  Str,
  StringList,
} from '../../schema/builders.ts';

function KeySelector(what: string) {
  return Obj(
    {
      name: Opt(Str(`Name of the ${what}.`)),
      key: Str(`The key of the ${what} to read.`),
      optional: Opt(Bool(`Whether the container may start when the ${what} or key is missing.`)),
    },
    `A key of a ${what} in the pod's namespace.`,
    { mapType: 'atomic' },
  );
}

export function EnvVar() {
  return Obj(
    {
      name: Str('Name of the environment variable.'),
      value: Opt(Str('The value; $(VAR) references to earlier variables are expanded.')),
      valueFrom: Opt(
        Obj(
          {
            secretKeyRef: Opt(KeySelector('Secret')),
            configMapKeyRef: Opt(KeySelector('ConfigMap')),
            fieldRef: Opt(
              Obj(
                {
                  apiVersion: Opt(Str('API version of fieldPath; v1 by default.')),
                  fieldPath: Str('Path of a pod field, for example metadata.namespace.'),
                },
                'A field of the pod.',
                { mapType: 'atomic' },
              ),
            ),
            resourceFieldRef: Opt(
              Obj(
                {
                  containerName: Opt(Str('The container whose resource is read.')),
                  resource: Str('The resource, for example limits.memory.'),
                  divisor: Opt(Quantity('Unit the value is expressed in.')),
                },
                'A resource request or limit of a container.',
                { mapType: 'atomic' },
              ),
            ),
          },
          'Where the value comes from, instead of value. Sources not modelled here are kept as written.',
          { preserveUnknownFields: true },
        ),
      ),
    },
    'An environment variable of a container.',
  );
}
export type EnvVar = Static<ReturnType<typeof EnvVar>>;

export function EnvVars(description: string) {
  return List(EnvVar(), description);
}

export function EnvFromSources(description: string) {
  const ref = (what: string) =>
    Obj(
      {
        name: Opt(Str(`Name of the ${what}.`)),
        optional: Opt(Bool(`Whether the container may start when the ${what} is missing.`)),
      },
      `Every key of a ${what} as a variable.`,
    );
  return List(
    Obj(
      {
        prefix: Opt(Str('Prefix added to every variable name.')),
        configMapRef: Opt(ref('ConfigMap')),
        secretRef: Opt(ref('Secret')),
      },
      'A source of environment variables.',
    ),
    description,
  );
}

export function ResourceRequirements(description: string) {
  return Obj(
    {
      requests: Opt(
        MapOf(
          Quantity('Amount of the resource.'),
          'Resources the container is guaranteed, e.g. cpu: 200m, memory: 1Gi.',
        ),
      ),
      limits: Opt(MapOf(Quantity('Amount of the resource.'), 'Most of each resource the container may use.')),
      claims: Opt(
        List(
          Obj(
            {
              name: Str('Name of a resource claim of the pod.'),
              request: Opt(Str('The request of the claim to use.')),
            },
            'A dynamic resource claim used by the container.',
          ),
          'Dynamic resource claims the container uses.',
        ),
      ),
    },
    description,
  );
}
export type ResourceRequirements = Static<ReturnType<typeof ResourceRequirements>>;

/** The seccomp profile of a pod or a container. */
export function SeccompProfile() {
  return Obj(
    {
      type: Str('RuntimeDefault, Unconfined or Localhost.'),
      localhostProfile: Opt(Str('Profile file on the node, for type Localhost.')),
    },
    'The seccomp profile.',
  );
}

/** The security context of a container; fields not modelled are kept as written. */
export function SecurityContext(description: string) {
  return Obj(
    {
      runAsUser: Opt(Int64('UID the container process runs as.')),
      runAsGroup: Opt(Int64('GID the container process runs as.')),
      runAsNonRoot: Opt(Bool('Refuse to start the container as root.')),
      privileged: Opt(Bool('Run the container privileged.')),
      allowPrivilegeEscalation: Opt(Bool('Whether a process may gain more privileges than its parent.')),
      readOnlyRootFilesystem: Opt(Bool('Mount the root filesystem read-only.')),
      procMount: Opt(Str('Default or Unmasked.')),
      capabilities: Opt(
        Obj(
          {
            add: Opt(StringList('Capabilities to add, e.g. DAC_READ_SEARCH.')),
            drop: Opt(StringList('Capabilities to drop, e.g. ALL.')),
          },
          'Linux capabilities to add or drop.',
        ),
      ),
      seccompProfile: Opt(SeccompProfile()),
      seLinuxOptions: Opt(FreeForm('SELinux labels, as in core/v1.')),
      appArmorProfile: Opt(FreeForm('AppArmor profile, as in core/v1.')),
      windowsOptions: Opt(FreeForm('Windows-specific settings, as in core/v1.')),
    },
    description,
    { preserveUnknownFields: true },
  );
}
export type SecurityContext = Static<ReturnType<typeof SecurityContext>>;

export function Probe(description: string) {
  return FreeForm(`${description} A core/v1 Probe, kept as written`);
}

export function Lifecycle(description: string) {
  return FreeForm(`${description} A core/v1 Lifecycle (postStart, preStop), kept as written`);
}

export function ContainerPorts(description: string) {
  return List(
    Obj(
      {
        name: Opt(Str('Name of the port (an IANA service name).')),
        containerPort: Int32('Port number the container listens on.', { minimum: 1, maximum: 65535 }),
        protocol: Opt(Str('TCP, UDP or SCTP.', { default: 'TCP' })),
        hostPort: Opt(Int32('Port to expose on the node.')),
        hostIP: Opt(Str('Host IP to bind the host port to.')),
      },
      'A network port of the container.',
    ),
    description,
  );
}
