// `cairn snapshot cleanup`: removes the data of one Snapshot whose deletionPolicy is WipeOut — the restic
// snapshots its components recorded (`restic forget --prune <ids>` in each component repository) and its
// record `<repository path>/snapshots/<name>.yaml` — as the Job the Snapshot's finalizer runs. Safe to run
// again: restic snapshots already gone are not asked for, a missing component repository or record is
// nothing to do, and a Snapshot that no longer exists ends the run at once.
import { KUBESTASH } from '../../api/resource-type.ts';
import type { KubeClient } from '../../kube/types.ts';
import { openComponentRepositories } from '../../repository/open.ts';
import { RepositoryObjects } from '../../repository/objects.ts';
import { resolveRepository } from '../../repository/resolve.ts';
import { SecretBook } from '../../repository/secret-book.ts';
import type { ResticProcessOptions } from '../../restic/runner.ts';
import { createBackend } from '../../storage/backend.ts';
import { snapshotKey } from '../../storage/paths.ts';
import { resolveStorage } from '../../storage/resolve.ts';
import { componentSnapshotIds, type CleanupSnapshot } from './plan.ts';

export type LogLine = { msg: string } & Record<string, unknown>;

export interface CleanupRequest {
  namespace: string;
  snapshot: string;
}

export interface CleanupOptions {
  client: KubeClient;
  log: (line: LogLine) => void;
  /** Local storages only: where the volume is in this process (default its `mountPath`, as in a Job). */
  localRoot?: string;
  /** Local storages: where each is mounted, by `<namespace>/<name>` (the Job's CAIRN_LOCAL_STORAGE_ROOTS). */
  localRoots?: ReadonlyMap<string, string>;
  process?: ResticProcessOptions;
  signal?: AbortSignal;
}

export interface CleanupOutcome {
  /** False when the Snapshot no longer exists (nothing was done). */
  found: boolean;
  /** The restic snapshot ids removed, by component path. */
  forgotten: Record<string, string[]>;
  /** The storage key of the record removed. */
  record?: string;
}

/** Why the cleanup failed: the step, the Repository and restic's or the storage's words, redacted. */
export class CleanupError extends Error {}

export async function runSnapshotCleanup(req: CleanupRequest, opts: CleanupOptions): Promise<CleanupOutcome> {
  const { client, log } = opts;
  const call = opts.signal ? { signal: opts.signal } : {};
  const snapshot = await client.find<CleanupSnapshot>(
    KUBESTASH.snapshots,
    req.snapshot,
    req.namespace,
    opts.signal,
  );
  if (!snapshot) {
    log({ msg: 'snapshot gone, nothing to clean up', snapshot: `${req.namespace}/${req.snapshot}` });
    return { found: false, forgotten: {} };
  }
  const repoKey = { namespace: req.namespace, name: snapshot.spec?.repository ?? '' };
  const where = `Snapshot ${req.namespace}/${req.snapshot} (Repository ${repoKey.namespace}/${repoKey.name})`;
  if (!repoKey.name) throw new CleanupError(`${where}: the Snapshot names no spec.repository`);
  const book = new SecretBook();
  let step = 'read the Repository, its BackupStorage and Secrets';
  const fail = (err: unknown): CleanupError =>
    new CleanupError(
      book.redact(`${where}: ${step} failed: ${err instanceof Error ? err.message : String(err)}`),
      { cause: err },
    );
  const forgotten: Record<string, string[]> = {};
  try {
    const resolved = await resolveRepository(new RepositoryObjects(client), repoKey, book);
    step = 'prepare restic';
    const repos = await openComponentRepositories(resolved, book, {
      ...(opts.localRoot !== undefined ? { localRoot: opts.localRoot } : {}),
      ...(opts.localRoots ? { localRoots: opts.localRoots } : {}),
      ...(opts.process ? { process: opts.process } : {}),
      lockWait: '5m',
    });
    try {
      step = 'list the component repositories';
      const existing = new Set(await repos.find());
      for (const { path, ids } of componentSnapshotIds(snapshot)) {
        if (!existing.has(path)) {
          log({ msg: 'component repository absent, nothing to forget', path });
          continue;
        }
        step = `list the restic snapshots of ${path}`;
        const repo = await repos.open(path);
        const present = await repo.snapshots({}, call);
        const gone = ids.filter((id) => !present.some((p) => p.id === id || p.shortId === id));
        const wanted = ids.filter((id) => !gone.includes(id));
        if (gone.length > 0) log({ msg: 'restic snapshots already removed', path, ids: gone });
        if (wanted.length === 0) continue;
        step = `restic forget --prune ${wanted.join(' ')} in ${path}`;
        await repo.forget(wanted, { prune: true }, call);
        forgotten[path] = wanted;
        log({ msg: 'restic snapshots forgotten and pruned', path, ids: wanted });
      }
      step = 'remove the Snapshot record';
      const storage = resolveStorage(repos.storageSpec);
      const key = snapshotKey(storage, resolved.repository.path, req.snapshot);
      const backend = await createBackend(storage, resolved.storageSecret?.data ?? {});
      try {
        await backend.delete(key);
      } finally {
        await backend.close();
      }
      log({ msg: 'snapshot record removed', key });
      return { found: true, forgotten, record: key };
    } finally {
      await repos.close();
    }
  } catch (err) {
    throw fail(err);
  }
}
