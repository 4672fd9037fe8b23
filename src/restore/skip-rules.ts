// Why a dumped object is not restored, decided from the object alone (reference §5.6). Pure.
import {
  DEFAULT_EXCLUDED_RESOURCES,
  RESTORE_EXCLUDED_RESOURCES,
  shouldIncludeNamespace,
  shouldIncludeObject,
  shouldIncludeResource,
  type KubedumpFilter,
} from '../api/kubedump-filter.ts';
import { arr, at, isObject, str } from '../common/json.ts';
import type { ResourceType } from '../api/resource-type.ts';
import type { DumpItem } from './types.ts';

export interface Skip {
  reason: string;
  message: string;
}

/** Never restored: what the cluster owns, and what would restart backup machinery (§5.6 and the defaults). */
export const NOT_RESTORABLE: ReadonlySet<string> = new Set([
  ...RESTORE_EXCLUDED_RESOURCES,
  ...DEFAULT_EXCLUDED_RESOURCES,
]);

export function notRestorable(resource: string): Skip | undefined {
  if (!NOT_RESTORABLE.has(resource)) return undefined;
  return {
    reason: 'NotRestorable',
    message: `${resource} are never restored: the cluster or the backup machinery creates them`,
  };
}

/**
 * The backup filters, as backup applies them (src/api/kubedump-filter.ts): the resource lists with the
 * type's scope, then the namespace lists on the object's dumped namespace and the label selectors. A
 * Namespace object is also held to the namespace lists by its own name, so that excluding a namespace
 * does not restore it empty.
 */
export function filtered(
  filter: KubedumpFilter,
  resource: string,
  type: ResourceType,
  item: DumpItem,
): Skip | undefined {
  if (!shouldIncludeResource(filter, resource, type.namespaced)) {
    const why =
      !type.namespaced && !filter.includeClusterResources
        ? 'it is cluster-scoped and IncludeClusterResources is not true'
        : 'the resource filters exclude it';
    return { reason: 'Filtered', message: `${resource} not restored: ${why}` };
  }
  const labels = labelsOf(item.object);
  const namespace = type.namespaced ? item.namespace : undefined;
  if (!shouldIncludeObject(filter, { namespace, labels }))
    return {
      reason: 'Filtered',
      message:
        namespace !== undefined && !shouldIncludeNamespace(filter, namespace)
          ? `namespace ${namespace} is excluded by the namespace filters`
          : 'its labels do not match the label selectors',
    };
  if (type.group === '' && type.kind === 'Namespace' && !shouldIncludeNamespace(filter, item.name))
    return { reason: 'Filtered', message: `namespace ${item.name} is excluded by the namespace filters` };
  return undefined;
}

function labelsOf(o: unknown): Record<string, string> | undefined {
  const labels = at(o, 'metadata', 'labels');
  if (!isObject(labels)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (typeof v === 'string') out[k] = v;
  return out;
}

const isCoreKind = (t: ResourceType, kind: string): boolean => t.group === '' && t.kind === kind;

/**
 * Objects that are not worth writing: PVs without RestorePVs; mirror Pods (the kubelet's copies of static
 * Pods); Pods that have finished and Jobs that have completed or failed (re-creating them would run them
 * again); objects every cluster creates for itself (each namespace's `kube-root-ca.crt`, the API server's
 * `default/kubernetes` Service and Endpoints, the APIServices of built-in groups), whose source-cluster content would be wrong here.
 */
export function notWorthWriting(type: ResourceType, item: DumpItem, restorePVs: boolean): Skip | undefined {
  const o = item.object;
  if (isCoreKind(type, 'PersistentVolume') && !restorePVs)
    return {
      reason: 'RestorePVsDisabled',
      message: 'PersistentVolumes are restored only with RestorePVs "true"',
    };
  if (isCoreKind(type, 'Pod')) {
    if (str(at(o, 'metadata', 'annotations', 'kubernetes.io/config.mirror')) !== undefined)
      return {
        reason: 'MirrorPod',
        message: 'a mirror Pod: the kubelet of its node creates it from a static Pod',
      };
    const phase = str(at(o, 'status', 'phase'));
    if (phase === 'Succeeded' || phase === 'Failed')
      return { reason: 'CompletedPod', message: `the Pod had finished (phase ${phase})` };
  }
  if (type.group === 'batch' && type.kind === 'Job') {
    const done = arr(at(o, 'status', 'conditions')).find(
      (c) => isObject(c) && (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
    );
    if (isObject(done))
      return { reason: 'CompletedJob', message: `the Job had ended (condition ${String(done.type)})` };
  }
  if (
    (isCoreKind(type, 'ConfigMap') && item.name === 'kube-root-ca.crt') ||
    ((isCoreKind(type, 'Service') || isCoreKind(type, 'Endpoints')) &&
      item.namespace === 'default' &&
      item.name === 'kubernetes') ||
    (type.group === 'apiregistration.k8s.io' &&
      type.kind === 'APIService' &&
      at(o, 'metadata', 'labels', 'kube-aggregator.kubernetes.io/automanaged') !== undefined)
  )
    return {
      reason: 'ClusterManaged',
      message: 'every cluster creates its own; the dumped one describes the source cluster',
    };
  return undefined;
}
