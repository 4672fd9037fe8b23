// One `cairn repo …` run: reads the Repository, its BackupStorage and both Secrets from the cluster, picks
// the component repositories to work on, and opens each as a ResticRepository (src/restic) in a private
// work directory that is removed at the end. Argv parsing stays in ../repo.ts.
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { ResticRepository } from '../../restic/commands.ts';
import { isResticError } from '../../restic/errors.ts';
import { CREDENTIAL_KEYS } from '../../restic/repository.ts';
import { createBackend, type StorageBackend } from '../../storage/backend.ts';
import { findComponentRepositories } from '../../storage/components.ts';
import { resolveStorage } from '../../storage/resolve.ts';
import { parseComponentPath } from '../../storage/paths.ts';
import type { ResolvedStorage, StorageSpec } from '../../storage/types.ts';
import {
  RESTIC_PASSWORD_KEY,
  RepoCliError,
  RepoCluster,
  keyText,
  type BackupStorageInfo,
  type ObjectKey,
  type RepositoryInfo,
  type SecretInfo,
} from './cluster.ts';
import type { Output, SecretBook } from './output.ts';

export interface SessionOptions {
  kc: KubeConfig;
  repository: ObjectKey;
  /** A component path (`repository/v1/<session>/<component>`), `<session>/<component>` or `<component>`. */
  component?: string;
  /** The restic binary; `restic` on PATH when unset. */
  restic?: string;
  /** For a `local` BackupStorage: where the volume (what pods see at mountPath) is on this machine. */
  localRoot?: string;
  /** How long restic waits for a lock held by someone else. */
  lockWait?: string;
  out: Output;
  book: SecretBook;
  signal: AbortSignal;
}

export interface RepoSession {
  cluster: RepoCluster;
  repository: RepositoryInfo;
  backupStorage: BackupStorageInfo;
  storage: ResolvedStorage;
  storageSecret?: SecretInfo;
  encryptionSecret: SecretInfo;
  /** The component paths to work on. */
  components: string[];
  /** The component repositories that exist in the storage (a restic config under the Repository's path). */
  findComponents(): Promise<string[]>;
  /** Opens one component repository, with the encryption Secret's password or `password`. */
  open(component: string, password?: string): Promise<ResticRepository>;
  close(): Promise<void>;
}

export async function openSession(options: SessionOptions): Promise<RepoSession> {
  const { out, book } = options;
  const binary = findRestic(options.restic);
  const cluster = new RepoCluster(options.kc);

  out.progress(`reading Repository ${keyText(options.repository)}`);
  const repository = await cluster.repository(options.repository);
  if (repository.componentPaths.length === 0) {
    throw new RepoCliError(
      `Repository ${keyText(repository.key)} has no status.componentPaths yet: no backup has written a ` +
        'component repository into it; wait for the first successful BackupSession',
    );
  }
  const components = selectComponents(repository, options.component);

  const backupStorage = await cluster.backupStorage(repository.storageRef);
  let storage: ResolvedStorage;
  try {
    storage = resolveStorage(backupStorage.storage);
  } catch (err) {
    throw new RepoCliError(
      `BackupStorage ${keyText(backupStorage.key)}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const storageSpec = localStorageSpec(backupStorage, storage, options.localRoot);

  let storageSecret: SecretInfo | undefined;
  if (backupStorage.secretName) {
    storageSecret = await cluster.secret(
      { namespace: backupStorage.key.namespace, name: backupStorage.secretName },
      `the credentials of BackupStorage ${keyText(backupStorage.key)}, spec.storage.${storage.provider}.secretName`,
    );
    book.add(...CREDENTIAL_KEYS.map((k) => storageSecret?.data[k]));
  }
  if (!repository.encryptionSecret) {
    throw new RepoCliError(
      `Repository ${keyText(repository.key)} has no spec.encryptionSecret: set it to the Secret whose ` +
        `${RESTIC_PASSWORD_KEY} key encrypts the repository`,
    );
  }
  const encryptionSecret = await cluster.secret(
    repository.encryptionSecret,
    `spec.encryptionSecret of Repository ${keyText(repository.key)}`,
  );
  book.add(...CREDENTIAL_KEYS.map((k) => encryptionSecret.data[k]));
  if (!encryptionSecret.data[RESTIC_PASSWORD_KEY] && !storageSecret?.data[RESTIC_PASSWORD_KEY]) {
    throw new RepoCliError(
      `Secret ${keyText(encryptionSecret.key)} has no key ${RESTIC_PASSWORD_KEY} (or it is empty): add the ` +
        `repository password under ${RESTIC_PASSWORD_KEY}`,
    );
  }

  const work = await mkdtemp(join(tmpdir(), 'cairn-repo-'));
  const opened: ResticRepository[] = [];
  return {
    cluster,
    repository,
    backupStorage,
    storage,
    ...(storageSecret ? { storageSecret } : {}),
    encryptionSecret,
    components,
    async findComponents() {
      const resolved = resolveStorage(storageSpec);
      let backend: StorageBackend | undefined;
      try {
        backend = await createBackend(resolved, storageSecret?.data ?? {});
        return await findComponentRepositories(backend, resolved, repository.path);
      } catch (err) {
        throw new RepoCliError(
          `could not list the component repositories of Repository ${keyText(repository.key)} in its storage: ` +
            book.redact(err instanceof Error ? err.message : String(err)),
          { cause: err },
        );
      } finally {
        await backend?.close();
      }
    },
    async open(component, password) {
      const repo = await ResticRepository.open(
        {
          storage: storageSpec,
          ...(storageSecret ? { storageSecret: storageSecret.data } : {}),
          encryptionSecret: encryptionSecret.data,
          repositoryPath: repository.path,
          componentPath: component,
        },
        {
          secretsParent: work,
          lockWait: options.lockWait ?? '10s',
          // restic retries an unreachable storage silently for minutes: say so on a terminal.
          onEvent: (event) => {
            if (event.type === 'backend_retry') {
              out.progress(
                `${component}: the storage did not answer (${event.operation}); restic retries in ${Math.ceil(event.retryInMs / 1000)} s: ${event.message}`,
              );
            } else if (event.type === 'backend_recovered') {
              out.progress(`${component}: the storage answers again`);
            }
          },
          process: {
            binary,
            cacheDir: join(work, 'cache'),
            tmpDir: work,
            extraSecrets: book.values,
          },
        },
      );
      opened.push(repo);
      return password === undefined ? repo : repo.withPassword(password);
    },
    async close() {
      await Promise.all(opened.map((r) => r.close()));
      await rm(work, { recursive: true, force: true });
    },
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
 * The storage spec restic gets. For `local`, the volume is mounted in the backup pods, not here: the user
 * says where it is on this machine with `--local-root`, which replaces `mountPath`.
 */
function localStorageSpec(
  bs: BackupStorageInfo,
  storage: ResolvedStorage,
  localRoot: string | undefined,
): StorageSpec {
  if (storage.provider !== 'local') {
    if (localRoot !== undefined) {
      throw new RepoCliError(
        `--local-root applies to local BackupStorages only; ${keyText(bs.key)} is ${storage.provider}`,
      );
    }
    return bs.storage;
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
  return { ...bs.storage, local: { ...bs.storage.local, mountPath: root } };
}

/** `--restic`, else `restic` on PATH. */
export function findRestic(explicit: string | undefined): string {
  if (explicit !== undefined) {
    const path = resolve(explicit);
    if (!isExecutable(path)) throw new RepoCliError(`--restic ${path} is not an executable file`);
    return path;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue;
    const path = join(dir, 'restic');
    if (isExecutable(path)) return path;
  }
  throw new RepoCliError(
    'restic was not found on PATH: install restic (Cairn is tested with v0.19.1) or pass --restic PATH',
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** A user-facing explanation of a failed restic run on one component. */
export function explainFailure(err: unknown, session: RepoSession, component: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!isResticError(err)) return message;
  switch (err.kind) {
    case 'wrong-password':
      return `the ${RESTIC_PASSWORD_KEY} of Secret ${keyText(session.encryptionSecret.key)} does not open component ${component}`;
    case 'repository-missing':
      return `there is no restic repository for component ${component} in the storage (${message})`;
    case 'backend-auth':
      return `the storage rejected the credentials${session.storageSecret ? ` of Secret ${keyText(session.storageSecret.key)}` : ''} (${message})`;
    case 'lock-failed':
      return `${message}; if that process is gone, run 'cairn repo unlock' (stale locks only)`;
    case 'spawn-failed':
      return `restic could not be started: ${message}`;
    default:
      return message;
  }
}
