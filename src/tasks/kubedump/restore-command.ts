// `cairn kubedump restore …`: the container command of the Function `kubedump-restore`. Argv handling only:
// the flags are declared from the table in restore-flags.ts and validated by parseRestoreFlags before
// anything runs; the connection flags (`--kubeconfig`, `--restic`, task-command.ts) are Cairn's own and not
// part of the request.
import type { Command } from 'commander';
import { kubeClient } from '../../kube/connect.ts';
import { RESTORE_FLAGS, parseRestoreFlags, type RestoreRequest } from './restore-flags.ts';
import { runKubedumpRestore } from './restore.ts';
import { addTaskCommand, jsonLineLog, type RunContext } from './task-command.ts';

/** What `kubedump restore` does with a valid request. */
export type RunRestore = (request: RestoreRequest, context: RunContext) => Promise<void>;

/**
 * The Job's run: one JSON line per step on stdout; a restore whose component is not Succeeded (or whose
 * status could not be written) makes the command fail, which fails the Job.
 */
const runRestore: RunRestore = async (request, context) => {
  const outcome = await runKubedumpRestore(request, {
    client: kubeClient(context.kubeconfig !== undefined ? { kubeconfig: context.kubeconfig } : {}),
    log: jsonLineLog,
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
  addTaskCommand(kubedump, {
    name: 'restore',
    description:
      "download the RestoreSession's Snapshot and restore its objects in order, reporting each object's outcome",
    flags: RESTORE_FLAGS,
    parse: parseRestoreFlags,
    run,
  });
}
