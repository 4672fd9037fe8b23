// `cairn kubedump backup`: read the BackupSession and its Snapshots, dump the selected objects into the
// scratch directory's stable dump tree (kept across runs, so restic re-reads only what changed), then upload
// the tree to the `manifest` component repository of every Snapshot's Repository and report each upload in
// `Snapshot.status.components.manifest`. Every text that reaches a log line, a status or an error passes
// through the SecretBook that holds the credentials read.
import { KUBESTASH } from '../../api/resource-type.ts';
import { dump, type DumpProgress, type DumpResult } from '../../dump/dump.ts';
import { errorClass } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import { openComponentRepositories } from '../../repository/open.ts';
import { RepositoryObjects } from '../../repository/objects.ts';
import { resolveRepository } from '../../repository/resolve.ts';
import { SecretBook } from '../../repository/secret-book.ts';
import type { ResticProcessOptions } from '../../restic/runner.ts';
import {
  componentAfterUpload,
  componentFailed,
  componentPath,
  MANIFEST_COMPONENT,
  type ComponentStatusPatch,
} from './backup-status.ts';
import type { DumpRequest } from './flags.ts';
import { podGone } from './host-gone.ts';
import { planDump } from './plan.ts';
import { readBackupSession, SessionInputError } from './session.ts';

/** One structured line of the Job log: a message and its fields (no secret ever reaches one). */
export type LogLine = { msg: string } & Record<string, unknown>;

export interface BackupTaskOptions {
  client: KubeClient;
  log: (line: LogLine) => void;
  /** Local storages only: where the volume is in this process (default its `mountPath`, as in a Job). */
  localRoot?: string;
  /** Where each local BackupStorage is, by `<namespace>/<name>` (the Job's CAIRN_LOCAL_STORAGE_ROOTS). */
  localRoots?: ReadonlyMap<string, string>;
  /** How restic runs (binary, cache); the cache goes under the scratch directory with `--enable-cache`. */
  process?: ResticProcessOptions;
  /** The restic snapshot host; KubeStash's `host-0` by default, so each run's parent is the previous one. */
  host?: string;
  signal?: AbortSignal;
  /** Clock, for tests. */
  now?: () => Date;
}

/** The outcome for one Snapshot: the component status written (or that could not be written). */
export interface SnapshotOutcome {
  snapshot: string;
  namespace: string;
  repository: string;
  component: ComponentStatusPatch;
  /** Set when patching the Snapshot's status itself failed. */
  patchError?: string;
}

export interface BackupOutcome {
  ok: boolean;
  dump?: DumpResult;
  snapshots: SnapshotOutcome[];
}

/** What the task reads of a Snapshot. */
interface SnapshotObject {
  metadata: { name: string; namespace: string };
  spec?: { repository?: string; session?: string; backupSession?: string; version?: string };
}

/**
 * Runs the backup of BackupSession `request.namespace/request.backupSession`. Resolves with ok false when the
 * dump or any upload failed (each Snapshot's component then says Failed and why); throws a SessionInputError
 * when the session, its invoker or its Snapshots cannot be read, before anything is written.
 */
export async function runKubedumpBackup(
  request: DumpRequest,
  opts: BackupTaskOptions,
): Promise<BackupOutcome> {
  const { client, log } = opts;
  const now = opts.now ?? (() => new Date());
  const { namespace, backupSession } = request;
  const session = await readBackupSession(client, namespace, backupSession, opts.signal);
  const snapshots = await sessionSnapshots(client, namespace, backupSession, opts.signal);
  const plan = planDump({ request, target: session.target, invokerNamespace: namespace });
  for (const ignored of plan.ignored) log({ msg: 'ignored', input: ignored });
  const sessionName = session.backupSession.spec.session;
  log({
    msg: 'backup started',
    backupSession: `${namespace}/${backupSession}`,
    snapshots: snapshots.map((s) => `${s.metadata.namespace}/${s.metadata.name}`),
    scope: plan.scope.kind,
    dumpDir: plan.dumpDir,
  });

  const started = now();
  let dumped: DumpResult | undefined;
  let dumpError: string | undefined;
  if (plan.dumpScope === undefined) {
    dumpError = `the ${plan.scope.kind} scope of this request cannot be dumped`;
  } else {
    let lastTypesDone = -1;
    try {
      dumped = await dump({
        client,
        dir: plan.dumpDir,
        scope: plan.dumpScope,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (p: DumpProgress) => {
          if (p.typesDone === lastTypesDone) return;
          lastTypesDone = p.typesDone;
          log({ msg: 'dump progress', ...p });
        },
      });
      log({
        msg: 'dump finished',
        objects: dumped.objects,
        types: dumped.types,
        files: dumped.files,
        skipped: dumped.skipped.map((s) => s.type),
        unavailable: dumped.unavailable.map((u) => u.groupVersion),
        ms: Math.round(dumped.times.total),
      });
    } catch (err) {
      dumpError = `dump of the objects failed: ${message(err)}`;
    }
  }

  const outcomes: SnapshotOutcome[] = [];
  for (const snapshot of snapshots) {
    const path = componentPath(snapshot.spec?.version, snapshot.spec?.session ?? sessionName);
    const repository = snapshot.spec?.repository ?? '';
    const book = new SecretBook();
    let component: ComponentStatusPatch;
    if (dumpError !== undefined) {
      component = componentFailed(path, now().getTime() - started.getTime(), book.redact(dumpError));
    } else {
      component = await upload(snapshot, path, plan.dumpDir, book, opts, now);
    }
    const outcome: SnapshotOutcome = {
      snapshot: snapshot.metadata.name,
      namespace: snapshot.metadata.namespace,
      repository,
      component,
    };
    try {
      await client.patchStatus(
        KUBESTASH.snapshots,
        snapshot.metadata.name,
        snapshot.metadata.namespace,
        { components: { [MANIFEST_COMPONENT]: component } },
        opts.signal ? { signal: opts.signal } : {},
      );
    } catch (err) {
      outcome.patchError = book.redact(
        `could not write the status of Snapshot ${snapshot.metadata.namespace}/${snapshot.metadata.name}: ${message(err)}`,
      );
    }
    log({
      msg: 'component reported',
      snapshot: `${outcome.namespace}/${outcome.snapshot}`,
      repository,
      phase: component.phase,
      ...(component.error ? { error: component.error } : {}),
      ...(outcome.patchError ? { patchError: outcome.patchError } : {}),
      ...(component.resticStats ? { resticStats: component.resticStats } : {}),
    });
    outcomes.push(outcome);
  }
  const ok = outcomes.every((o) => o.component.phase === 'Succeeded' && o.patchError === undefined);
  return { ok, ...(dumped ? { dump: dumped } : {}), snapshots: outcomes };
}

/**
 * Uploads the dump tree to one Snapshot's component repository: open (init when missing), remove stale
 * locks, back up, check, stats. Never throws: a failure is a Failed component naming the step and the
 * Repository, with every credential of that Repository redacted.
 */
async function upload(
  snapshot: SnapshotObject,
  path: string,
  dumpDir: string,
  book: SecretBook,
  opts: BackupTaskOptions,
  now: () => Date,
): Promise<ComponentStatusPatch> {
  const key = { namespace: snapshot.metadata.namespace, name: snapshot.spec?.repository ?? '' };
  const t0 = now();
  let step = 'read the Repository, its BackupStorage and Secrets';
  const call = opts.signal ? { signal: opts.signal } : {};
  try {
    if (!key.name) throw new SessionInputError('the Snapshot names no spec.repository');
    const resolved = await resolveRepository(new RepositoryObjects(opts.client), key, book);
    step = 'prepare restic';
    const repos = await openComponentRepositories(resolved, book, {
      ...(opts.localRoot !== undefined ? { localRoot: opts.localRoot } : {}),
      ...(opts.localRoots ? { localRoots: opts.localRoots } : {}),
      ...(opts.process ? { process: opts.process } : {}),
      lockWait: '5m',
    });
    try {
      step = `open the component repository ${path}`;
      const repo = await repos.open(path);
      step = `initialise the component repository ${path}`;
      const init = await repo.init({}, call);
      opts.log({
        msg: 'repository ready',
        repository: `${key.namespace}/${key.name}`,
        path,
        created: init.created,
      });
      step = `remove stale locks of ${path}`;
      const isHostGone = (host: string, lock: { time: string }): Promise<boolean> =>
        podGone(opts.client, key.namespace, host, lock.time);
      const cleaned = await repos.withLockDeleter(path, (deleter) =>
        repo.cleanupLocks({ isHostGone }, deleter, call),
      );
      if (cleaned.removed.length > 0) opts.log({ msg: 'stale locks removed', path, locks: cleaned.removed });
      step = `restic backup of ${dumpDir} to ${path}`;
      const startTime = now();
      const backup = await repo.backup({ paths: [dumpDir], host: opts.host ?? 'host-0' }, call);
      const endTime = now();
      step = `restic check of ${path}`;
      const check = await repo.check({}, call);
      step = `restic stats of ${path}`;
      const stats = await repo.stats({ mode: 'raw-data' }, call);
      return componentAfterUpload({
        path,
        durationMs: now().getTime() - t0.getTime(),
        backup,
        check,
        stats,
        hostPath: dumpDir,
        startTime,
        endTime,
      });
    } finally {
      await repos.close();
    }
  } catch (err) {
    const text = book.redact(`Repository ${key.namespace}/${key.name}: ${step} failed: ${message(err)}`);
    return componentFailed(path, now().getTime() - t0.getTime(), text);
  }
}

/**
 * The Snapshots of the BackupSession: those of its namespace whose `spec.backupSession` names it (the
 * operator creates one per repository before the Job starts). None is a SessionInputError.
 */
async function sessionSnapshots(
  client: KubeClient,
  namespace: string,
  backupSession: string,
  signal: AbortSignal | undefined,
): Promise<SnapshotObject[]> {
  let items: SnapshotObject[];
  try {
    items = (
      await client.listAll<SnapshotObject>(KUBESTASH.snapshots, { namespace, ...(signal ? { signal } : {}) })
    ).items;
  } catch (err) {
    if (errorClass(err) === 'forbidden') {
      throw new SessionInputError(
        `the Job's ServiceAccount may not list Snapshots in ${namespace}: grant it list on snapshots.storage.kubestash.com`,
        { cause: err },
      );
    }
    throw err;
  }
  const mine = items
    .filter((s) => s.spec?.backupSession === backupSession)
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  if (mine.length === 0) {
    throw new SessionInputError(
      `BackupSession ${namespace}/${backupSession} has no Snapshot yet: the operator creates one per repository before the backup Job runs`,
    );
  }
  return mine;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
