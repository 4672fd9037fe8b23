// `cairn kubedump backup …`: the container command of the Function `kubedump-backup`. Argv handling only: the
// flags are declared from the table in flags.ts and validated by parseDumpFlags before anything runs; the
// connection flags (`--kubeconfig`, `--restic`, task-command.ts) are Cairn's own and not part of the request.
import { Command } from 'commander';
import { kubeClient } from '../../kube/connect.ts';
import { runKubedumpBackup } from './backup.ts';
import { DUMP_FLAGS, parseDumpFlags } from './flags.ts';
import { terminalLog } from './progress-bar.ts';
import { registerKubedumpRestore, type RunRestore } from './restore-command.ts';
import type { DumpRequest } from './flags.ts';
import { addTaskCommand, jsonLineLog, type RunContext } from './task-command.ts';

/** What `kubedump backup` does with a valid request. */
export type RunDump = (request: DumpRequest, context: RunContext) => Promise<void>;

export interface KubedumpCommandOptions {
  /** Runs the backup; by default the dump and upload of backup.ts, logging JSON lines to stdout. */
  run?: RunDump;
  /** Runs the restore; by default restore.ts's, logging JSON lines to stdout. */
  restore?: RunRestore;
}

/**
 * The Job's run: one JSON line per event on stdout (on a terminal, the dump's progress as a bar instead); a
 * failed component makes the command fail.
 */
const runBackup: RunDump = async (request, context) => {
  const log = process.stdout.isTTY ? terminalLog((text) => process.stdout.write(text)) : jsonLineLog;
  const outcome = await runKubedumpBackup(request, {
    client: kubeClient(context.kubeconfig !== undefined ? { kubeconfig: context.kubeconfig } : {}),
    log,
    ...(context.localRoots ? { localRoots: context.localRoots } : {}),
    process: {
      ...(context.restic !== undefined ? { binary: context.restic } : {}),
      ...(request.enableCache ? { cacheDir: `${request.scratchDir.replace(/\/$/, '')}/restic-cache` } : {}),
    },
  });
  if (!outcome.ok) {
    const failed = outcome.snapshots
      .filter((s) => s.component.phase !== 'Succeeded' || s.patchError !== undefined)
      .map((s) => `${s.namespace}/${s.snapshot}: ${s.patchError ?? String(s.component.error)}`);
    throw new Error(`kubedump backup failed for ${failed.length} Snapshot(s): ${failed.join('; ')}`);
  }
};

/**
 * Registers `kubedump backup` and `kubedump restore` (restore-command.ts) on `program` (task-command.ts). A
 * malformed flag value fails before the run starts, with a message naming the flag and showing a valid value;
 * an unknown flag is refused by the parser.
 */
export function registerKubedumpCommands(program: Command, options: KubedumpCommandOptions = {}): void {
  const run = options.run ?? runBackup;
  const kubedump = new Command('kubedump').description(
    "back up and restore Kubernetes manifests (the commands of KubeStash's kubedump Functions)",
  );
  program.addCommand(kubedump);
  addTaskCommand(kubedump, {
    name: 'backup',
    description:
      'dump the selected objects as YAML and back the tree up with restic to every repository of the BackupSession',
    flags: DUMP_FLAGS,
    parse: parseDumpFlags,
    run,
  });
  registerKubedumpRestore(kubedump, options.restore);
}
