// Pod-level core/v1 types used in Job templates and runtime settings. Scheduling constraints (affinity,
// topology spread) are kept as written; everything else is modelled.
import type { Static } from '@sinclair/typebox';
import { Bool, FreeForm, Int64, List, Obj, Opt, Str } from '../../schema/builders.ts';
import { LocalObjectReference } from '../references.ts';
import { SeccompProfile } from './container.ts';

export function PodSecurityContext(description: string) {
  return Obj(
    {
      runAsUser: Opt(Int64('UID the containers run as (0 for root).')),
      runAsGroup: Opt(Int64('GID the containers run as.')),
      runAsNonRoot: Opt(Bool('Refuse to start containers as root.')),
      fsGroup: Opt(Int64('Supplementary group that owns the volumes.')),
      fsGroupChangePolicy: Opt(Str('When volume ownership is changed: OnRootMismatch or Always.')),
      supplementalGroups: Opt(List(Int64('A GID.'), 'Extra groups of the first process in each container.')),
      supplementalGroupsPolicy: Opt(Str('Merge or Strict.')),
      seLinuxChangePolicy: Opt(Str('MountOption or Recursive.')),
      sysctls: Opt(
        List(
          Obj({ name: Str('Name of the sysctl.'), value: Str('Value to set.') }, 'A namespaced sysctl.'),
          'Namespaced sysctls set for the pod.',
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
export type PodSecurityContext = Static<ReturnType<typeof PodSecurityContext>>;

export function Tolerations(description: string) {
  return List(
    Obj(
      {
        key: Opt(Str('Taint key; empty with operator Exists tolerates every taint.')),
        operator: Opt(Str('Equal (the default) or Exists.')),
        value: Opt(Str('Taint value to match with operator Equal.')),
        effect: Opt(
          Str('Taint effect to match: NoSchedule, PreferNoSchedule or NoExecute; empty matches all.'),
        ),
        tolerationSeconds: Opt(Int64('For NoExecute: how long the pod stays bound after the taint appears.')),
      },
      'A taint the pod tolerates.',
    ),
    description,
  );
}

export function Affinity(description: string) {
  return FreeForm(
    `${description} A core/v1 Affinity (nodeAffinity, podAffinity, podAntiAffinity), kept as written`,
  );
}

export function TopologySpreadConstraints(description: string) {
  return List(FreeForm('A core/v1 TopologySpreadConstraint, kept as written.'), description);
}

export function ImagePullSecrets(description: string) {
  return List(LocalObjectReference('A Secret holding registry credentials.'), description);
}

export function ReadinessGates(description: string) {
  return List(
    Obj({ conditionType: Str('A pod condition type that must be True.') }, 'An extra readiness condition.'),
    description,
  );
}

export function PodDNSConfig(description: string) {
  return FreeForm(`${description} A core/v1 PodDNSConfig (nameservers, searches, options), kept as written`);
}

export function Containers(description: string) {
  return List(FreeForm('A core/v1 Container, kept as written.'), description);
}
