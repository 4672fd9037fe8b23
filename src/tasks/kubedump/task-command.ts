// The argv handling every `cairn kubedump <task>` command shares: the task's flags declared from its table,
// Cairn's own connection flags (`--kubeconfig`, `--restic`, not part of the request), the values parsed and
// validated into a request before anything runs, and the JSON-line log of a Job's run.
import { Option, type Command } from 'commander';
import { LOCAL_STORAGE_ROOTS_ENV, parseLocalStorageRoots } from '../../api/local-storage-roots.ts';
import type { LogLine } from './backup.ts';
import type { FlagSpec, FlagValues } from './flags.ts';

/** How the command connects, from Cairn's own flags. */
export interface RunContext {
  kubeconfig?: string;
  restic?: string;
  /** Where the Job mounts each local BackupStorage (from CAIRN_LOCAL_STORAGE_ROOTS). */
  localRoots?: ReadonlyMap<string, string>;
}

const OWN_FLAGS = new Set(['kubeconfig', 'restic']);

export interface TaskCommand<R> {
  name: string;
  description: string;
  flags: readonly FlagSpec[];
  /** Validates the task's flag values (those given; the connection flags are not among them). */
  parse: (values: FlagValues) => R;
  run: (request: R, context: RunContext) => Promise<void>;
}

/**
 * Registers the task command on `parent`. A malformed flag value fails in `parse` before `run` starts; an
 * unknown flag is refused by the parser.
 */
export function addTaskCommand<R>(parent: Command, t: TaskCommand<R>): Command {
  const cmd = parent.command(t.name).description(t.description);
  for (const spec of t.flags) cmd.addOption(option(spec));
  cmd.option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, then in-cluster)');
  cmd.option('--restic <path>', 'the restic binary (default: restic on PATH)');
  cmd.action(async (opts: { kubeconfig?: string; restic?: string }, c: Command) => {
    const request = t.parse(flagValues(c));
    await t.run(request, {
      ...(opts.kubeconfig !== undefined ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.restic !== undefined ? { restic: opts.restic } : {}),
      localRoots: parseLocalStorageRoots(process.env[LOCAL_STORAGE_ROOTS_ENV]),
    });
  });
  return cmd;
}

/** Writes one log line to stdout as a JSON object stamped with the time. */
export function jsonLineLog(line: LogLine): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
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
