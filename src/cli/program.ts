// The command table of `cairn`. Every command is listed here by name and one-line description, which is all
// `cairn --help` needs; the module that implements a command (and declares its flags and subcommands) is
// imported only when that command, or its help, is asked for. So `cairn version` loads commander and
// nothing else of note, and no command pays for the Kubernetes client or the object-store SDKs of another.
import { Command, Help } from 'commander';
import { registerDebugCommands } from './debug.ts';
import { cairnVersion } from '../common/version.ts';

/** Declares a module's commands, with their flags and actions, on the program. */
type Register = (program: Command) => void;

/** A top-level command as `cairn --help` lists it. */
interface Listing {
  name: string;
  /** The left column of `cairn --help` (name, `[options]`, arguments), as the module's declaration renders it. */
  term: string;
  description: string;
}

/** One module and the top-level commands it registers. */
interface LazyModule {
  load: () => Promise<Register>;
  commands: Listing[];
}

/**
 * In the order `cairn --help` lists them. The terms and descriptions repeat what the modules declare; a unit
 * test compares `cairn --help` with the help of a program that loaded every module, so they cannot drift.
 */
const MODULES: LazyModule[] = [
  {
    load: async () => (await import('./devcluster.ts')).registerDevClusterCommands,
    commands: [
      {
        name: 'up',
        term: 'up [options]',
        description:
          'run a local dev cluster (etcd, kube-apiserver, kube-controller-manager) with the local pod runner, until interrupted',
      },
      {
        name: 'down',
        term: 'down [options]',
        description: "stop the dev cluster that 'cairn up' runs on a directory",
      },
      {
        name: 'logs',
        term: 'logs [options] <pod>',
        description: 'print the output of a container that the local pod runner ran',
      },
    ],
  },
  {
    load: async () => (await import('./operator.ts')).registerOperatorCommand,
    commands: [
      {
        name: 'operator',
        term: 'operator [options]',
        description:
          'run the Cairn operator: admission webhooks (HTTPS) and probes/metrics (HTTP), until SIGTERM',
      },
    ],
  },
  {
    load: async () => (await import('./backup/commands.ts')).registerBackupConfigurationCommands,
    commands: [
      {
        name: 'describe',
        term: 'describe [options] <backupconfiguration>',
        description:
          'show a BackupConfiguration at a glance: backends, sessions, Repositories and the newest runs',
      },
      {
        name: 'trigger',
        term: 'trigger [options] <backupconfiguration>',
        description:
          'create a BackupSession now for each session of a BackupConfiguration (or those of --sessions)',
      },
      {
        name: 'pause',
        term: 'pause [options] <backupconfiguration>',
        description: 'pause the scheduled backups of a BackupConfiguration (spec.paused: true)',
      },
      {
        name: 'resume',
        term: 'resume [options] <backupconfiguration>',
        description: 'resume the scheduled backups of a paused BackupConfiguration',
      },
    ],
  },
  {
    load: async () => (await import('./snapshot/commands.ts')).registerSnapshotDataCommands,
    commands: [
      {
        name: 'download',
        term: 'download [options] <snapshot>',
        description: "download a Snapshot's components onto this machine (restic runs here)",
      },
      {
        name: 'manifest-view',
        term: 'manifest-view [options]',
        description:
          'show the objects a manifest Snapshot holds, as a tree of type, namespace and name, with counts',
      },
      {
        name: 'manifest-restore',
        term: 'manifest-restore [options]',
        description:
          'restore the objects of a manifest Snapshot into the cluster, from this machine (or a dry run)',
      },
    ],
  },
  {
    load: async () => (await import('./repo.ts')).registerRepoCommands,
    commands: [
      {
        name: 'repo',
        term: 'repo',
        description:
          'inspect and repair the restic repositories of a Repository (as kubectl kubestash unlock|password do)',
      },
    ],
  },
  {
    load: async () => (await import('../tasks/kubedump/command.ts')).registerKubedumpCommands,
    commands: [
      {
        name: 'kubedump',
        term: 'kubedump',
        description:
          "back up and restore Kubernetes manifests (the commands of KubeStash's kubedump Functions)",
      },
    ],
  },
  {
    load: async () => (await import('../tasks/snapshot-cleanup/command.ts')).registerSnapshotCommands,
    commands: [
      {
        name: 'snapshot',
        term: 'snapshot',
        description: 'work on the data of one Snapshot (the commands of the Jobs its finalizer runs)',
      },
    ],
  },
  {
    load: async () => (await import('../tasks/storage/command.ts')).registerStorageCommands,
    commands: [
      {
        name: 'storage',
        term: 'storage',
        description: "work on a local BackupStorage's volume (the commands of the Jobs that mount it)",
      },
    ],
  },
  {
    load: async () => (await import('../tasks/trigger-backup/command.ts')).registerTriggerBackupCommand,
    commands: [
      {
        name: 'trigger-backup',
        term: 'trigger-backup [options]',
        description:
          'create a BackupSession for one session of a BackupConfiguration (the trigger CronJob runs this)',
      },
    ],
  },
];

/**
 * The top-level command that `args` (argv without node and script) runs or asks help for: `cairn up …`,
 * `cairn help up`. The program's own options take no values, so the first operand is the command.
 */
export function commandNamed(args: readonly string[]): string | undefined {
  const operands = args.filter((a) => !a.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

/**
 * The `cairn` program for `args`: the modules of the command that `args` names are loaded and register
 * themselves in full; every other command is a listing only. With `all`, every module is loaded (what the
 * help of the listings is checked against).
 */
export async function buildProgram(args: readonly string[], opts: { all?: boolean } = {}): Promise<Command> {
  const wanted = commandNamed(args);
  const registers = await Promise.all(
    MODULES.map((m) =>
      opts.all || m.commands.some((c) => c.name === wanted) ? m.load() : Promise.resolve(undefined),
    ),
  );
  const terms = new Map<Command, string>();
  const program = new Command('cairn')
    .description('Cairn: Kubernetes manifest backups into restic repositories, speaking the KubeStash API')
    .version(cairnVersion(), '--version', 'print the version')
    .showHelpAfterError()
    .configureHelp({
      subcommandTerm(this: Help, cmd: Command): string {
        return terms.get(cmd) ?? Help.prototype.subcommandTerm.call(this, cmd);
      },
    });

  program
    .command('version')
    .description('print the version of cairn and of the tools it was built against')
    .action(() => {
      process.stdout.write(`cairn ${cairnVersion()}\n`);
    });
  registerDebugCommands(program); // hidden, and light: it loads the Kubernetes client only in list-secrets

  MODULES.forEach((m, i) => {
    const register = registers[i];
    if (register) register(program);
    else for (const c of m.commands) terms.set(listing(program, c), c.term);
  });
  return program;
}

/** A command that is only listed; it is never run, since its module is loaded when argv names it. */
function listing(program: Command, c: Listing): Command {
  return program
    .command(c.name)
    .description(c.description)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new Error(`command "${c.name}" was run without its module (a bug in src/cli/program.ts)`);
    });
}
