// `cairn describe|trigger|pause|resume <backupconfiguration>`: the everyday commands on a
// BackupConfiguration, named and behaving as KubeStash's `kubectl kubestash trigger|pause|resume` (API
// reference §8), with kubectl's `-n`, `--kubeconfig` and `--context`. Argv handling and reads here; the
// decisions in sessions.ts, the rendering in describe-view.ts.
import type { Command } from 'commander';
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { BackupSession } from '../../api/kinds/backupsession.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { q } from '../../common/json.ts';
import { kubeClient } from '../../kube/connect.ts';
import { errorClass } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { backupSessionFor } from '../../tasks/trigger-backup/session.ts';
import { stringify } from 'yaml';
import { describeView, type Described } from './describe-view.ts';
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

/** The configuration, its runs, Repositories and Snapshots, as text (describe-view.ts) or as a List. */
async function describe(name: string, flags: KubeFlags & { output: string; runs: string }): Promise<void> {
  const format = flags.output;
  if (!['text', 'yaml', 'json'].includes(format))
    throw new CliInputError(`-o ${format} is not a format: use text, yaml or json`);
  const runs = Number(flags.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new CliInputError(`--runs ${flags.runs}: give a whole number ≥ 1`);
  const client = connect(flags);
  const ns = client.namespace;
  const bc = (await read(client, name)) as unknown as Described;
  const sessions = (
    await client.listAll<Described>(KUBESTASH.backupSessions, { namespace: ns })
  ).items.filter((s) => (s.spec?.invoker as { name?: string } | undefined)?.name === name);
  const runNames = new Set(sessions.map((s) => s.metadata?.name));
  const snapshots = (await client.listAll<Described>(KUBESTASH.snapshots, { namespace: ns })).items.filter(
    (s) => runNames.has(typeof s.spec?.backupSession === 'string' ? s.spec.backupSession : undefined),
  );
  const repoNames = new Set(
    ((bc.spec?.sessions ?? []) as { repositories?: { name: string }[] }[]).flatMap((s) =>
      (s.repositories ?? []).map((r) => r.name),
    ),
  );
  const repositories: Described[] = [];
  for (const r of repoNames) {
    const found = await client.find<Described>(KUBESTASH.repositories, r, ns);
    if (found) repositories.push(found);
  }
  if (format === 'text') {
    process.stdout.write(
      describeView({ configuration: bc, sessions, repositories, snapshots, now: new Date(), runs }),
    );
    return;
  }
  const list = { apiVersion: 'v1', kind: 'List', items: [bc, ...repositories, ...sessions, ...snapshots] };
  process.stdout.write(format === 'json' ? `${JSON.stringify(list, null, 2)}\n` : stringify(list));
}

export function registerBackupConfigurationCommands(program: Command): void {
  kubeOptions(program.command('describe'))
    .description(
      'show a BackupConfiguration at a glance: backends, sessions, Repositories and the newest runs',
    )
    .option('-o, --output <format>', 'text, yaml or json (the objects as a List)', 'text')
    .option('--runs <n>', 'how many runs to list, newest first', '10')
    .action((name: string, flags: KubeFlags & { output: string; runs: string }) => describe(name, flags));
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
