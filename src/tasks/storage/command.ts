// `cairn storage write|remove|remove-tree`: the commands of the Jobs the operator runs on a local
// BackupStorage (src/reconcilers/storage-job). Argv and env handling only; the work is run.ts. The storage
// is found where the Job mounted it (CAIRN_LOCAL_STORAGE_ROOTS); a failure's message also goes to the
// container's termination log, where the operator reads it to say why the Job failed.
import { stat, writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { LOCAL_STORAGE_ROOTS_ENV, parseLocalStorageRoots } from '../../api/local-storage-roots.ts';
import { STORAGE_CONTENT_ENV, type StorageOperation } from '../../api/storage-task.ts';
import { runStorageOperation, StorageTaskError } from './run.ts';

/** Where Kubernetes reads a container's termination message by default. */
const TERMINATION_LOG = '/dev/termination-log';

interface Flags {
  storage: string;
  key?: string;
  prefix?: string;
  ifAbsent?: boolean;
  all?: boolean;
}

/** The environment the commands read (process.env by default; tests pass their own). */
export interface StorageCommandOptions {
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  terminationLog?: string;
}

export function registerStorageCommands(program: Command, options: StorageCommandOptions = {}): void {
  const storage = new Command('storage').description(
    "work on a local BackupStorage's volume (the commands of the Jobs that mount it)",
  );
  program.addCommand(storage);
  const act = (toOperation: (f: Flags) => StorageOperation) => async (flags: Flags) => {
    const env = options.env ?? process.env;
    try {
      const operation = toOperation(flags);
      const root = parseLocalStorageRoots(env[LOCAL_STORAGE_ROOTS_ENV]).get(flags.storage);
      if (root === undefined) {
        throw new StorageTaskError(
          `BackupStorage ${flags.storage} is not among the mounted local storages (${LOCAL_STORAGE_ROOTS_ENV})`,
        );
      }
      const raw = env[STORAGE_CONTENT_ENV];
      const content = operation.op === 'write' && raw !== undefined ? Buffer.from(raw, 'base64') : undefined;
      const result = await runStorageOperation(root, operation, content);
      (options.out ?? ((l) => process.stdout.write(l)))(
        `${JSON.stringify({ time: new Date().toISOString(), storage: flags.storage, ...result })}\n`,
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await writeTerminationMessage(options.terminationLog ?? TERMINATION_LOG, message);
      throw err;
    }
  };
  const common = (c: Command): Command =>
    c.requiredOption('--storage <namespace/name>', 'the local BackupStorage, as mounted by the Job');
  common(storage.command('write'))
    .description(`write a file under the storage root, its content base64 in $${STORAGE_CONTENT_ENV}`)
    .requiredOption('--key <key>', 'the file, relative to the storage root')
    .option('--if-absent', 'keep a file that already exists')
    .action(act((f) => ({ op: 'write', key: f.key ?? '', ...(f.ifAbsent ? { ifAbsent: true } : {}) })));
  common(storage.command('remove'))
    .description('remove a file under the storage root (a missing file is not an error)')
    .requiredOption('--key <key>', 'the file, relative to the storage root')
    .action(act((f) => ({ op: 'remove', key: f.key ?? '' })));
  common(storage.command('remove-tree'))
    .description('remove a directory under the storage root and everything in it, or with --all everything')
    .option('--prefix <dir>', 'the directory, relative to the storage root')
    .option('--all', 'remove everything under the storage root (the root itself stays)')
    .action(
      act((f) => {
        if (f.all === true && f.prefix === undefined) return { op: 'remove-tree', prefix: '' };
        if (f.all !== true && f.prefix !== undefined && f.prefix !== '')
          return { op: 'remove-tree', prefix: f.prefix };
        throw new StorageTaskError('give exactly one of --prefix <dir> and --all');
      }),
    );
}

/** Best effort: where no termination log exists (outside a Kubernetes container), nothing is written. */
async function writeTerminationMessage(path: string, message: string): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) return;
    await writeFile(path, message.slice(0, 4000));
  } catch {
    // no termination log here
  }
}
