// The continuing backend sync (§4.4 of the API reference, after the first sync of ./sync.ts): at each
// periodic check of a Ready object-store storage, the Repositories and Snapshots another cluster recorded on
// the backend since the last sync are created here, so a disaster-recovery cluster keeps up with the one that
// backs up. What counts as new is decided in ./resync-plan.ts; a record whose object was deleted here on
// purpose is not brought back. A failure to read the backend changes no condition: it is said in an Event
// naming the Repository, the sync is not recorded as completed, and the next check tries again.
import { parse } from 'yaml';
import { KUBESTASH } from '../../api/resource-type.ts';
import { LogMessage, type Log } from '../../common/log.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import { apiMessage, statusCode } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import type { StorageBackend } from '../../storage/backend.ts';
import { snapshotNameFromKey, snapshotsDirKey } from '../../storage/paths.ts';
import type { ResolvedStorage } from '../../storage/types.ts';
import { storageProblem, type BackupStorageObject } from './backend.ts';
import { usesStorage, type RepositoryObject } from './plan.ts';
import {
  decideRecord,
  readSyncState,
  recordTime,
  syncDue,
  syncStart,
  syncStateAnnotations,
  withinMargin,
  type SyncState,
} from './resync-plan.ts';
import { snapshotFromFile } from './snapshot-sync.ts';
import { findRepositoryFiles, repositoryFromFile } from './sync.ts';

const NO_SYNC_YET: SyncState = { at: undefined, recent: new Set() };

/** A record read once: records are written once, so this process never reads the same key twice. */
interface Record {
  text: string;
  time: number | undefined;
}

export interface ResyncInput {
  client: KubeClient;
  backend: StorageBackend;
  storage: ResolvedStorage;
  bs: BackupStorageObject;
  /** The Repositories of this cluster (the shared cache). */
  repositories: () => RepositoryObject[];
  now: Date;
  signal: AbortSignal;
}

export interface ResyncResult {
  created: string[];
  /** What could not be created or read, each naming the object and why. */
  failed: string[];
  /** Whether every Repository's records were read and every write was done (the sync is recorded). */
  complete: boolean;
  /** When this sync started, as the annotation records it. */
  started: Date;
  /** The records seen within the margin of `started`. */
  recent: string[];
}

/**
 * Reads records through a per-process memo per storage object (by uid): a record is written once, so each is
 * read once; the memo keeps only the keys the storage's last sync saw.
 */
export class BackendResync {
  readonly #memo = new Map<string, Map<string, Record>>();

  async #record(
    backend: StorageBackend,
    key: string,
    seen: Map<string, Record>,
    prev: Map<string, Record> | undefined,
  ): Promise<Record> {
    const known = seen.get(key) ?? prev?.get(key);
    if (known) {
      seen.set(key, known);
      return known;
    }
    const text = (await backend.get(key)).toString('utf8');
    let time: number | undefined;
    try {
      time = recordTime(parse(text));
    } catch {
      time = undefined;
    }
    const r = { text, time };
    seen.set(key, r);
    return r;
  }

  /**
   * One continuing sync. Backend requests: the walk that finds repository.yaml files (one delimited listing
   * per directory above the repositories, one HEAD per directory), one LIST of each Repository's
   * `snapshots/` prefix, and one GET per record this process has not read yet. Then, when it completed, the
   * annotations are written by a merge patch conditional on the resourceVersion read.
   */
  async run(i: ResyncInput): Promise<ResyncResult> {
    const started = syncStart(i.now);
    const state = readSyncState(i.bs);
    const out: ResyncResult = { created: [], failed: [], complete: true, started, recent: [] };
    const scope = i.bs.metadata?.uid ?? `${i.bs.metadata?.namespace ?? ''}/${i.bs.metadata?.name ?? ''}`;
    const prev = this.#memo.get(scope);
    const seen = new Map<string, Record>();
    const read = (key: string): Promise<Record> => this.#record(i.backend, key, seen, prev);
    const recent: string[] = [];
    const fresh = new Set<string>(); // Repositories created now: all their Snapshots are new here.
    const fail = (what: string): void => {
      out.failed.push(what);
      out.complete = false;
    };

    try {
      for (const key of await findRepositoryFiles(i.backend, i.storage)) {
        const rec = await read(key);
        const repo = repositoryFromFile(rec.text, i.bs);
        if (typeof repo === 'string') continue; // refused at the first sync already; not a failure
        const ns = repo.metadata?.namespace ?? '';
        const name = repo.metadata?.name ?? '';
        const id = `Repository ${ns}/${name}`;
        if (withinMargin(rec.time, started)) recent.push(id);
        const exists = i
          .repositories()
          .some((r) => r.metadata?.name === name && r.metadata?.namespace === ns);
        if (decideRecord({ id, exists, time: rec.time, state }) !== 'create') continue;
        try {
          await i.client.create(KUBESTASH.repositories, repo, { namespace: ns, signal: i.signal });
          out.created.push(id);
          fresh.add(`${ns}/${name}`);
        } catch (err) {
          if (statusCode(err) !== 409) fail(`${id}: ${apiMessage(err)}`);
        }
      }
    } catch (err) {
      fail(
        `the backend's repository.yaml files could not be read: ${storageProblem(i.bs, i.storage, err).message}`,
      );
    }

    const repos = await this.#repositoriesHere(i, fresh);
    const existing = new Map<string, Set<string>>();
    for (const repo of repos) {
      const ns = repo.metadata?.namespace ?? '';
      const repoId = `Repository ${ns}/${repo.metadata?.name ?? ''}`;
      try {
        let names = existing.get(ns);
        if (!names) {
          const list = await i.client.listAll(KUBESTASH.snapshots, { namespace: ns, signal: i.signal });
          names = new Set(list.items.map((s) => s.metadata?.name ?? ''));
          existing.set(ns, names);
        }
        const isFresh = fresh.has(`${ns}/${repo.metadata?.name ?? ''}`);
        const r = await this.#snapshots(i, repo, names, isFresh ? NO_SYNC_YET : state, started, read);
        recent.push(...r.recent);
        out.created.push(...r.created);
        for (const f of r.failed) fail(f);
      } catch (err) {
        fail(`${repoId}: ${storageProblem(i.bs, i.storage, err).message}`);
      }
    }

    out.recent = recent;
    this.#memo.set(scope, seen);
    return out;
  }

  /** The Repositories on this storage, read from the API server for those created in this run. */
  async #repositoriesHere(i: ResyncInput, fresh: ReadonlySet<string>): Promise<RepositoryObject[]> {
    const cached = i.repositories().filter((r) => usesStorage(r, i.bs));
    const seen = new Set(cached.map((r) => `${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`));
    for (const key of fresh) {
      if (seen.has(key)) continue;
      const [ns = '', name = ''] = key.split('/');
      const live = await i.client.find<RepositoryObject>(KUBESTASH.repositories, name, ns, i.signal);
      if (live && usesStorage(live, i.bs)) cached.push(live);
    }
    return cached;
  }

  /** The missing Snapshots of one Repository that are new (one LIST of its snapshots/ prefix). */
  async #snapshots(
    i: ResyncInput,
    repo: RepositoryObject,
    existing: Set<string>,
    state: SyncState,
    started: Date,
    read: (key: string) => Promise<Record>,
  ): Promise<{ created: string[]; failed: string[]; recent: string[] }> {
    const ns = repo.metadata?.namespace ?? '';
    const path = repo.spec?.path ?? '';
    const r = { created: [] as string[], failed: [] as string[], recent: [] as string[] };
    const keys: string[] = [];
    for await (const key of i.backend.list(snapshotsDirKey(i.storage, path))) keys.push(key);
    for (const key of keys.sort()) {
      const name = snapshotNameFromKey(i.storage, path, key);
      if (name === undefined) continue;
      const id = `Snapshot ${ns}/${name}`;
      const exists = existing.has(name);
      // Read also when its object exists: its time says whether the next sync must remember it was seen.
      const rec = await read(key);
      if (withinMargin(rec.time, started)) r.recent.push(id);
      if (decideRecord({ id, exists, time: rec.time, state }) !== 'create') continue;
      const s = snapshotFromFile(rec.text, name, repo, i.now);
      if (typeof s === 'string') continue; // refused: a foreign or malformed record is not retried
      try {
        await i.client.create(KUBESTASH.snapshots, s.object, { namespace: ns, signal: i.signal });
      } catch (err) {
        if (statusCode(err) !== 409) r.failed.push(`${id}: ${apiMessage(err)}`);
        continue;
      }
      existing.add(name);
      try {
        await i.client.patchStatus(KUBESTASH.snapshots, name, ns, s.status, { signal: i.signal });
        r.created.push(id);
      } catch (err) {
        r.failed.push(`status of ${id}: ${apiMessage(err)}`);
      }
    }
    return r;
  }
}

/**
 * At a periodic check of a Ready object store: runs the sync when it is due (./resync-plan.ts syncDue),
 * reports it, and records it in the storage's annotations once it completed (a merge patch conditional on
 * the resourceVersion read; a 409 leaves it unrecorded, so the next check syncs again). Returns the storage
 * as patched, or as given. A backend that cannot be opened or read changes no condition here.
 */
export async function continueSync(
  resync: BackendResync,
  i: Omit<ResyncInput, 'backend'> & {
    open: <T>(
      fn: (backend: StorageBackend) => Promise<T>,
    ) => Promise<{ value: T } | { problem: { message: string } }>;
    intervalMs: number;
    log?: Log;
  },
): Promise<BackupStorageObject> {
  if (!syncDue(i.bs, i.now, i.intervalMs)) return i.bs;
  const opened = await i.open((backend) => resync.run({ ...i, backend }));
  const nextCheck = `in ${Math.round(i.intervalMs / 1000)} s`;
  const r: ResyncResult =
    'problem' in opened
      ? {
          created: [],
          failed: [`the backend could not be read: ${opened.problem.message}`],
          complete: false,
          started: i.now,
          recent: [],
        }
      : opened.value;
  if (r.failed.length > 0) {
    i.log?.warn(LogMessage.reconcileFailed, {
      kind: 'BackupStorage',
      key: `${i.bs.metadata?.namespace ?? ''}/${i.bs.metadata?.name ?? ''}`,
      reason: 'BackendSyncFailed',
      err: r.failed.join('; '),
    });
  }
  await reportResync(i.client, i.bs, r, nextCheck);
  if (!r.complete) return i.bs;
  try {
    return await i.client.patch<BackupStorageObject>(
      KUBESTASH.backupStorages,
      i.bs.metadata?.name ?? '',
      {
        metadata: {
          annotations: syncStateAnnotations(r.started, r.recent),
          resourceVersion: i.bs.metadata?.resourceVersion,
        },
      },
      { type: 'merge', namespace: i.bs.metadata?.namespace, signal: i.signal },
    );
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
    return i.bs;
  }
}

/** Says what a continuing sync created and what it could not do (a Warning naming each Repository). */
export async function reportResync(
  client: KubeClient,
  bs: BackupStorageObject,
  r: ResyncResult,
  nextCheck: string,
): Promise<void> {
  if (r.created.length > 0) {
    await recordEvent(client, {
      regarding: bs,
      type: EventType.Normal,
      reason: 'BackendSynced',
      action: 'SyncBackend',
      note: `Created from the backend: ${r.created.join(', ')}`,
    });
  }
  if (r.failed.length > 0) {
    await recordEvent(client, {
      regarding: bs,
      type: EventType.Warning,
      reason: 'BackendSyncFailed',
      action: 'SyncBackend',
      note: `Not synced from the backend: ${r.failed.join('; ')}. The next check (${nextCheck}) tries again.`,
    });
  }
}
