// The vocabulary of a manifest restore, shared by its pure planning (read → order → transform) and its I/O
// (apply → relink). A restore reads a dump tree that restic restored, decides in a pure plan which object goes
// in which step and in what shape, and then writes each object once, reporting one result per object.
import type { JsonObject } from '../common/json.ts';
import type { KubedumpFilter } from '../api/kubedump-filter.ts';
import type { ResourceType } from '../api/resource-type.ts';
import type { KubeClient } from '../kube/types.ts';

/** One object file of a dump tree, as read (nothing changed yet). */
export interface DumpItem {
  /**
   * The filter id of its resource (`pods`, `deployments.apps`): from the directory in the v2 layout; in the
   * v1 layouts, which name only the Kind, undefined until it is resolved through discovery (or the dump's own
   * CRDs).
   */
  resource?: string;
  apiVersion: string;
  kind: string;
  /** The object's namespace as dumped; undefined for cluster-scoped objects. */
  namespace?: string;
  name: string;
  /** The object as dumped. */
  object: JsonObject;
  /** Path of its file relative to the tree root, for messages. */
  file: string;
}

/** The dump layouts a tree can be in (reference §5.4). */
export type TreeLayout = 'v2' | 'v1-cluster' | 'v1-namespace' | 'v1-application';

/** An ownerReference as dumped, with the namespace its owner lives in (after namespace mapping). */
export interface OwnerLink {
  apiVersion: string;
  kind: string;
  name: string;
  /** The UID the owner had in the source cluster. */
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
  /** Namespace of the owner (the dependent's, mapped); undefined for a cluster-scoped owner. */
  namespace?: string;
}

/** One object the plan will write. */
export interface PlannedObject {
  /** The filter id of its resource. */
  resource: string;
  type: ResourceType;
  /** Namespace it is written to (mapped); undefined when cluster-scoped. */
  namespace?: string;
  /** Namespace it came from, when the mapping changed it. */
  sourceNamespace?: string;
  name: string;
  /** What is sent: sanitised and transformed, with `metadata.ownerReferences` removed. */
  object: JsonObject;
  /** Its owners as dumped; the apply step writes them with the new UIDs, or relinks them afterwards. */
  owners: OwnerLink[];
  /** Path of its file relative to the tree root; '' for a Namespace the plan adds for objects that need it. */
  file: string;
  /**
   * Planned only because objects restored into it need it: a Namespace the filters left out, or one the
   * dump has no file for (then `file` is '').
   */
  implied?: boolean;
}

/**
 * One step: objects that may be written at the same time. Steps run in order; every object of a step is
 * written (or has failed) before the next step starts. A step whose `waitEstablished` is set holds CRDs:
 * the engine waits until they are Established and reads discovery again before planning what follows.
 */
export interface PlanStep {
  /** The resource ids in this step, for progress and messages. */
  resources: string[];
  objects: PlannedObject[];
  waitEstablished?: boolean;
}

export type Outcome = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed';

/** What happened to one object; `reason` says why for everything but a plain create. */
export interface ObjectResult {
  resource: string;
  namespace?: string;
  sourceNamespace?: string;
  name: string;
  outcome: Outcome;
  /** A short machine-readable cause: `AlreadyExists`, `CompletedJob`, `NotRestorable`, `Immutable`, ... */
  reason?: string;
  /** One sentence for people, naming the field and the fix where there is one. Never holds Secret data. */
  message?: string;
  /** Dry run: the paths that would change (`spec.replicas: 2 → 3`), without Secret values. */
  diff?: string[];
}

export type OutcomeCounts = Record<Outcome, number>;

/** Everything a restore is asked to do; every field but `client` and `root` has a default. */
export interface RestoreOptions {
  client: KubeClient;
  /** The directory holding the dump tree (the `manifest` directory that restic restored). */
  root: string;
  /** The same filters as backup; the non-restorable resources of §5.6 are always excluded on top. */
  filter: KubedumpFilter;
  /** Update existing objects with server-side apply (true) or leave them untouched (false, the default). */
  overrideResources?: boolean;
  /** Restore PersistentVolumes (false by default). */
  restorePVs?: boolean;
  /** StorageClass renames for PVCs (and PVs): old → new. */
  storageClassMappings?: ReadonlyMap<string, string>;
  /** Namespace renames: source namespace → namespace restored into. A Cairn parameter. */
  namespaceMappings?: ReadonlyMap<string, string>;
  /** Plan and compare against the live objects, write nothing. */
  dryRun?: boolean;
  /** Passes over what failed on a missing dependency (default 5, as KubeStash). */
  maxIterations?: number;
  /** Writes in flight within one step (default 16). */
  parallelism?: number;
  /** Server-side apply field manager (default `cairn-restore`). */
  fieldManager?: string;
  /** Called once per object when its final result is known. */
  onResult?: (result: ObjectResult) => void;
  /**
   * Called once with the plan's steps (every object as it would be sent, in order) before anything is
   * written; the restore waits for it. The CLI's `--dry-run-dir` writes them out from here.
   */
  onPlanned?: (steps: readonly PlanStep[]) => Promise<void>;
  signal?: AbortSignal;
}

export interface RestoreSummary {
  counts: OutcomeCounts;
  /** One per object of the tree, in the order they were decided. */
  results: ObjectResult[];
  passes: number;
  durationMs: number;
}
