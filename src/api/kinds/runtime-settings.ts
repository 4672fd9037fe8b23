// Settings applied to the pods and containers of the Jobs Cairn creates (kmodules offshoot-api).
import type { Static } from '@sinclair/typebox';
import { Bool, Int32, Obj, Opt, Str, StringMap } from '../schema/builders.ts';
import {
  EnvFromSources,
  EnvVars,
  Lifecycle,
  Probe,
  ResourceRequirements,
  SecurityContext,
} from './k8s/container.ts';
import {
  Affinity,
  ImagePullSecrets,
  PodSecurityContext,
  ReadinessGates,
  Tolerations,
  TopologySpreadConstraints,
} from './k8s/pod.ts';

export function PodRuntimeSettings(description: string) {
  return Obj(
    {
      podLabels: Opt(StringMap('Labels added to the pod.')),
      podAnnotations: Opt(StringMap('Annotations added to the pod.')),
      nodeSelector: Opt(StringMap('Node labels the pod must be scheduled on.')),
      nodeName: Opt(Str('Run the pod on this node, bypassing the scheduler.')),
      serviceAccountName: Opt(Str('ServiceAccount the pod runs as.')),
      serviceAccountAnnotations: Opt(StringMap('Annotations of the ServiceAccount created for the pod.')),
      automountServiceAccountToken: Opt(Bool('Whether the ServiceAccount token is mounted into the pod.')),
      enableServiceLinks: Opt(Bool('Whether Service environment variables are injected.')),
      imagePullSecrets: Opt(ImagePullSecrets('Secrets used to pull the images.')),
      securityContext: Opt(PodSecurityContext('Security settings of the pod.')),
      affinity: Opt(Affinity('Scheduling affinity of the pod.')),
      tolerations: Opt(Tolerations('Taints the pod tolerates.')),
      topologySpreadConstraints: Opt(
        TopologySpreadConstraints('How the pods spread across topology domains.'),
      ),
      priorityClassName: Opt(Str('PriorityClass of the pod.')),
      priority: Opt(Int32('Priority value of the pod (normally set from priorityClassName).')),
      readinessGates: Opt(ReadinessGates('Extra conditions the pod needs to be ready.')),
      runtimeClassName: Opt(Str('RuntimeClass the pod runs with.')),
      schedulerName: Opt(Str('Scheduler that places the pod.')),
    },
    description,
  );
}
export type PodRuntimeSettings = Static<ReturnType<typeof PodRuntimeSettings>>;

export function ContainerRuntimeSettings(description: string) {
  return Obj(
    {
      resources: Opt(ResourceRequirements('CPU and memory requests and limits of the container.')),
      env: Opt(EnvVars('Environment variables added to the container.')),
      envFrom: Opt(EnvFromSources('ConfigMaps and Secrets whose keys become environment variables.')),
      securityContext: Opt(SecurityContext('Security settings of the container.')),
      nice: Opt(
        Obj(
          { adjustment: Opt(Int32('Niceness added to the process (-20 to 19; higher is kinder).')) },
          'CPU scheduling priority of the process.',
        ),
      ),
      ionice: Opt(
        Obj(
          {
            class: Opt(Int32('I/O scheduling class: 1 realtime, 2 best-effort, 3 idle.')),
            classData: Opt(Int32('Priority within the class, 0 (highest) to 7.')),
          },
          'I/O scheduling priority of the process.',
        ),
      ),
      livenessProbe: Opt(Probe('Restarts the container when it fails.')),
      readinessProbe: Opt(Probe('Marks the container ready when it succeeds.')),
      lifecycle: Opt(Lifecycle('Actions run after the container starts and before it stops.')),
    },
    description,
  );
}
export type ContainerRuntimeSettings = Static<ReturnType<typeof ContainerRuntimeSettings>>;

export function RuntimeSettings(description: string) {
  return Obj(
    {
      pod: Opt(PodRuntimeSettings('Settings of the pod.')),
      container: Opt(ContainerRuntimeSettings('Settings of the container that does the work.')),
    },
    description,
  );
}
export type RuntimeSettings = Static<ReturnType<typeof RuntimeSettings>>;
