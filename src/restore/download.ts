// Downloading a Snapshot: from a Snapshot object (read through a KubeClient) to its components' files on
// this machine. The Snapshot names its Repository; the Repository is resolved and opened through
// src/repository, and each component's restic snapshots (`status.components.<c>.resticStats[].summary.id`)
// are restored with `restic restore <id> --target <target>/<component>`. restic recreates the path it backed
// up under that directory, so the tree a component holds is at `<target>/<component>/<hostPath>` (for the
// kubedump component: `<target>/manifest/kubestash-tmp/manifest`).
//
// Shared by the restore task and the CLI (download, manifest-view, manifest-restore): no flag, terminal or Job
// concern lives here. Every message that leaves this file passes through the SecretBook of the Repository.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { LABEL } from '../api/backup-names.ts';
import { KUBESTASH } from '../api/resource-type.ts';
import { SnapshotPhase } from '../api/snapshot-phase.ts';
import { arr, isObject, str, type JsonObject } from '../common/json.ts';
import { errorClass } from '../kube/errors.ts';
import type { KubeClient } from '../kube/types.ts';
import { openComponentRepositories } from '../repository/open.ts';
import { RepositoryObjects } from '../repository/objects.ts';
import { resolveRepository } from '../repository/resolve.ts';
import { SecretBook } from '../repository/secret-book.ts';
import type { RestoreStatusEvent } from '../restic/events.ts';
import type { RestoreSummary as ResticRestoreSummary } from '../restic/results.ts';
import type { ResticProcessOptions } from '../restic/runner.ts';

/** What a download reads of a Snapshot; every field may be missing. */
export interface SnapshotLike {
  metadata?: {
    name?: string;
    namespace?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
  };
  spec?: { repository?: string; session?: string; version?: string };
  status?: { phase?: string; snapshotTime?: string; components?: Record<string, unknown> };
}

/**
 * A Snapshot that cannot be downloaded as asked, or a download that failed. The message names the Snapshot,
 * what is wrong and the fix; it holds no secret. `retryable` is true only when trying again unchanged may
 * succeed (the API server or the backend was unreachable).
 */
export class DownloadError extends Error {
  readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DownloadError';
    this.retryable = options?.retryable ?? false;
  }
}

/** One restic snapshot of a component and where its files land. */
export interface ComponentTree {
  /** The restic snapshot id. */
  id: string;
  /** The directory restic backed up (absolute in the backup's container); '' when not recorded. */
  hostPath: string;
  /** Where that directory's files are after the download: `<directory>/<hostPath>`. */
  root: string;
}

/** The download of one component, as planned from the Snapshot. */
export interface ComponentPlan {
  component: string;
  /** The component repository, relative to the Repository's path (`repository/v1/<session>/manifest`). */
  path: string;
  /** `<target>/<component>`: restic's `--target`. */
  directory: string;
  trees: ComponentTree[];
}

export interface DownloadPlan {
  namespace: string;
  snapshot: string;
  /** The Repository's name (in the Snapshot's namespace). */
  repository: string;
  components: ComponentPlan[];
}

/** Progress of one component, as restic's JSON status lines report it. */
export interface DownloadProgress {
  component: string;
  status: Omit<RestoreStatusEvent, 'type' | 'stream'>;
}

export interface DownloadOptions {
  client: KubeClient;
  /** Namespace and name of the Snapshot. */
  namespace: string;
  snapshot: string;
  /** The directory the components are restored under, one sub-directory each; created when missing. */
  target: string;
  /** Components to download; by default every component that has restic data. */
  components?: readonly string[];
  /** restic `--include` / `--exclude` patterns, matched against the paths in the snapshot. */
  include?: readonly string[];
  exclude?: readonly string[];
  /** Local storages only: where the volume is in this process (see src/repository/open.ts). */
  localRoot?: string;
  /** Local storages only: where each local BackupStorage is, by `<namespace>/<name>`. */
  localRoots?: ReadonlyMap<string, string>;
  /** How restic runs (binary, cache). */
  process?: ResticProcessOptions;
  /** A password to open the component repositories with instead of the Repository's encryption Secret's. */
  password?: string;
  /** restic status lines per second while restoring (default 1). */
  progressFps?: number;
  onProgress?: (progress: DownloadProgress) => void;
  /** Receives every credential read; a fresh one by default. */
  book?: SecretBook;
  signal?: AbortSignal;
}

export interface DownloadedComponent extends ComponentPlan {
  /** restic's summaries, one per tree, in order. */
  restic: ResticRestoreSummary[];
}

export interface DownloadResult {
  namespace: string;
  snapshot: string;
  repository: string;
  components: DownloadedComponent[];
}

/** A component name that is safe as a directory name. */
const COMPONENT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Decides what to download from a Snapshot object, before anything runs. Throws a DownloadError, naming the
 * fix, for a Snapshot that is not Succeeded, names no Repository, or lacks restic data for a requested
 * component (or has none at all).
 */
export function planDownload(
  snapshot: SnapshotLike,
  request: { target: string; components?: readonly string[] },
): DownloadPlan {
  const namespace = snapshot.metadata?.namespace ?? '';
  const name = snapshot.metadata?.name ?? '';
  const label = `Snapshot ${namespace}/${name}`;
  const pick = `pick another Snapshot (kubectl get snapshots -n ${namespace} lists them with their phase)`;
  const phase = snapshot.status?.phase;
  if (phase !== SnapshotPhase.Succeeded) {
    throw new DownloadError(
      `${label} is ${phase ? `in phase ${phase}` : 'not finished (it has no phase yet)'}, not Succeeded, so its data may be missing or incomplete: ${pick}`,
    );
  }
  const repository = snapshot.spec?.repository || snapshot.metadata?.labels?.[LABEL.repoName] || '';
  if (!repository) {
    throw new DownloadError(`${label} names no Repository (spec.repository): ${pick}`);
  }
  const components = isObject(snapshot.status?.components) ? snapshot.status.components : {};
  const withData = Object.keys(components)
    .filter((c) => treesOf(components[c]).length > 0)
    .sort();
  const wanted = request.components && request.components.length > 0 ? [...request.components] : withData;
  if (wanted.length === 0) {
    throw new DownloadError(`${label} has no component with restic data (status.components): ${pick}`);
  }
  const plans: ComponentPlan[] = [];
  for (const component of [...new Set(wanted)]) {
    const status = components[component];
    if (status === undefined) {
      const known = Object.keys(components).sort();
      throw new DownloadError(
        `${label} has no component ${JSON.stringify(component)}; it has ${known.length > 0 ? known.join(', ') : 'none'}`,
      );
    }
    if (!COMPONENT_NAME.test(component) || component === '..') {
      throw new DownloadError(
        `${label}: component name ${JSON.stringify(component)} is not a directory name`,
      );
    }
    const trees = treesOf(status);
    if (trees.length === 0) {
      throw new DownloadError(
        `${label}: component ${component} has no restic snapshot id (status.components.${component}.resticStats[].summary.id), so there is nothing to restore: ${pick}`,
      );
    }
    const directory = join(request.target, component);
    const path =
      str((status as JsonObject).path) ||
      `repository/${snapshot.spec?.version || 'v1'}/${snapshot.spec?.session ?? ''}/${component}`;
    plans.push({
      component,
      path,
      directory,
      trees: trees.map((t) => ({ ...t, root: t.hostPath ? join(directory, t.hostPath) : directory })),
    });
  }
  return { namespace, snapshot: name, repository, components: plans };
}

/** The restic snapshot ids and host paths a component recorded: `resticStats[].summary`, or flat (2023). */
function treesOf(status: unknown): { id: string; hostPath: string }[] {
  if (!isObject(status)) return [];
  return arr(status.resticStats).flatMap((entry) => {
    if (!isObject(entry)) return [];
    const summary = isObject(entry.summary) ? entry.summary : entry;
    const id = str(summary.id) ?? '';
    return /^[0-9a-f]{8,64}$/.test(id) ? [{ id, hostPath: str(summary.hostPath) ?? '' }] : [];
  });
}

/**
 * Downloads the Snapshot `namespace/snapshot`: reads it, plans (planDownload), opens its Repository and runs
 * `restic restore` for each tree of each component into `<target>/<component>`. Files already in a
 * component's directory that the snapshot does not hold are left there: callers that want exactly the
 * snapshot's files start from an empty target. Throws a DownloadError, redacted, naming the Snapshot, the
 * step that failed and, where there is one, the fix.
 */
export async function downloadSnapshot(opts: DownloadOptions): Promise<DownloadResult> {
  const book = opts.book ?? new SecretBook();
  const label = `Snapshot ${opts.namespace}/${opts.snapshot}`;
  const found = await readSnapshot(opts.client, opts.namespace, opts.snapshot, opts.signal);
  const plan = planDownload(found, {
    target: opts.target,
    ...(opts.components ? { components: opts.components } : {}),
  });
  let step = `read Repository ${plan.namespace}/${plan.repository}, its BackupStorage and Secrets`;
  try {
    const resolved = await resolveRepository(
      new RepositoryObjects(opts.client),
      { namespace: plan.namespace, name: plan.repository },
      book,
    );
    if (opts.password) book.add(opts.password);
    step = 'prepare restic';
    const fps = opts.progressFps ?? 1;
    const repos = await openComponentRepositories(resolved, book, {
      ...(opts.localRoot !== undefined ? { localRoot: opts.localRoot } : {}),
      ...(opts.localRoots ? { localRoots: opts.localRoots } : {}),
      process: { ...opts.process, env: { RESTIC_PROGRESS_FPS: String(fps), ...opts.process?.env } },
    });
    try {
      const components: DownloadedComponent[] = [];
      for (const c of plan.components) {
        step = `open the component repository ${c.path}`;
        const repo = await repos.open(c.path, opts.password);
        await mkdir(c.directory, { recursive: true });
        const restic: ResticRestoreSummary[] = [];
        for (const tree of c.trees) {
          step = `restic restore of ${tree.id} from ${c.path} into ${c.directory}`;
          restic.push(
            await repo.restore(
              {
                snapshot: tree.id,
                target: c.directory,
                ...(opts.include ? { include: opts.include } : {}),
                ...(opts.exclude ? { exclude: opts.exclude } : {}),
              },
              {
                ...(opts.signal ? { signal: opts.signal } : {}),
                onEvent: (event) => {
                  if (event.type !== 'restore_status' || !opts.onProgress) return;
                  const { type: _t, stream: _s, ...status } = event;
                  opts.onProgress({ component: c.component, status });
                },
              },
            ),
          );
        }
        components.push({ ...c, restic });
      }
      return { ...plan, components };
    } finally {
      await repos.close();
    }
  } catch (err) {
    if (err instanceof DownloadError) throw err;
    throw new DownloadError(book.redact(`${label}: ${step} failed: ${message(err)}`), {
      cause: err,
      retryable: retryable(err),
    });
  }
}

/** The Snapshot, or a DownloadError saying it does not exist or may not be read, and what to do. */
export async function readSnapshot(
  client: KubeClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<SnapshotLike> {
  let found: SnapshotLike | undefined;
  try {
    found = await client.find<SnapshotLike>(KUBESTASH.snapshots, name, namespace, signal);
  } catch (err) {
    throw readError(err, `get Snapshot ${namespace}/${name}`, 'get on snapshots.storage.kubestash.com');
  }
  if (found === undefined) {
    throw new DownloadError(
      `Snapshot ${namespace}/${name} not found: kubectl get snapshots -n ${namespace} lists the Snapshots there`,
    );
  }
  return found;
}

/**
 * The name of the newest Succeeded Snapshot of Repository `namespace/repository` (see newestSucceeded),
 * which is what `snapshot: latest` means. Throws a DownloadError when the Repository has none.
 */
export async function latestSnapshot(
  client: KubeClient,
  namespace: string,
  repository: string,
  signal?: AbortSignal,
): Promise<string> {
  let items: SnapshotLike[];
  try {
    items = (
      await client.listAll<SnapshotLike>(KUBESTASH.snapshots, { namespace, ...(signal ? { signal } : {}) })
    ).items;
  } catch (err) {
    throw readError(err, `list the Snapshots of ${namespace}`, 'list on snapshots.storage.kubestash.com');
  }
  const name = newestSucceeded(items, repository);
  if (name === undefined) {
    throw new DownloadError(
      `Repository ${namespace}/${repository} has no Succeeded Snapshot, so "latest" names none: run a backup first, or name a Snapshot`,
    );
  }
  return name;
}

/**
 * Pure half of latestSnapshot: the newest Succeeded Snapshot of `repository` among `items`, ordered by
 * `status.snapshotTime`, then creation time, then name (as the RestoreSession reconciler orders them), so
 * the choice is the same on every run.
 */
export function newestSucceeded(items: readonly SnapshotLike[], repository: string): string | undefined {
  const order = (s: SnapshotLike): string =>
    `${s.status?.snapshotTime ?? ''}\u0000${s.metadata?.creationTimestamp ?? ''}\u0000${s.metadata?.name ?? ''}`;
  return items
    .filter(
      (s) =>
        s.status?.phase === SnapshotPhase.Succeeded &&
        (s.spec?.repository || s.metadata?.labels?.[LABEL.repoName]) === repository,
    )
    .sort((a, b) => order(b).localeCompare(order(a)))[0]?.metadata?.name;
}

function readError(err: unknown, what: string, grant: string): DownloadError {
  const cls = errorClass(err);
  if (cls === 'forbidden') {
    return new DownloadError(`may not ${what}: grant ${grant}`, { cause: err });
  }
  return new DownloadError(`could not ${what}: ${message(err)}`, {
    cause: err,
    retryable: cls === 'retryable',
  });
}

function retryable(err: unknown): boolean {
  if (isObject(err) && typeof err.retryable === 'boolean') return err.retryable;
  return errorClass(err) === 'retryable';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
