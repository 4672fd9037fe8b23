// The pod template of a Job (kmodules offshoot-api PodTemplateSpec): not a full core/v1 PodSpec, but the
// settings KubeStash lets users put on the pods of backup, restore and trigger Jobs.
import type { Static } from '@sinclair/typebox';
import { Bool, Int32, Int64, Obj, Opt, Str, StringList, StringMap } from '../schema/builders.ts';
import { LocalObjectReference } from './references.ts';
import { EnvVars, Lifecycle, Probe, ResourceRequirements, SecurityContext } from './k8s/container.ts';
import {
  Affinity,
  Containers,
  ImagePullSecrets,
  PodDNSConfig,
  PodSecurityContext,
  Tolerations,
  TopologySpreadConstraints,
} from './k8s/pod.ts';
import { VolumeMounts, Volumes } from './k8s/volume.ts';

function LabelsAndAnnotations(description: string) {
  return Obj(
    {
      labels: Opt(StringMap('Labels to add.')),
      annotations: Opt(StringMap('Annotations to add.')),
    },
    description,
  );
}

export function PodTemplateSpec(description: string) {
  return Obj(
    {
      controller: Opt(LabelsAndAnnotations('Labels and annotations of the workload (the Job) itself.')),
      metadata: Opt(LabelsAndAnnotations('Labels and annotations of the pods.')),
      spec: Opt(
        Obj(
          {
            serviceAccountName: Opt(
              Str(
                'ServiceAccount the pod runs as; it needs the RBAC permissions of the task (e.g. read every resource to back up).',
              ),
            ),
            securityContext: Opt(PodSecurityContext('Security settings of the pod, e.g. runAsUser: 0.')),
            containerSecurityContext: Opt(SecurityContext('Security settings of the task container.')),
            resources: Opt(ResourceRequirements('CPU and memory requests and limits of the task container.')),
            env: Opt(EnvVars('Environment variables added to the task container.')),
            args: Opt(StringList('Arguments appended to the task container command.')),
            volumes: Opt(Volumes('Extra volumes of the pod.')),
            volumeMounts: Opt(VolumeMounts('Extra mounts of the task container.')),
            initContainers: Opt(Containers('Containers run to completion before the task container.')),
            nodeSelector: Opt(StringMap('Node labels the pod must be scheduled on.')),
            affinity: Opt(Affinity('Scheduling affinity of the pod.')),
            tolerations: Opt(Tolerations('Taints the pod tolerates.')),
            topologySpreadConstraints: Opt(
              TopologySpreadConstraints('How the pods spread across topology domains.'),
            ),
            podPlacementPolicy: Opt(
              LocalObjectReference('A PodPlacementPolicy (KubeDB) that places the pod.'),
            ),
            imagePullSecrets: Opt(ImagePullSecrets('Secrets used to pull the images.')),
            priorityClassName: Opt(Str('PriorityClass of the pod.')),
            priority: Opt(Int32('Priority value of the pod (normally set from priorityClassName).')),
            runtimeClassName: Opt(Str('RuntimeClass the pod runs with.')),
            schedulerName: Opt(Str('Scheduler that places the pod.')),
            dnsPolicy: Opt(Str('DNS policy: ClusterFirst, ClusterFirstWithHostNet, Default or None.')),
            dnsConfig: Opt(PodDNSConfig('DNS settings of the pod.')),
            enableServiceLinks: Opt(Bool('Whether Service environment variables are injected.')),
            hostNetwork: Opt(Bool("Use the node's network namespace.")),
            hostPID: Opt(Bool("Use the node's process namespace.")),
            hostIPC: Opt(Bool("Use the node's IPC namespace.")),
            shareProcessNamespace: Opt(
              Bool('Share one process namespace between the containers of the pod.'),
            ),
            terminationGracePeriodSeconds: Opt(
              Int64('Seconds the pod gets to stop after a termination request.'),
            ),
            livenessProbe: Opt(Probe('Restarts the task container when it fails.')),
            readinessProbe: Opt(Probe('Marks the task container ready when it succeeds.')),
            lifecycle: Opt(Lifecycle('Actions run after the task container starts and before it stops.')),
          },
          'Settings of the pod and of its task container.',
        ),
      ),
    },
    description,
  );
}
export type PodTemplateSpec = Static<ReturnType<typeof PodTemplateSpec>>;
