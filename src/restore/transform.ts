// The shape in which a dumped object is sent back: what the server sets removed, what ties it to the
// source cluster (bound volumes, cluster IPs, issued tokens, the node it ran on) removed so the new cluster
// assigns it afresh, owners set aside to be written with the new UIDs, and the namespace and storage-class
// mappings applied. Pure: the input is never modified. The result shares with the input every subtree it
// leaves as dumped (a ConfigMap's data, a custom resource's spec): only what a rule changes is copied, so
// planning a large dump does not hold every object twice.
//
// Namespace mapping rewrites: `metadata.namespace`; a Namespace object's name (and its
// `kubernetes.io/metadata.name` label, which the server keeps equal to the name); the `namespace` of
// ServiceAccount subjects of RoleBindings and ClusterRoleBindings; a PersistentVolume's
// `spec.claimRef.namespace`; the owners' namespace. Deliberately left as dumped, because they are free text
// or may point at a namespace that is not being moved: service DNS names (`svc.ns.svc.cluster.local`) in
// ConfigMaps, env and args; pod (anti-)affinity terms' `namespaces` and `namespaceSelector`s; NetworkPolicy
// `namespaceSelector`s (often on `kubernetes.io/metadata.name`); webhook configurations', APIServices' and
// CRD conversion webhooks' `service.namespace`; Ingress and Gateway API cross-namespace references;
// `secretRef.namespace`-style fields of custom resources.
import { isObject, str, type JsonObject } from '../common/json.ts';
import { cleanPodSpec, V2_DROPPED_ANNOTATIONS } from '../dump/sanitize.ts';
import type { ResourceType } from '../api/resource-type.ts';
import type { OwnerLink } from './types.ts';

export interface TransformOptions {
  /** Source namespace → namespace restored into. */
  namespaceMappings?: ReadonlyMap<string, string> | undefined;
  /** Old StorageClass name → new, for PVCs, PVs and StatefulSet volume claim templates. */
  storageClassMappings?: ReadonlyMap<string, string> | undefined;
}

export interface Transformed {
  /** The object to send, without `ownerReferences`. */
  object: JsonObject;
  owners: OwnerLink[];
  /** Namespace written to; undefined for a cluster-scoped type. */
  namespace?: string;
  /** The dumped namespace, set only when the mapping changed it. */
  sourceNamespace?: string;
  /** The name written (a mapped Namespace's new name). */
  name: string;
}

/** Metadata the server sets on every object; sending it back is refused or meaningless. */
const SERVER_METADATA = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
  'managedFields',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'generateName',
  'ownerReferences',
] as const;

/** On PVCs, what the volume binder and provisioner write; kept, it would tie the claim to the old volume. */
const PVC_BINDING_ANNOTATIONS = [
  'volume.kubernetes.io/selected-node',
  'volume.kubernetes.io/storage-provisioner',
  'volume.beta.kubernetes.io/storage-provisioner',
];
const LEGACY_STORAGE_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';
/** The token controller deletes a token Secret whose recorded ServiceAccount UID is not the live one. */
const SA_UID_ANNOTATION = 'kubernetes.io/service-account.uid';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const isCore = (t: ResourceType, kind: string): boolean => t.group === '' && t.kind === kind;

/** Maps a value through a mapping, leaving it unchanged when the mapping does not name it. */
const mapped = (m: ReadonlyMap<string, string> | undefined, v: string): string => m?.get(v) ?? v;

/**
 * The object as a restore sends it, its owners and where it goes. Every object loses the server-set
 * metadata (uid, resourceVersion, creationTimestamp, generation, managedFields, selfLink, deletion marks,
 * generateName), the controller annotations the second-generation dump drops, `status` (no Kind needs it
 * on create) and `ownerReferences` (returned as `owners`, with the dependent's mapped namespace).
 * `kubectl.kubernetes.io/last-applied-configuration` stays. Kind rules follow in {@link kindRules}.
 * `type.namespaced` decides whether the result has a namespace.
 */
export function transformForRestore(
  input: JsonObject,
  type: ResourceType,
  options: TransformOptions = {},
): Transformed {
  const o: JsonObject = { ...input };
  const meta = ownMetadata(o);
  const ownerRefs = meta.ownerReferences;
  for (const k of SERVER_METADATA) delete meta[k];
  dropAnnotations(meta, V2_DROPPED_ANNOTATIONS);
  delete o.status;

  const name = str(meta.name) ?? '';
  const out: Transformed = { object: o, owners: [], name };
  if (type.namespaced) {
    const source = str(meta.namespace) ?? '';
    const target = mapped(options.namespaceMappings, source);
    meta.namespace = target;
    out.namespace = target;
    if (target !== source) out.sourceNamespace = source;
  } else {
    delete meta.namespace;
  }
  out.owners = ownerLinks(ownerRefs, out.namespace);
  kindRules(o, type, options);
  if (isCore(type, 'Namespace')) {
    const target = mapped(options.namespaceMappings, name);
    if (target !== name) {
      meta.name = target;
      out.name = target;
      out.sourceNamespace = name;
    }
    const labels = meta.labels;
    if (isObject(labels) && typeof labels[NAMESPACE_NAME_LABEL] === 'string')
      labels[NAMESPACE_NAME_LABEL] = target;
  }
  return out;
}

/**
 * Replaces `o.metadata` with a copy the rules may change: its own top level, labels and annotations (the
 * maps the rules edit); `managedFields` and the rest are left shared, and the server-set ones dropped.
 */
function ownMetadata(o: JsonObject): JsonObject {
  const meta: JsonObject = isObject(o.metadata) ? { ...o.metadata } : {};
  if (isObject(meta.labels)) meta.labels = { ...meta.labels };
  if (isObject(meta.annotations)) meta.annotations = { ...meta.annotations };
  o.metadata = meta;
  return meta;
}

/** Replaces `o[key]` with a deep copy the rules may change, and returns it (undefined when not an object). */
function own(o: JsonObject, key: string): JsonObject | undefined {
  const v = o[key];
  if (!isObject(v)) return undefined;
  const copy = structuredClone(v);
  o[key] = copy;
  return copy;
}

/**
 * The entries of `metadata.ownerReferences` that name an owner (apiVersion, kind, name); `uid` is '' when
 * the dump has none (hand-made files), since only the owner's new UID is ever written. Every owner gets
 * the dependent's namespace; the plan clears it for owners of cluster-scoped types.
 */
function ownerLinks(refs: unknown, namespace: string | undefined): OwnerLink[] {
  if (!Array.isArray(refs)) return [];
  const links: OwnerLink[] = [];
  for (const r of refs) {
    if (!isObject(r)) continue;
    const apiVersion = str(r.apiVersion);
    const kind = str(r.kind);
    const name = str(r.name);
    const uid = str(r.uid) ?? '';
    if (!apiVersion || !kind || !name) continue;
    const link: OwnerLink = { apiVersion, kind, name, uid };
    if (typeof r.controller === 'boolean') link.controller = r.controller;
    if (typeof r.blockOwnerDeletion === 'boolean') link.blockOwnerDeletion = r.blockOwnerDeletion;
    if (namespace !== undefined) link.namespace = namespace;
    links.push(link);
  }
  return links;
}

function dropAnnotations(meta: JsonObject, names: readonly string[], prefix?: string): void {
  const annotations = meta.annotations;
  if (!isObject(annotations)) return;
  for (const a of names) delete annotations[a];
  if (prefix) for (const a of Object.keys(annotations)) if (a.startsWith(prefix)) delete annotations[a];
  if (Object.keys(annotations).length === 0) delete meta.annotations;
}

/**
 * The per-Kind rules, applied to `o` in place: `o` and its metadata are the transform's own copies, and a
 * rule that changes `spec` (or a binding's `subjects`) first makes that subtree its own.
 */
function kindRules(o: JsonObject, type: ResourceType, options: TransformOptions): void {
  const meta = o.metadata as JsonObject;
  const classes = options.storageClassMappings;
  if (isCore(type, 'Service')) {
    const spec = own(o, 'spec');
    if (spec) serviceRules(spec);
  } else if (isCore(type, 'PersistentVolumeClaim')) {
    const spec = own(o, 'spec');
    // Bind afresh: the old volume is not there, or belongs to the source claim.
    if (spec) delete spec.volumeName;
    dropAnnotations(meta, PVC_BINDING_ANNOTATIONS, 'pv.kubernetes.io/');
    mapStorageClass(spec, meta, classes);
  } else if (isCore(type, 'PersistentVolume') && isObject(o.spec)) {
    const spec = own(o, 'spec') as JsonObject;
    const claim = spec.claimRef;
    if (isObject(claim)) {
      delete claim.uid;
      delete claim.resourceVersion;
      if (typeof claim.namespace === 'string')
        claim.namespace = mapped(options.namespaceMappings, claim.namespace);
    }
    mapStorageClass(spec, meta, classes);
  } else if (isCore(type, 'Secret')) {
    if (o.type === 'kubernetes.io/service-account-token') {
      // The cluster issues a fresh token signed by its own key.
      delete o.data;
      delete o.stringData;
      dropAnnotations(meta, [SA_UID_ANNOTATION]);
    }
  } else if (isCore(type, 'Pod')) podRules(own(o, 'spec'));
  else if (type.group === 'rbac.authorization.k8s.io' && /^(Cluster)?RoleBinding$/.test(type.kind))
    mapSubjects(o, options.namespaceMappings);
  else if (type.group === 'batch' && type.kind === 'Job' && isObject(o.spec))
    jobRules(own(o, 'spec') as JsonObject);
  else if (type.group === 'apps' && type.kind === 'StatefulSet' && isObject(o.spec) && classes) {
    const spec = own(o, 'spec') as JsonObject;
    for (const t of Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [])
      if (isObject(t)) mapStorageClass(isObject(t.spec) ? t.spec : undefined, t.metadata, classes);
  }
}

/**
 * Cluster IPs are allocated from the cluster's own range, so they are dropped unless headless ("None",
 * which is a choice, not an allocation). Node ports are kept: they may be chosen by hand; the apply step
 * retries without one the server says is taken and reports it.
 */
function serviceRules(spec: JsonObject): void {
  if (spec.clusterIP !== 'None') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
}

/**
 * The pod rules of reference §5.3, as the dump applies them (`cleanPodSpec`: what the scheduler, kubelet and
 * defaulting fill in again), plus `ephemeralContainers`, which the API refuses on create.
 */
function podRules(spec: JsonObject | undefined): void {
  if (!spec) return;
  cleanPodSpec(spec);
  delete spec.ephemeralContainers;
}

/** Labels the Job controller puts on its selector and template, naming the source Job's UID. */
const JOB_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'];

/**
 * A Job's generated selector names the source Job's UID, and the API refuses a selector it did not
 * generate unless `manualSelector` is set: the selector and the UID labels of the template go, and the
 * server generates them for the new Job. A manual selector is the user's and stays.
 */
function jobRules(spec: JsonObject): void {
  if (spec.manualSelector === true) return;
  delete spec.selector;
  const labels =
    isObject(spec.template) && isObject(spec.template.metadata) ? spec.template.metadata.labels : undefined;
  if (isObject(labels)) for (const l of JOB_UID_LABELS) delete labels[l];
}

/** `spec.storageClassName` and the legacy class annotation, through the mapping. */
function mapStorageClass(
  spec: JsonObject | undefined,
  meta: unknown,
  classes: ReadonlyMap<string, string> | undefined,
): void {
  if (!classes) return;
  if (spec && typeof spec.storageClassName === 'string')
    spec.storageClassName = mapped(classes, spec.storageClassName);
  const annotations = isObject(meta) ? meta.annotations : undefined;
  if (isObject(annotations) && typeof annotations[LEGACY_STORAGE_CLASS_ANNOTATION] === 'string')
    annotations[LEGACY_STORAGE_CLASS_ANNOTATION] = mapped(
      classes,
      annotations[LEGACY_STORAGE_CLASS_ANNOTATION],
    );
}

/** The namespace of ServiceAccount subjects (users and groups have none). */
function mapSubjects(o: JsonObject, mappings: ReadonlyMap<string, string> | undefined): void {
  if (!mappings || !Array.isArray(o.subjects)) return;
  const subjects = structuredClone(o.subjects);
  o.subjects = subjects;
  for (const s of subjects)
    if (isObject(s) && s.kind === 'ServiceAccount' && typeof s.namespace === 'string')
      s.namespace = mapped(mappings, s.namespace);
}
