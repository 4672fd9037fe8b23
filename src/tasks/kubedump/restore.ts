// `cairn kubedump restore`: read the RestoreSession and choose its Snapshot, mark the `manifest` component
// Running, download the Snapshot's dump tree into `<scratch>/restore/<snapshot>` (wiped first: a restore
// always starts from the snapshot's bytes), restore the objects with the engine (src/restore), write every
// object's result to `<scratch>/restore/results.jsonl`, and report the outcome in
// `RestoreSession.status.components.manifest`. Log lines carry steps, counts and object names, never an
// object's data; every text that reaches a log line, a status or an error passes through the SecretBook
// that holds the credentials read.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { kubedumpFilter } from '../../api/kubedump-filter.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import type { KubeClient } from '../../kube/types.ts';
import { SecretBook } from '../../repository/secret-book.ts';
import type { ResticProcessOptions } from '../../restic/runner.ts';
import { downloadSnapshot, type DownloadProgress } from '../../restore/download.ts';
import { restore as runEngine } from '../../restore/engine.ts';
import { writeResults } from '../../restore/results.ts';
import type { RestoreOptions, RestoreSummary } from '../../restore/types.ts';
import type { LogLine } from './backup.ts';
import type { RestoreRequest } from './restore-flags.ts';
import { chooseSnapshot, dataSourcePassword, readRestoreSession } from './restore-session.ts';
import {
  countsText,
  failureText,
  MANIFEST_COMPONENT,
  restoreFailed,
  restoreFinished,
  restoreRunning,
  type RestoreComponentPatch,
} from './restore-status.ts';

export interface RestoreTaskOptions {
  client: KubeClient;
  log: (line: LogLine) => void;
  /** Where each local BackupStorage is, by `<namespace>/<name>` (the Job's CAIRN_LOCAL_STORAGE_ROOTS). */
  localRoots?: ReadonlyMap<string, string>;
  /** How restic runs (binary); the cache goes under the scratch directory with `--enable-cache`. */
  process?: ResticProcessOptions;
  /** The engine; src/restore/engine.ts's `restore` by default. */
  engine?: (options: RestoreOptions) => Promise<RestoreSummary>;
  /** Writes in flight within one step of the engine (its default when unset). */
  parallelism?: number;
  signal?: AbortSignal;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface RestoreOutcome {
  /** True when the component is Succeeded and its status was written. */
  ok: boolean;
  /** `namespace/name` of the Snapshot restored, once chosen. */
  snapshot?: string;
  summary?: RestoreSummary;
  /** What was written to `status.components.manifest` (or could not be). */
  component: RestoreComponentPatch;
  /** The results file, when it was written. */
  resultsFile?: string;
  /** Set when patching the RestoreSession's status failed. */
  patchError?: string;
}

/** How many failed objects get a log line of their own; the results file has them all. */
const LOGGED_FAILURES = 100;

/**
 * Runs the restore of RestoreSession `request.namespace/request.restoreSession`. Resolves with ok false when
 * the Snapshot could not be chosen or downloaded, the engine failed, any object failed or a status write
 * failed (the component then says Failed and why); throws a SessionInputError when the RestoreSession cannot
 * be read, before anything is written.
 */
export async function runKubedumpRestore(
  request: RestoreRequest,
  opts: RestoreTaskOptions,
): Promise<RestoreOutcome> {
  const { client, log } = opts;
  const now = opts.now ?? (() => new Date());
  const started = now().getTime();
  const elapsed = (): number => now().getTime() - started;
  const session = await readRestoreSession(client, request.namespace, request.restoreSession, opts.signal);
  const book = new SecretBook();
  const sessionName = `${request.namespace}/${request.restoreSession}`;
  /** Writes the component; resolves with why it could not, redacted. */
  const report = async (component: RestoreComponentPatch): Promise<string | undefined> => {
    try {
      await client.patchStatus(
        KUBESTASH.restoreSessions,
        request.restoreSession,
        request.namespace,
        { components: { [MANIFEST_COMPONENT]: component } },
        opts.signal ? { signal: opts.signal } : {},
      );
      return undefined;
    } catch (err) {
      return book.redact(`could not write the status of RestoreSession ${sessionName}: ${message(err)}`);
    }
  };
  const finish = async (
    component: RestoreComponentPatch,
    rest: Omit<RestoreOutcome, 'ok' | 'component'>,
  ): Promise<RestoreOutcome> => {
    const patchError = await report(component);
    log({
      msg: 'component reported',
      restoreSession: sessionName,
      phase: component.phase,
      duration: component.duration,
      ...(component.error ? { error: component.error } : {}),
      ...(patchError ? { patchError } : {}),
    });
    return {
      ok: component.phase === 'Succeeded' && patchError === undefined,
      component,
      ...rest,
      ...(patchError ? { patchError } : {}),
    };
  };

  log({ msg: 'restore started', restoreSession: sessionName });
  const runningError = await report(restoreRunning());
  if (runningError) log({ msg: 'status not written', error: runningError });

  let step = 'choose the Snapshot';
  let snapshot: string | undefined;
  try {
    const choice = await chooseSnapshot(client, session, request.snapshot, opts.signal);
    snapshot = `${choice.namespace}/${choice.name}`;
    log({ msg: 'snapshot chosen', snapshot, by: choice.by });

    step = `download Snapshot ${snapshot}`;
    const scratch = join(request.scratchDir, 'restore');
    const target = join(scratch, choice.name);
    await rm(target, { recursive: true, force: true });
    const password = await dataSourcePassword(client, session, book);
    let lastTenth = -1;
    const downloaded = await downloadSnapshot({
      client,
      namespace: choice.namespace,
      snapshot: choice.name,
      target,
      components: [MANIFEST_COMPONENT],
      book,
      ...(password ? { password } : {}),
      ...(opts.localRoots ? { localRoots: opts.localRoots } : {}),
      process: {
        ...opts.process,
        ...(request.enableCache ? { cacheDir: join(request.scratchDir, 'restic-cache') } : {}),
      },
      ...(opts.signal ? { signal: opts.signal } : {}),
      onProgress: (p: DownloadProgress) => {
        const tenth = Math.floor(p.status.percentDone * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        log({ msg: 'download progress', component: p.component, ...p.status });
      },
    });
    const tree = downloaded.components[0]?.trees[0];
    const root = tree?.root ?? target;
    const totals = downloaded.components.flatMap((c) => c.restic);
    log({
      msg: 'download finished',
      snapshot,
      repository: `${downloaded.namespace}/${downloaded.repository}`,
      resticSnapshot: tree?.id,
      root,
      files: totals.reduce((n, s) => n + s.filesRestored, 0),
      bytes: totals.reduce((n, s) => n + s.bytesRestored, 0),
    });

    step = `restore the objects of Snapshot ${snapshot}`;
    let failuresLogged = 0;
    const summary = await (opts.engine ?? runEngine)({
      client,
      root,
      filter: kubedumpFilter(request.filter),
      overrideResources: request.overrideResources,
      restorePVs: request.restorePVs,
      storageClassMappings: request.storageClassMappings,
      namespaceMappings: request.namespaceMappings,
      ...(request.maxIterations !== undefined ? { maxIterations: request.maxIterations } : {}),
      ...(opts.parallelism !== undefined ? { parallelism: opts.parallelism } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onResult: (r) => {
        if (r.outcome !== 'failed' || failuresLogged >= LOGGED_FAILURES) return;
        failuresLogged++;
        log({ msg: 'object failed', object: book.redact(failureText(r)) });
      },
    });
    log({
      msg: 'restore finished',
      snapshot,
      ...summary.counts,
      counts: countsText(summary.counts),
      objects: summary.results.length,
      passes: summary.passes,
      ms: summary.durationMs,
    });

    step = 'write the results file';
    const resultsFile = join(scratch, 'results.jsonl');
    let resultsError: string | undefined;
    try {
      await writeResults(resultsFile, summary);
      log({ msg: 'results written', file: resultsFile, objects: summary.results.length });
    } catch (err) {
      resultsError = book.redact(`could not write the results file ${resultsFile}: ${message(err)}`);
    }
    const component = restoreFinished({
      counts: summary.counts,
      results: summary.results,
      durationMs: elapsed(),
      ...(resultsError === undefined ? { resultsFile } : { resultsError }),
    });
    if (typeof component.error === 'string') component.error = book.redact(component.error);
    return await finish(component, {
      snapshot,
      summary,
      ...(resultsError === undefined ? { resultsFile } : {}),
    });
  } catch (err) {
    const text = book.redact(`RestoreSession ${sessionName}: ${step} failed: ${message(err)}`);
    return finish(restoreFailed(elapsed(), text), snapshot ? { snapshot } : {});
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
