// `cairn trigger-backup …`: the command of the trigger CronJob of a BackupConfiguration session (its args are
// `triggerBackupArgs` of src/api/backup-names.ts). Argv handling and output only; the work is trigger.ts.
import type { Command } from 'commander';
import { Option } from 'commander';
import { kubeClient } from '../../kube/connect.ts';
import { triggerBackup } from './trigger.ts';

interface Flags {
  invokerName: string;
  invokerKind: string;
  sessionName: string;
  namespace?: string;
  kubeconfig?: string;
}

export function registerTriggerBackupCommand(program: Command): void {
  program
    .command('trigger-backup')
    .description(
      'create a BackupSession for one session of a BackupConfiguration (the trigger CronJob runs this)',
    )
    .addOption(new Option('--invoker-name <name>', 'the BackupConfiguration').makeOptionMandatory())
    .addOption(new Option('--invoker-kind <kind>', 'the invoker kind').default('BackupConfiguration'))
    .addOption(
      new Option('--session-name <name>', 'the session of the BackupConfiguration').makeOptionMandatory(),
    )
    .option(
      '-n, --namespace <namespace>',
      "the BackupConfiguration's namespace (default: the pod's or the context's)",
    )
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)')
    .action(async (flags: Flags) => {
      const client = kubeClient({
        ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
        ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
      });
      const outcome = await triggerBackup(client, flags.namespace ?? client.namespace, {
        invokerKind: flags.invokerKind,
        invokerName: flags.invokerName,
        session: flags.sessionName,
      });
      if (outcome.triggered) {
        const m = outcome.backupSession.metadata;
        process.stdout.write(`BackupSession ${m.namespace ?? ''}/${m.name ?? ''} created\n`);
      } else {
        process.stdout.write(`not triggered: ${outcome.reason}\n`);
      }
    });
}
