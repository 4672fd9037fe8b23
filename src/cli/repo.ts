// `cairn repo snapshots|check|unlock|password`: argv parsing and rendering only; what the commands do is
// in ./repo/ (workspace → operations → src/repository and src/restic).
import { Command } from 'commander';
import { kubeClient } from '../kube/connect.ts';
import { kubeconfigOptions, resticOptions } from './repo/connection-options.ts';
import { keyText } from '../repository/objects.ts';
import { SecretBook } from '../repository/secret-book.ts';
import { RepoCliError } from './repo/errors.ts';
import * as ops from './repo/operations.ts';
import { Output, bytes, parseFormat, table } from './repo/output.ts';
import { rotatePassword, type PasswordReport } from './repo/rotation.ts';
import { openWorkspace } from './repo/workspace.ts';

interface CommonFlags {
  namespace?: string;
  component?: string;
  output: string;
  kubeconfig?: string;
  context?: string;
  restic?: string;
  localRoot?: string;
  lockWait: string;
}

function common(cmd: Command): Command {
  cmd
    .argument('<repository>', 'name of the Repository (storage.kubestash.com)')
    .option(
      '-n, --namespace <ns>',
      "the Repository's namespace (default: the kubeconfig context's, else default)",
    )
    .option(
      '--component <path>',
      'only this component: its path (repository/v1/<session>/<component>), <session>/<component> or name',
    )
    .option('-o, --output <format>', 'table or json', 'table');
  return resticOptions(kubeconfigOptions(cmd)).option(
    '--lock-wait <duration>',
    'how long to wait for a lock held by someone else',
    '10s',
  );
}

/** Reads the cluster, runs `operation` on the selected components, prints its result, sets the exit code. */
async function run<F extends CommonFlags, R extends { ok: boolean }>(
  name: string,
  flags: F,
  operation: (ctx: ops.Ctx, flags: F) => Promise<R>,
  render: (result: R) => string,
): Promise<void> {
  const book = new SecretBook();
  let out = new Output('table', book);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  // Kept for every signal: a second Ctrl-C must not exit before the work directory (secret files) is removed.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    out = new Output(parseFormat(flags.output), book);
    const client = kubeClient({
      ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
      ...(flags.context !== undefined ? { context: flags.context } : {}),
      ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    });
    const workspace = await openWorkspace({
      client,
      repository: { namespace: client.namespace, name },
      ...(flags.component !== undefined ? { component: flags.component } : {}),
      ...(flags.restic !== undefined ? { restic: flags.restic } : {}),
      ...(flags.localRoot !== undefined ? { localRoot: flags.localRoot } : {}),
      lockWait: flags.lockWait,
      out,
      book,
      signal: abort.signal,
    });
    try {
      const result = await operation({ workspace, out, book, signal: abort.signal }, flags);
      out.result(result, () => render(result));
      for (const c of (result as { components?: { path: string; error?: { message: string } }[] })
        .components ?? []) {
        if (c.error) out.error(`${c.path}: ${c.error.message}`);
      }
      const { secretError } = result as { secretError?: string };
      if (secretError) out.error(secretError);
      if (!result.ok) process.exitCode = 1;
    } finally {
      await workspace.close();
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    out.error(message);
    process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function registerRepoCommands(program: Command): void {
  const repo = new Command('repo').description(
    'inspect and repair the restic repositories of a Repository (as kubectl kubestash unlock|password do)',
  );
  program.addCommand(repo);

  common(repo.command('snapshots'))
    .description('list the restic snapshots of each component repository')
    .action((name: string, flags: CommonFlags) =>
      run(name, flags, (ctx) => ops.snapshots(ctx), renderSnapshots),
    );

  common(repo.command('check'))
    .description('check the integrity of each component repository; exits 1 when any has errors')
    .option(
      '--read-data-subset <subset>',
      'also read this part of the data: n/t, a percentage (10%) or a size',
    )
    .action((name: string, flags: CommonFlags & { readDataSubset?: string }) =>
      run(name, flags, (ctx, f) => ops.check(ctx, f.readDataSubset), renderCheck),
    );

  common(repo.command('unlock'))
    .description(
      'remove stale locks (older than 30 min, or of a dead process on this host) of each component',
    )
    .option('--all', 'remove EVERY lock, those of running backups too (restic unlock --remove-all)')
    .action((name: string, flags: CommonFlags & { all?: boolean }) =>
      run(
        name,
        flags,
        (ctx, f) => {
          if (f.all) {
            ctx.out.warn(
              '--all removes every lock, including those of backups, prunes and checks that are running now; ' +
                'a running prune whose lock is removed can corrupt the repository. Use it only when nothing else runs.',
            );
          }
          return ops.unlock(ctx, f.all === true);
        },
        renderUnlock,
      ),
    );

  const password = new Command('password')
    .alias('pw')
    .description('manage the restic password of the component repositories');
  repo.addCommand(password);

  common(password.command('list'))
    .description('list the restic keys of each component repository')
    .action((name: string, flags: CommonFlags) => run(name, flags, (ctx) => ops.keys(ctx), renderKeys));

  common(password.command('update'))
    .description(
      "rotate every component's password to the RESTIC_PASSWORD of --new-password-secret, then write it into the Repository's encryption Secret",
    )
    .requiredOption(
      '--new-password-secret <name>',
      "Secret (in the Repository's namespace, or ns/name) whose RESTIC_PASSWORD is the new password",
    )
    .action((name: string, flags: CommonFlags & { newPasswordSecret: string }) =>
      run(
        name,
        flags,
        (ctx, f) => {
          const parts = f.newPasswordSecret.split('/');
          const [ns, secretName] =
            parts.length === 1 ? [ctx.workspace.repository.key.namespace, parts[0]] : parts;
          if (parts.length > 2 || !ns || !secretName) {
            throw new RepoCliError(
              `--new-password-secret must be NAME or NAMESPACE/NAME, got ${JSON.stringify(f.newPasswordSecret)}`,
            );
          }
          return rotatePassword(ctx, { namespace: ns, name: secretName });
        },
        renderPassword,
      ),
    );
}

// ---------------------------------------------------------------------------------------------------------
// Tables

const shortTime = (iso: string): string => iso.replace(/\.\d+/, '').replace('T', ' ');

function renderSnapshots(r: ops.SnapshotsResult): string {
  const rows: string[][] = [];
  for (const c of r.components) {
    if (c.error) rows.push([c.path, 'error', '', '', '', '', '']);
    for (const s of c.snapshots) {
      rows.push([
        c.path,
        s.shortId,
        shortTime(s.time),
        s.hostname,
        s.tags.join(','),
        String(s.summary?.totalFilesProcessed ?? ''),
        s.summary ? bytes(s.summary.totalBytesProcessed) : '',
      ]);
    }
    if (!c.error && c.snapshots.length === 0) rows.push([c.path, '(none)', '', '', '', '', '']);
  }
  return table(['COMPONENT', 'ID', 'TIME', 'HOST', 'TAGS', 'FILES', 'SIZE'], rows);
}

function renderCheck(r: ops.CheckReport): string {
  const rows = r.components.map((c) => [
    c.path,
    c.error ? 'failed to run' : c.check?.ok ? 'ok' : 'ERRORS',
    c.check ? String(c.check.numErrors) : '',
    c.check ? [...c.check.errors, ...c.check.brokenPacks.map((p) => `broken pack ${p}`)].join('; ') : '',
  ]);
  return table(['COMPONENT', 'RESULT', 'ERRORS', 'DETAILS'], rows);
}

function renderUnlock(r: ops.UnlockReport): string {
  const rows = r.components.map((c) => [
    c.path,
    c.error ? 'error' : String(c.removed),
    c.remaining
      .map(
        (l) =>
          `${l.exclusive ? 'exclusive' : 'shared'} by PID ${l.pid} on ${l.hostname} since ${shortTime(l.time)}`,
      )
      .join('; ') || (c.error ? '' : 'none'),
  ]);
  return table(['COMPONENT', 'REMOVED', 'REMAINING LOCKS'], rows);
}

function renderKeys(r: ops.KeysReport): string {
  const rows: string[][] = [];
  for (const c of r.components) {
    if (c.error) rows.push([c.path, 'error', '', '', '', '']);
    for (const k of c.keys) {
      rows.push([
        c.path,
        k.id.slice(0, 8),
        k.current ? '*' : '',
        k.userName,
        k.hostName,
        shortTime(k.created),
      ]);
    }
  }
  return table(['COMPONENT', 'KEY', 'CURRENT', 'USER', 'HOST', 'CREATED'], rows);
}

function renderPassword(r: PasswordReport): string {
  const rows = r.components.map((c) => [
    c.path,
    c.error ? `error (${c.state ?? (c.addedKeyId ? 'new key added' : 'unchanged')})` : (c.state ?? ''),
  ]);
  const secret = keyText(r.encryptionSecret);
  let tail: string;
  if (r.secretUpdated && r.ok) {
    tail = `Secret ${secret} now holds the new password; Secret ${keyText(r.newPasswordSecret)} is no longer needed.\n`;
  } else if (r.secretUpdated) {
    tail =
      `Secret ${secret} holds the new password, which opens every component; the old password still opens ` +
      'the components marked new-key-added. Run the same command again to remove their old keys' +
      `${r.secretError ? ` (${r.secretError})` : ''}.\n`;
  } else {
    tail =
      `Secret ${secret} was NOT changed${r.secretError ? ` (${r.secretError})` : ''}: the old password still ` +
      'opens every component. Fix the errors and run the same command again (it resumes).\n';
  }
  return table(['COMPONENT', 'STATE'], rows) + tail;
}
