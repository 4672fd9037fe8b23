// A Snapshot's components onto this machine, for the CLI: src/restore/download.ts does the download (the
// Snapshot, Repository, BackupStorage and Secrets read with the user's identity, restic run here); this file
// adds what only a person's machine needs: which restic runs (restic-binary.ts), a local BackupStorage's
// volume given by `--local-root` (refused with what to do when missing, since the volume is mounted in the
// backup pods, not here), and progress on the terminal.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { RepositoryObjects, keyText } from '../../repository/objects.ts';
import type { SecretBook } from '../../repository/secret-book.ts';
import {
  downloadSnapshot,
  readSnapshot,
  type DownloadResult,
  type SnapshotLike,
} from '../../restore/download.ts';
import type { KubeClient } from '../../kube/types.ts';
import { findRestic } from '../repo/restic-binary.ts';
import { CliInputError } from './flags.ts';
import type { ProgressSink } from './progress.ts';

export interface FetchOptions {
  client: KubeClient;
  /** The Snapshot's name, in the client's namespace. */
  snapshot: string;
  /** `<target>/<component>/` receives each component. */
  target: string;
  components?: readonly string[];
  include?: readonly string[];
  exclude?: readonly string[];
  /** `--restic`: the restic binary; else restic on PATH, else the one setup builds. */
  restic?: string;
  /** `--local-root`: for a local BackupStorage, where its volume is on this machine. */
  localRoot?: string;
  book: SecretBook;
  progress: ProgressSink;
  signal: AbortSignal;
}

/** Downloads the Snapshot's components (all, or those named) into `<target>/<component>/`. */
export async function fetchSnapshot(options: FetchOptions): Promise<DownloadResult> {
  const binary = findRestic(options.restic);
  const { client } = options;
  const snapshot = await readSnapshot(client, client.namespace, options.snapshot, options.signal);
  const localRoot = await checkLocalRoot(client, snapshot, options.localRoot);
  try {
    return await downloadSnapshot({
      client,
      namespace: client.namespace,
      snapshot: options.snapshot,
      target: resolve(options.target),
      ...(options.components ? { components: options.components } : {}),
      ...(options.include?.length ? { include: options.include } : {}),
      ...(options.exclude?.length ? { exclude: options.exclude } : {}),
      ...(localRoot !== undefined ? { localRoot } : {}),
      process: { binary },
      book: options.book,
      signal: options.signal,
      onProgress: ({ component, status }) =>
        options.progress.update({
          component,
          fraction: status.percentDone,
          filesDone: status.filesRestored + status.filesSkipped,
          totalFiles: status.totalFiles,
          bytesDone: status.bytesRestored + status.bytesSkipped,
          totalBytes: status.totalBytes,
        }),
    });
  } finally {
    options.progress.finish();
  }
}

/** Files and bytes a downloaded component holds (restored, or already there and skipped). */
export function componentTotals(c: DownloadResult['components'][number]): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const s of c.restic) {
    files += s.filesRestored + s.filesSkipped;
    bytes += s.bytesRestored + s.bytesSkipped;
  }
  return { files, bytes };
}

/**
 * The local root restic gets: undefined for an object store. A local BackupStorage's volume is mounted in
 * the backup pods, not here: `--local-root` says where it is on this machine, or the download is refused,
 * naming the storage and its volume. `--local-root` for another provider is refused too.
 */
async function checkLocalRoot(
  client: KubeClient,
  snapshot: SnapshotLike,
  localRoot: string | undefined,
): Promise<string | undefined> {
  const repository = snapshot.spec?.repository;
  if (!repository) return localRoot; // download.ts refuses it, with the fix
  const objects = new RepositoryObjects(client);
  const repo = await objects.repository({ namespace: client.namespace, name: repository });
  const bs = await objects.backupStorage(repo.storageRef);
  const provider = bs.storage.provider ?? '';
  if (provider !== 'local') {
    if (localRoot !== undefined) {
      throw new CliInputError(
        `--local-root applies to local BackupStorages only; ${keyText(bs.key)} is ${provider || 'of no provider'}`,
      );
    }
    return undefined;
  }
  const local = (bs.storage.local ?? {}) as {
    mountPath?: string;
    subPath?: string;
    hostPath?: { path?: unknown };
    nfs?: { server?: unknown; path?: unknown };
  };
  const mountPath = local.mountPath ?? '(no mountPath)';
  if (localRoot === undefined) {
    const hostPath = typeof local.hostPath?.path === 'string' ? local.hostPath.path : undefined;
    const where =
      hostPath !== undefined
        ? ` (the hostPath ${hostPath}${local.subPath ? ` with subPath ${local.subPath}` : ''} on its node)`
        : typeof local.nfs?.path === 'string'
          ? ` (the NFS export ${String(local.nfs.server)}:${local.nfs.path})`
          : '';
    throw new CliInputError(
      `BackupStorage ${keyText(bs.key)} is a local volume mounted at ${mountPath} inside the backup pods, ` +
        `which this machine cannot reach${where}: mount or copy that volume here and pass --local-root DIR, ` +
        `the directory that holds what the pods see at ${mountPath}` +
        (hostPath !== undefined && isDirectory(hostPath) && !local.subPath
          ? ` (on a single-node cluster, --local-root ${hostPath})`
          : ''),
    );
  }
  const root = resolve(localRoot);
  if (!isDirectory(root)) throw new CliInputError(`--local-root ${root} is not a directory`);
  return root;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
