// `cairn kubedump backup …`: the container command of the Function `kubedump-backup`. Argv handling only: the
// flags are declared from the table in flags.ts and validated by parseDumpFlags before anything runs.
import { Command, Option } from 'commander';
import { DUMP_FLAGS, parseDumpFlags } from './flags.ts';
import type { DumpRequest, FlagSpec, FlagValues } from './flags.ts';

/** What `kubedump backup` does with a valid request. */
export type RunDump = (request: DumpRequest) => Promise<void>;

export interface KubedumpCommandOptions {
  /** Runs the backup; the default refuses, since the dump and upload are not wired here yet. */
  run?: RunDump;
}

const notWired: RunDump = () =>
  Promise.reject(
    new Error('kubedump backup: the request is valid, but the dump and upload are not implemented yet'),
  );

/**
 * Registers `kubedump backup` on `program`. A malformed flag value fails before the run starts, with a
 * message naming the flag and showing a valid value; an unknown flag is refused by the parser.
 */
export function registerKubedumpCommands(program: Command, options: KubedumpCommandOptions = {}): void {
  const run = options.run ?? notWired;
  const kubedump = new Command('kubedump').description(
    "back up and restore Kubernetes manifests (the commands of KubeStash's kubedump Functions)",
  );
  program.addCommand(kubedump);
  const backup = kubedump
    .command('backup')
    .description(
      'dump the selected objects as YAML and back the tree up with restic to every repository of the BackupSession',
    );
  for (const spec of DUMP_FLAGS) backup.addOption(option(spec));
  backup.action(async (_opts: unknown, cmd: Command) => {
    await run(parseDumpFlags(flagValues(cmd)));
  });
}

function option(spec: FlagSpec): Option {
  const value = spec.kind === 'boolean' ? '[bool]' : spec.kind === 'list' ? '<list>' : '<value>';
  return new Option(`--${spec.name} ${value}`, spec.description);
}

/** The values commander parsed, by flag name; flags not given are absent. */
function flagValues(cmd: Command): FlagValues {
  const values: Record<string, string | boolean> = {};
  for (const o of cmd.options) {
    const v: unknown = cmd.getOptionValue(o.attributeName());
    if (typeof v === 'string' || typeof v === 'boolean') values[o.long?.slice(2) ?? o.name()] = v;
  }
  return values;
}
