// `cairn download|manifest-view|manifest-restore`: a Snapshot's data on this machine, named and flagged as
// KubeStash's `kubectl kubestash download|manifest-view|manifest-restore` (API reference §8), with kubectl's
// `-n`, `--kubeconfig` and `--context`. Flags are declared and validated here (flags.ts); what each command
// does is loaded when it runs (download.ts, view.ts, restore.ts), so `--help` stays light.
import type { Command } from 'commander';
import { kubeconfigOptions, resticOptions } from '../repo/connection-options.ts';
import type { ConnectionFlags, RunContext } from './context.ts';
import {
  checkSnapshotName,
  downloadRequest,
  filterFromFlags,
  parseFormat,
  restoreRequest,
  type DownloadFlags,
  type DownloadRequest,
  type FilterFlags,
  type Format,
  type RestoreFlags,
  type RestoreRequest,
} from './flags.ts';
import type { KubedumpFilter } from '../../api/kubedump-filter.ts';

export interface ViewRequest {
  snapshot: string;
  filter: KubedumpFilter;
  format: Format;
}

/** What the commands run once their flags are valid; tests replace them to check the parsing. */
export interface SnapshotActions {
  download(ctx: RunContext, request: DownloadRequest, flags: ConnectionFlags): Promise<void>;
  view(ctx: RunContext, request: ViewRequest, flags: ConnectionFlags): Promise<void>;
  restore(ctx: RunContext, request: RestoreRequest, flags: ConnectionFlags): Promise<void>;
}

const actions: SnapshotActions = {
  download: async (ctx, r, f) => (await import('./download.ts')).runDownload(ctx, r, f),
  view: async (ctx, r, f) => (await import('./view.ts')).runView(ctx, r, f),
  restore: async (ctx, r, f) => (await import('./restore.ts')).runRestore(ctx, r, f),
};

/** Runs an action in a context (client, redaction, Ctrl-C, exit code); tests give their own. */
export type Runner = (flags: ConnectionFlags, work: (ctx: RunContext) => Promise<void>) => Promise<void>;

const defaultRunner: Runner = async (flags, work) => (await import('./context.ts')).withContext(flags, work);

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function connection(cmd: Command): Command {
  cmd.option(
    '-n, --namespace <namespace>',
    "the Snapshot's namespace (default: the kubeconfig context's, else default)",
  );
  return resticOptions(kubeconfigOptions(cmd));
}

function filters(cmd: Command): Command {
  return cmd
    .requiredOption('--snapshot <name>', 'the Snapshot (storage.kubestash.com) of a manifest backup')
    .option('--include-namespaces <list>', 'only objects of these namespaces, comma-separated')
    .option('--exclude-namespaces <list>', 'leave out objects of these namespaces, comma-separated')
    .option(
      '--include-resources <list>',
      'only these resource types (pods, deployments.apps), comma-separated',
    )
    .option('--exclude-resources <list>', 'leave out these resource types, comma-separated')
    .option(
      '--and-label-selectors <list>',
      'only objects carrying every one of these labels (k=v or k:v), comma-separated',
    )
    .option(
      '--or-label-selectors <list>',
      'only objects carrying at least one of these labels, comma-separated',
    )
    .option(
      '--include-cluster-resources [bool]',
      'also cluster-scoped objects (default true; --include-cluster-resources=false leaves them out)',
    );
}

/** Only the connection flags (the others are requests). */
function connectionOf(flags: ConnectionFlags): ConnectionFlags {
  const out: ConnectionFlags = {};
  if (flags.namespace !== undefined) out.namespace = flags.namespace;
  if (flags.kubeconfig !== undefined) out.kubeconfig = flags.kubeconfig;
  if (flags.context !== undefined) out.context = flags.context;
  if (flags.restic !== undefined) out.restic = flags.restic;
  if (flags.localRoot !== undefined) out.localRoot = flags.localRoot;
  return out;
}

export function registerSnapshotDataCommands(
  program: Command,
  opts: { actions?: SnapshotActions; run?: Runner } = {},
): void {
  const act = opts.actions ?? actions;
  const run = opts.run ?? defaultRunner;

  connection(program.command('download'))
    .description("download a Snapshot's components onto this machine (restic runs here)")
    .argument('<snapshot>', 'the Snapshot (storage.kubestash.com)')
    .option('--destination <dir>', 'where <snapshot>/<component>/ is made (default: the working directory)')
    .option('--components <list>', 'only these components, comma-separated (default: all)')
    .option('--include <pattern>', 'restore only files matching this restic pattern (repeatable)', collect)
    .option('--exclude <pattern>', 'leave out files matching this restic pattern (repeatable)', collect)
    .action((snapshot: string, flags: DownloadFlags & ConnectionFlags) => {
      const request = downloadRequest(checkSnapshotName(snapshot), flags);
      const conn = connectionOf(flags);
      return run(conn, (ctx) => act.download(ctx, request, conn));
    });

  filters(connection(program.command('manifest-view')))
    .description(
      'show the objects a manifest Snapshot holds, as a tree of type, namespace and name, with counts',
    )
    .option('-o, --output <format>', 'text, yaml or json', 'text')
    .action((flags: FilterFlags & ConnectionFlags & { snapshot: string; output: string }) => {
      const request: ViewRequest = {
        snapshot: checkSnapshotName(flags.snapshot),
        filter: filterFromFlags(flags),
        format: parseFormat(flags.output),
      };
      const conn = connectionOf(flags);
      return run(conn, (ctx) => act.view(ctx, request, conn));
    });

  filters(connection(program.command('manifest-restore')))
    .description(
      'restore the objects of a manifest Snapshot into the cluster, from this machine (or a dry run)',
    )
    .option(
      '--override-resources [bool]',
      'update objects that exist with the dumped ones (server-side apply)',
    )
    .option('--restore-pvs [bool]', 'also restore PersistentVolumes')
    .option(
      '--storage-class-mappings <list>',
      'old=new StorageClass renames for PVCs and PVs, comma-separated',
    )
    .option('--namespace-mappings <list>', 'source=target namespace renames, comma-separated')
    .option('--max-iterations <n>', 'passes over objects that failed on a missing dependency', '5')
    .option('--dry-run [bool]', 'write nothing: show what would be created, updated or skipped')
    .option(
      '--dry-run-dir <dir>',
      'dry run, also writing the objects it would send to <dir>/<type>/…/<name>.yaml',
    )
    .option(
      '--data-dir <dir>',
      'download the Snapshot here and keep it (default: a temporary directory, removed)',
    )
    .option('-o, --output <format>', 'text, yaml or json', 'text')
    .action((flags: RestoreFlags & ConnectionFlags) => {
      const request = restoreRequest(flags);
      const conn = connectionOf(flags);
      return run(conn, (ctx) => act.restore(ctx, request, conn));
    });
}
