// What a dump keeps of an object, per generation of KubeStash's kubedump (reference §5.3). Both remove what
// the server sets and a restore must not send back (status, uid, resourceVersion, managedFields, ...), so a
// dumped file changes only when the object's own content changes. Pure: the input is never modified.
import { isObject, type JsonObject } from '../common/json.ts';

/** Which generation's rules apply: v1 (Stash's kubedump, `sanitize: "true"`) or v2 (apimachinery's). */
export type Generation = 'v1' | 'v2';

/** Metadata the server sets; both generations drop it. */
const SERVER_METADATA = [
  'creationTimestamp',
  'resourceVersion',
  'uid',
  'generateName',
  'generation',
  'managedFields',
] as const;

/** Annotations the second generation also drops: controllers write them, a restore re-creates them. */
export const V2_DROPPED_ANNOTATIONS: readonly string[] = [
  'controller-uid',
  'deployment.kubernetes.io/desired-replicas',
  'deployment.kubernetes.io/max-replicas',
  'deployment.kubernetes.io/revision',
  'pod-template-hash',
  'pv.kubernetes.io/bind-completed',
  'pv.kubernetes.io/bound-by-controller',
];

/** Kinds whose `spec.template.spec` is a pod spec (first generation: cleaned like a Pod's). */
const POD_TEMPLATE_KINDS = new Set([
  'StatefulSet',
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'ReplicationController',
  'Job',
]);

const clone = <T>(v: T): T => structuredClone(v);

function cleanMetadata(o: JsonObject, droppedAnnotations: readonly string[]): void {
  const meta = o.metadata;
  if (!isObject(meta)) return;
  for (const k of SERVER_METADATA) delete meta[k];
  const annotations = meta.annotations;
  if (isObject(annotations) && droppedAnnotations.length > 0) {
    for (const a of droppedAnnotations) delete annotations[a];
    if (Object.keys(annotations).length === 0) delete meta.annotations;
  }
}

/**
 * The pod spec rules: the fields the scheduler, the kubelet or defaulting fill in and a restore should let
 * them fill in again (`dnsPolicy`, `nodeName`, `terminationGracePeriodSeconds`, a `serviceAccountName` of
 * "default", each container's `terminationMessagePath`).
 */
export function cleanPodSpec(spec: unknown): void {
  if (!isObject(spec)) return;
  delete spec.dnsPolicy;
  delete spec.nodeName;
  delete spec.terminationGracePeriodSeconds;
  if (spec.serviceAccountName === 'default') delete spec.serviceAccountName;
  for (const list of [spec.containers, spec.initContainers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) if (isObject(c)) delete c.terminationMessagePath;
  }
}

const podTemplateSpec = (o: JsonObject): unknown => {
  const spec = o.spec;
  return isObject(spec) && isObject(spec.template) ? spec.template.spec : undefined;
};

/**
 * The object as the first generation dumped it with `sanitize: "true"`: no status, no server metadata,
 * pod specs (of Pods and of the templates of the built-in workloads) cleaned. Annotations stay.
 */
export function sanitizeV1(input: JsonObject): JsonObject {
  return v1InPlace(clone(input));
}

function v1InPlace(o: JsonObject): JsonObject {
  delete o.status;
  cleanMetadata(o, []);
  if (o.kind === 'Pod') cleanPodSpec(o.spec);
  else if (typeof o.kind === 'string' && POD_TEMPLATE_KINDS.has(o.kind)) cleanPodSpec(podTemplateSpec(o));
  return o;
}

/**
 * The object as the second generation dumps it: server metadata and controller annotations dropped; a Pod
 * (`v1`) gets the pod spec rules; a PersistentVolumeClaim loses `spec.volumeName` so that a restore binds
 * afresh; workload templates are left as they are (as upstream: a template has no kind). `status` is dropped
 * for every object: a restore cannot write it, and keeping it would rewrite a file whenever a controller
 * touches the status, which defeats stable files.
 */
export function sanitizeV2(input: JsonObject): JsonObject {
  return v2InPlace(clone(input));
}

function v2InPlace(o: JsonObject): JsonObject {
  delete o.status;
  cleanMetadata(o, V2_DROPPED_ANNOTATIONS);
  if (o.kind === 'Pod' && o.apiVersion === 'v1') cleanPodSpec(o.spec);
  if (o.kind === 'PersistentVolumeClaim' && o.apiVersion === 'v1' && isObject(o.spec))
    delete o.spec.volumeName;
  return o;
}

/**
 * The sanitizer of a generation for objects the caller owns and no longer needs as they were (a freshly
 * parsed LIST page): it modifies its argument and returns it, saving a copy per object. With `sanitize`
 * false (the first generation's `sanitize: "false"`) objects pass unchanged.
 */
export function inPlaceSanitizer(generation: Generation, sanitize = true): (o: JsonObject) => JsonObject {
  if (!sanitize) return (o) => o;
  return generation === 'v1' ? v1InPlace : v2InPlace;
}
