// `cairn kubedump restore …`: the container command of the Function `kubedump-restore`. Argv handling only:
// the flags are declared from the table in restore-flags.ts and validated by parseRestoreFlags before
// anything runs; the connection flags (`--kubeconfig`, `--restic`) are Cairn's own and not part of the
// request.
import { Option, type Command } from 'commander';
import { LOCAL_STORAGE_ROOTS_ENV, parseLocalStorageRoots } from '../../api/local-storage-roots.ts';
import { kubeClient } from '../../kube/connect.ts';
import type { LogLine } from './backup.ts';
import type { RunContext } from './command.ts';
import type { FlagSpec, FlagValues } from './flags.ts';
import { RESTORE_FLAGS, parseRestoreFlags, type RestoreRequest } from './restore-flags.ts';
import { runKubedumpRestore } from './restore.ts';

/** What `kubedump restore` does with a valid request. */
export type RunRestore = (request: RestoreRequest, context: RunContext) => Promise<void>;

const OWN_FLAGS = new Set(['kubeconfig', 'restic']);

/**
 * The Job's run: one JSON line per step on stdout; a restore whose component is not Succeeded (or whose
 * status could not be written) makes the command fail, which fails the Job.
 */
const runRestore: RunRestore = async (request, context) => {
  const log = (line: LogLine): void => {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
  };
  const outcome = await runKubedumpRestore(request, {
    client: kubeClient(context.kubeconfig !== undefined ? { kubeconfig: context.kubeconfig } : {}),
    log,
    ...(context.localRoots ? { localRoots: context.localRoots } : {}),
    ...(context.restic !== undefined ? { process: { binary: context.restic } } : {}),
  });
  if (!outcome.ok) {
    throw new Error(
      `kubedump restore of RestoreSession ${request.namespace}/${request.restoreSession} failed: ${outcome.patchError ?? String(outcome.component.error)}`,
    );
  }
};

/**
 * Registers `restore` on the `kubedump` command. A malformed flag value fails before the run starts, with a
 * message naming the flag and showing a valid value; an unknown flag is refused by the parser.
 */
export function registerKubedumpRestore(kubedump: Command, run: RunRestore = runRestore): void {
  const restore = kubedump
    .command('restore')
    .description(
      "download the RestoreSession's Snapshot and restore its objects in order, reporting each object's outcome",
    );
  for (const spec of RESTORE_FLAGS) restore.addOption(option(spec));
  restore.option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)');
  restore.option('--restic <path>', 'the restic binary (default: restic on PATH)');
  restore.action(async (opts: { kubeconfig?: string; restic?: string }, cmd: Command) => {
    const request = parseRestoreFlags(flagValues(cmd));
    await run(request, {
      ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.restic !== undefined ? { restic: opts.restic } : {}),
      localRoots: parseLocalStorageRoots(process.env[LOCAL_STORAGE_ROOTS_ENV]),
    });
  });
}

function option(spec: FlagSpec): Option {
  const value = spec.kind === 'boolean' ? '[bool]' : '<value>';
  return new Option(`--${spec.name} ${value}`, spec.description);
}

/** The values commander parsed, by flag name; flags not given are absent. */
function flagValues(cmd: Command): FlagValues {
  const values: Record<string, string | boolean> = {};
  for (const o of cmd.options) {
    if (OWN_FLAGS.has(o.attributeName())) continue;
    const v: unknown = cmd.getOptionValue(o.attributeName());
    if (typeof v === 'string' || typeof v === 'boolean') values[o.long?.slice(2) ?? o.name()] = v;
  }
  return values;
}
