// Types a typical cluster serves and dumped objects, for the restore planning tests.
import { K8S, type ResourceType } from '../../../src/api/resource-type.ts';
import type { JsonObject } from '../../../src/common/json.ts';
import type { DumpItem } from '../../../src/restore/types.ts';

const t = (group: string, plural: string, kind: string, namespaced = true, version = 'v1'): ResourceType => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

export const TYPES: readonly ResourceType[] = [
  ...Object.values(K8S),
  t('', 'events', 'Event'),
  t('', 'endpoints', 'Endpoints'),
  t('', 'limitranges', 'LimitRange'),
  t('', 'persistentvolumes', 'PersistentVolume', false),
  t('', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  t('apps', 'replicasets', 'ReplicaSet'),
  t('apps', 'statefulsets', 'StatefulSet'),
  t('apps', 'daemonsets', 'DaemonSet'),
  t('discovery.k8s.io', 'endpointslices', 'EndpointSlice'),
  t('networking.k8s.io', 'ingresses', 'Ingress'),
  t('networking.k8s.io', 'networkpolicies', 'NetworkPolicy'),
  t('policy', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  t('scheduling.k8s.io', 'priorityclasses', 'PriorityClass', false),
  t('storage.k8s.io', 'storageclasses', 'StorageClass', false),
  t('apiregistration.k8s.io', 'apiservices', 'APIService', false),
  t('core.kubestash.com', 'backupsessions', 'BackupSession', true, 'v1alpha1'),
];

export interface ItemOptions {
  namespace?: string;
  labels?: Record<string, string>;
  owners?: { apiVersion: string; kind: string; name: string; controller?: boolean }[];
  resource?: string;
  extra?: JsonObject;
}

/** A dumped object; `file` is its v2 path when `resource` is given, else a v1 cluster path. */
export function item(apiVersion: string, kind: string, name: string, o: ItemOptions = {}): DumpItem {
  const metadata: JsonObject = { name };
  if (o.namespace) metadata.namespace = o.namespace;
  if (o.labels) metadata.labels = o.labels;
  if (o.owners) metadata.ownerReferences = o.owners.map((x, i) => ({ uid: `uid-${x.name}-${i}`, ...x }));
  const object: JsonObject = { apiVersion, kind, metadata, ...o.extra };
  const file = o.resource
    ? `${o.resource}/${o.namespace ? `namespaces/${o.namespace}` : 'cluster'}/${name}.yaml`
    : `${o.namespace ? `namespaces/${o.namespace}` : 'global'}/${kind}/${name}.yaml`;
  const d: DumpItem = { apiVersion, kind, name, object, file };
  if (o.namespace) d.namespace = o.namespace;
  if (o.resource) d.resource = o.resource;
  return d;
}

/** The object of each kind and name in `steps`, one line per step, for order assertions. */
export function stepLines(
  steps: readonly { objects: readonly { type: { kind: string }; name: string }[] }[],
): string[] {
  return steps.map((s) => s.objects.map((o) => `${o.type.kind}/${o.name}`).join(' '));
}
