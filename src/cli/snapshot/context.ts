// What one run of `cairn download|manifest-view|manifest-restore` shares: the client built from kubectl's
// flags, the SecretBook every credential read goes into, redacted output (results on stdout; progress,
// notices and errors on stderr), an abort signal tied to Ctrl-C, and the exit code. Every text printed
// passes through the book's redactor, so no password or credential reaches a terminal or a log.
import { kubeClient } from '../../kube/connect.ts';
import type { KubeClient } from '../../kube/types.ts';
import { SecretBook } from '../../repository/secret-book.ts';
import { plainProgress, terminalProgress, type ProgressSink } from './progress.ts';

/** kubectl's flags, and where restic and a local storage's volume are on this machine. */
export interface ConnectionFlags {
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  restic?: string;
  localRoot?: string;
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface RunContext {
  client: KubeClient;
  book: SecretBook;
  signal: AbortSignal;
  /** Results, redacted. */
  print(text: string): void;
  /** A line on stderr, redacted. */
  notice(message: string): void;
  /** Download progress: a bar on a terminal, plain lines otherwise; redacted. */
  progress: ProgressSink;
}

export interface RunStreams {
  stdout: Stream;
  stderr: Stream;
}

/**
 * Runs `work` with a fresh context; an error is printed (redacted) as `cairn: <message>` and sets exit code
 * 1. A first Ctrl-C aborts the work (restic is stopped, temporary directories removed); the handlers stay
 * until the work has cleaned up, so a second Ctrl-C cannot leave secret files behind.
 */
export async function withContext(
  flags: ConnectionFlags,
  work: (ctx: RunContext) => Promise<void>,
  streams: RunStreams = { stdout: process.stdout, stderr: process.stderr },
  connect: (flags: ConnectionFlags) => KubeClient = connectClient,
): Promise<void> {
  const book = new SecretBook();
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const err = (text: string): void => {
    streams.stderr.write(book.redact(text));
  };
  try {
    const ctx: RunContext = {
      client: connect(flags),
      book,
      signal: abort.signal,
      print: (text) => streams.stdout.write(book.redact(text)),
      notice: (message) => err(`${message}\n`),
      progress: streams.stderr.isTTY === true ? terminalProgress(err) : plainProgress(err),
    };
    await work(ctx);
  } catch (e) {
    err(`cairn: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function connectClient(flags: ConnectionFlags): KubeClient {
  return kubeClient({
    ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}),
    ...(flags.context !== undefined ? { context: flags.context } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
  });
}
