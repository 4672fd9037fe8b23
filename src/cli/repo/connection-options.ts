// The flags through which a command run on a workstation reaches the cluster and a Repository's data: the
// kubeconfig and its context, the restic binary, and where a local BackupStorage's volume is on this machine.
// Declared once so `cairn repo …` and the Snapshot commands (`cairn download …`, src/cli/snapshot) say the same.
import type { Command } from 'commander';

/** Adds `--kubeconfig` and `--context` (kubectl's meaning). */
export function kubeconfigOptions(cmd: Command): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context');
}

/** Adds `--restic` and `--local-root`. */
export function resticOptions(cmd: Command): Command {
  return cmd
    .option(
      '--restic <path>',
      "the restic binary (default: restic on PATH, else the one 'make setup' builds)",
    )
    .option(
      '--local-root <dir>',
      'local BackupStorage only: the directory on this machine holding what the backup pods see at spec.storage.local.mountPath',
    );
}
