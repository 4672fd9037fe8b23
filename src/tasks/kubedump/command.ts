// `cairn kubedump backup …`: the container command of the Function `kubedump-backup`. Argv handling only: the
// flags are declared from the table in flags.ts and validated by parseDumpFlags before anything runs; the
// connection flags (`--kubeconfig`, `--restic`) are Cairn's own and not part of the request.
import { Command, Option } from 'commander';
import { LOCAL_STORAGE_ROOTS_ENV, parseLocalStorageRoots } from '../../api/local-storage-roots.ts';
import { kubeClient } from '../../kube/connect.ts';
import { runKubedumpBackup, type LogLine } from './backup.ts';
import { DUMP_FLAGS, parseDumpFlags } from './flags.ts';
import { terminalLog } from './progress-bar.ts';
import { registerKubedumpRestore, type RunRestore } from './restore-command.ts';
import type { DumpRequest, FlagSpec, FlagValues } from './flags.ts';

/** How the command connects, from Cairn's own flags. */
export interface RunContext {
  kubeconfig?: string;
  restic?: string;
  /** Where the Job mounts each local BackupStorage (from CAIRN_LOCAL_STORAGE_ROOTS). */
  localRoots?: ReadonlyMap<string, string>;
}

/** What `kubedump backup` does with a valid request. */
export type RunDump = (request: DumpRequest, context: RunContext) => Promise<void>;

export interface KubedumpCommandOptions {
  /** Runs the backup; by default the dump and upload of backup.ts, logging JSON lines to stdout. */
  run?: RunDump;
  /** Runs the restore; by default restore.ts's, logging JSON lines to stdout. */
  restore?: RunRestore;
}

const OWN_FLAGS = new Set(['kubeconfig', 'restic']);

/**
 * The Job's run: one JSON line per event on stdout (on a terminal, the dump's progress as a bar instead); a
 * failed component makes the command fail.
 */
const runBackup: RunDump = async (request, context) => {
  const log = process.stdout.isTTY
    ? terminalLog((text) => process.stdout.write(text))
    : (line: LogLine): void => {
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
      };
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
 * Registers `kubedump backup` and `kubedump restore` (restore-command.ts) on `program`. A malformed flag value fails before the run starts, with a
 * message naming the flag and showing a valid value; an unknown flag is refused by the parser.
 */
export function registerKubedumpCommands(program: Command, options: KubedumpCommandOptions = {}): void {
  const run = options.run ?? runBackup;
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
  backup.option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)');
  backup.option('--restic <path>', 'the restic binary (default: restic on PATH)');
  backup.action(async (opts: { kubeconfig?: string; restic?: string }, cmd: Command) => {
    const request = parseDumpFlags(flagValues(cmd));
    await run(request, {
      ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.restic !== undefined ? { restic: opts.restic } : {}),
      localRoots: parseLocalStorageRoots(process.env[LOCAL_STORAGE_ROOTS_ENV]),
    });
  });
  registerKubedumpRestore(kubedump, options.restore);
}

function option(spec: FlagSpec): Option {
  const value = spec.kind === 'boolean' ? '[bool]' : spec.kind === 'list' ? '<list>' : '<value>';
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
