// What one `cairn repo …` run works on: a Repository resolved through src/repository (its objects, its
// storage, its Secrets), the components the user selected, and its component repositories opened in a
// private work directory that `close()` removes. The resolution itself is shared with the tasks; what is
// here is the CLI's part: the flags (--component, --local-root, --restic) and the messages about them.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { KubeClient } from '../../kube/types.ts';
import { RepositoryObjects, keyText, type ObjectKey, type RepositoryInfo } from '../../repository/objects.ts';
import { openComponentRepositories } from '../../repository/open.ts';
import { resolveRepository, type ResolvedRepository } from '../../repository/resolve.ts';
import type { SecretBook } from '../../repository/secret-book.ts';
import type { ResticRepository } from '../../restic/repository.ts';
import { parseComponentPath } from '../../storage/paths.ts';
import { RepoCliError } from './errors.ts';
import type { Output } from './output.ts';
import { findRestic } from './restic-binary.ts';

export interface WorkspaceOptions {
  client: KubeClient;
  repository: ObjectKey;
  /** A component path (`repository/v1/<session>/<component>`), `<session>/<component>` or `<component>`. */
  component?: string;
  /** `--restic`: the restic binary. */
  restic?: string;
  /** `--local-root`: for a `local` BackupStorage, where the volume (what pods see at mountPath) is here. */
  localRoot?: string;
  /** How long restic waits for a lock held by someone else. */
  lockWait?: string;
  out: Output;
  book: SecretBook;
  signal: AbortSignal;
}

export interface Workspace extends ResolvedRepository {
  objects: RepositoryObjects;
  /** The component paths to work on. */
  components: string[];
  /** The component repositories that exist in the storage (a restic config under the Repository's path). */
  findComponents(): Promise<string[]>;
  /** Opens one component repository, with the encryption Secret's password or `password`. */
  open(component: string, password?: string): Promise<ResticRepository>;
  close(): Promise<void>;
}

export async function openWorkspace(options: WorkspaceOptions): Promise<Workspace> {
  const { out, book } = options;
  const binary = findRestic(options.restic);
  const objects = new RepositoryObjects(options.client);

  out.progress(`reading Repository ${keyText(options.repository)}`);
  const resolved = await resolveRepository(objects, options.repository, book);
  const { repository } = resolved;
  if (repository.componentPaths.length === 0) {
    throw new RepoCliError(
      `Repository ${keyText(repository.key)} has no status.componentPaths yet: no backup has written a ` +
        'component repository into it; wait for the first successful BackupSession',
    );
  }
  const components = selectComponents(repository, options.component);
  const localRoot = checkLocalRoot(resolved, options.localRoot);
  const repositories = await openComponentRepositories(resolved, book, {
    ...(localRoot !== undefined ? { localRoot } : {}),
    process: { binary },
    lockWait: options.lockWait ?? '10s',
    // restic retries an unreachable storage silently for minutes: say so on a terminal.
    onEvent: (component, event) => {
      if (event.type === 'backend_retry') {
        out.progress(
          `${component}: the storage did not answer (${event.operation}); restic retries in ${Math.ceil(event.retryInMs / 1000)} s: ${event.message}`,
        );
      } else if (event.type === 'backend_recovered') {
        out.progress(`${component}: the storage answers again`);
      }
    },
  });
  return {
    ...resolved,
    objects,
    components,
    findComponents: () => repositories.find(),
    open: (component, password) => repositories.open(component, password),
    close: () => repositories.close(),
  };
}

/** The component paths `wanted` selects: all, or the one whose path, `<session>/<component>` or name matches. */
export function selectComponents(repository: RepositoryInfo, wanted: string | undefined): string[] {
  const all = repository.componentPaths;
  if (wanted === undefined || wanted === '') return all;
  const w = wanted.replace(/^\/+|\/+$/g, '');
  const matches = all.filter((path) => {
    if (path === w) return true;
    try {
      const { session, component } = parseComponentPath(path);
      return w === component || w === `${session}/${component}`;
    } catch {
      return false;
    }
  });
  if (matches.length === 1) return matches;
  const list = all.join(', ');
  if (matches.length === 0) {
    throw new RepoCliError(
      `Repository ${keyText(repository.key)} has no component ${JSON.stringify(wanted)}; it has: ${list}`,
    );
  }
  throw new RepoCliError(
    `--component ${JSON.stringify(wanted)} matches ${matches.length} components of Repository ` +
      `${keyText(repository.key)} (${matches.join(', ')}); give the whole path`,
  );
}

/**
 * The local root restic gets, absolute. For `local`, the volume is mounted in the backup pods, not here:
 * the user says where it is on this machine with `--local-root`; other providers take no local root.
 */
function checkLocalRoot(resolved: ResolvedRepository, localRoot: string | undefined): string | undefined {
  const { backupStorage: bs, storage } = resolved;
  if (storage.provider !== 'local') {
    if (localRoot !== undefined) {
      throw new RepoCliError(
        `--local-root applies to local BackupStorages only; ${keyText(bs.key)} is ${storage.provider}`,
      );
    }
    return undefined;
  }
  if (localRoot === undefined) {
    const hostPath = (bs.storage.local as { hostPath?: { path?: unknown } } | undefined)?.hostPath?.path;
    const hint =
      typeof hostPath === 'string'
        ? ` (its volume is the hostPath ${hostPath}${storage.subPath ? ` with subPath ${storage.subPath}` : ''} on the node)`
        : '';
    throw new RepoCliError(
      `BackupStorage ${keyText(bs.key)} is a local volume mounted at ${storage.mountPath} inside the backup ` +
        `pods, which this machine cannot reach${hint}: mount or copy the volume here and pass ` +
        `--local-root DIR, the directory that holds what the pods see at ${storage.mountPath}`,
    );
  }
  const root = resolve(localRoot);
  let isDir = false;
  try {
    isDir = statSync(root).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new RepoCliError(`--local-root ${root} is not a directory`);
  return root;
}
