// `cairn trigger|pause|resume <backupconfiguration>`: the everyday commands on a BackupConfiguration, named
// and behaving as KubeStash's `kubectl kubestash trigger|pause|resume` (API reference §8), with kubectl's
// `-n`, `--kubeconfig` and `--context`. Argv handling and output here; the decisions in sessions.ts.
import type { Command } from 'commander';
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { BackupSession } from '../../api/kinds/backupsession.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { q } from '../../common/json.ts';
import { kubeClient } from '../../kube/connect.ts';
import { errorClass } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { backupSessionFor } from '../../tasks/trigger-backup/session.ts';
import { CliInputError, selectSessions } from './sessions.ts';

interface KubeFlags {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

function kubeOptions(cmd: Command): Command {
  return cmd
    .argument('<backupconfiguration>', 'the BackupConfiguration (core.kubestash.com)')
    .option('-n, --namespace <namespace>', "its namespace (default: the kubeconfig context's, else default)")
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context');
}

function connect(flags: KubeFlags): KubeClient {
  return kubeClient({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
  });
}

async function read(client: KubeClient, name: string): Promise<BackupConfiguration> {
  const bc = await client.find<BackupConfiguration>(KUBESTASH.backupConfigurations, name, client.namespace);
  if (!bc) {
    throw new CliInputError(
      `BackupConfiguration ${q(`${client.namespace}/${name}`)} not found: check the name and the namespace (-n)`,
    );
  }
  return bc;
}

/** Creates one BackupSession per selected session, with no retries (a run asked for by hand). */
async function trigger(name: string, flags: KubeFlags & { sessions?: string }): Promise<void> {
  const client = connect(flags);
  const bc = await read(client, name);
  if (bc.spec.paused) {
    throw new CliInputError(
      `BackupConfiguration ${q(`${client.namespace}/${name}`)} is paused: its runs would be skipped; resume it first (cairn resume ${name})`,
    );
  }
  const now = new Date();
  for (const session of selectSessions(bc, flags.sessions)) {
    const body = backupSessionFor(bc, session, now) as BackupSession & KubeObject;
    body.spec.retryLeft = 0;
    try {
      await client.create(KUBESTASH.backupSessions, body, { namespace: client.namespace });
    } catch (err) {
      if (errorClass(err) !== 'conflict') throw err;
      throw new CliInputError(
        `BackupSession ${q(`${client.namespace}/${body.metadata.name ?? ''}`)} already exists (session ${q(session)} was triggered in this second): run again`,
        { cause: err },
      );
    }
    process.stdout.write(`backupsession/${body.metadata.name ?? ''} created (session ${session})\n`);
  }
}

/** Sets `spec.paused`: the trigger CronJobs are suspended or resumed by the operator. */
async function setPaused(name: string, flags: KubeFlags, paused: boolean): Promise<void> {
  const client = connect(flags);
  const bc = await read(client, name);
  if ((bc.spec.paused ?? false) !== paused) {
    await client.patch(
      KUBESTASH.backupConfigurations,
      name,
      { spec: { paused } },
      { type: 'merge', namespace: client.namespace },
    );
  }
  process.stdout.write(`backupconfiguration/${name} ${paused ? 'paused' : 'resumed'}\n`);
}

export function registerBackupConfigurationCommands(program: Command): void {
  kubeOptions(program.command('trigger'))
    .description(
      'create a BackupSession now for each session of a BackupConfiguration (or those of --sessions)',
    )
    .option('--sessions <names>', 'only these sessions, comma-separated')
    .action((name: string, flags: KubeFlags & { sessions?: string }) => trigger(name, flags));
  kubeOptions(program.command('pause'))
    .description('pause the scheduled backups of a BackupConfiguration (spec.paused: true)')
    .action((name: string, flags: KubeFlags) => setPaused(name, flags, true));
  kubeOptions(program.command('resume'))
    .description('resume the scheduled backups of a paused BackupConfiguration')
    .action((name: string, flags: KubeFlags) => setPaused(name, flags, false));
}
