// `cairn snapshot cleanup …`: the command of the Job a Snapshot's finalizer runs when the Snapshot is
// deleted with deletionPolicy WipeOut. Argv handling and output only; the work is cleanup.ts.
import { Command, Option } from 'commander';
import { LOCAL_STORAGE_ROOTS_ENV, parseLocalStorageRoots } from '../../api/local-storage-roots.ts';
import { kubeClient } from '../../kube/connect.ts';
import { runSnapshotCleanup, type LogLine } from './cleanup.ts';

interface Flags {
  namespace: string;
  snapshot: string;
  kubeconfig?: string;
  restic?: string;
  localRoot?: string;
}

export function registerSnapshotCommands(program: Command): void {
  const snapshot = new Command('snapshot').description(
    'work on the data of one Snapshot (the commands of the Jobs its finalizer runs)',
  );
  program.addCommand(snapshot);
  snapshot
    .command('cleanup')
    .description(
      "remove a Snapshot's restic snapshots (forget --prune) and its record in the backend (WipeOut)",
    )
    .addOption(new Option('--namespace <namespace>', "the Snapshot's namespace").makeOptionMandatory())
    .addOption(new Option('--snapshot <name>', 'the Snapshot').makeOptionMandatory())
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)')
    .option('--restic <path>', 'the restic binary (default: restic on PATH)')
    .option(
      '--local-root <dir>',
      `local storages: where the storage's volume is mounted (default: as ${LOCAL_STORAGE_ROOTS_ENV} says, else its mountPath)`,
    )
    .action(async (flags: Flags) => {
      const log = (line: LogLine): void => {
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
      };
      const outcome = await runSnapshotCleanup(
        { namespace: flags.namespace, snapshot: flags.snapshot },
        {
          client: kubeClient(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
          log,
          ...(flags.localRoot !== undefined ? { localRoot: flags.localRoot } : {}),
          localRoots: parseLocalStorageRoots(process.env[LOCAL_STORAGE_ROOTS_ENV]),
          ...(flags.restic !== undefined ? { process: { binary: flags.restic } } : {}),
        },
      );
      log({ msg: 'cleanup finished', ...outcome });
    });
}
