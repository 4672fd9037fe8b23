// Every path inside a backend is built here and nowhere else, so that the layout matches KubeStash's byte
// for byte and a second BackupStorage (or a second cluster) pointing at the same bucket finds the same files:
//
//   <prefix>/metadata.yaml
//   <prefix>/<repository path>/repository.yaml
//   <prefix>/<repository path>/snapshots/<snapshot>.yaml
//   <prefix>/<repository path>/repository/v1/<session>/<component>/   ← a plain restic repository
//   <prefix>/<repository path>/repository/v1/<session>/<component>/locks/<id>   ← one of restic's locks
//
// Keys are object keys inside the bucket or container (s3, gcs, azure) or paths relative to the mount path
// (local). They never start or end with `/`, never hold an empty, `.` or `..` segment, and never hold a
// backslash or a control character, so no input can name a location outside its own repository.

import {
  normalizeRepositoryPath as normalizeApiRepositoryPath,
  repositoryPathProblem,
} from '../api/repository-path.ts';
import type { LocalStorage, ResolvedStorage } from './types.ts';
import { StorageConfigError } from './errors.ts';

export const METADATA_FILE = 'metadata.yaml';
export const REPOSITORY_FILE = 'repository.yaml';
export const SNAPSHOTS_DIR = 'snapshots';
export const SNAPSHOT_FILE_SUFFIX = '.yaml';
/** The directory under a repository path that holds the restic repositories of every component. */
export const COMPONENTS_DIR = 'repository';
/** The layout version KubeStash writes in `Snapshot.spec.version`. */
export const LAYOUT_VERSION = 'v1';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Returns `value` if it is usable as one path segment; throws a StorageConfigError naming `what` otherwise.
 * A segment is non-empty, is not `.` or `..`, and holds no `/`, `\` or control character.
 */
export function checkSegment(what: string, value: string): string {
  if (value === '') throw new StorageConfigError(`${what} must not be empty`);
  if (value === '.' || value === '..') {
    throw new StorageConfigError(
      `${what} ${JSON.stringify(value)} is not allowed: it would leave its directory`,
    );
  }
  if (value.includes('/'))
    throw new StorageConfigError(`${what} ${JSON.stringify(value)} must not contain "/"`);
  if (value.includes('\\'))
    throw new StorageConfigError(`${what} ${JSON.stringify(value)} must not contain "\\"`);
  if (CONTROL_CHARS.test(value)) {
    throw new StorageConfigError(`${what} ${JSON.stringify(value)} must not contain control characters`);
  }
  return value;
}

/**
 * Normalises a `/`-separated relative path: outer slashes are dropped (manifests write `/cluster-manifests`
 * and the admission webhook strips trailing ones), every remaining segment must pass `checkSegment`.
 * Inner empty segments (`a//b`) are rejected rather than collapsed, because two spellings of one location
 * would defeat the "no two repositories share a path" rule.
 */
export function normalizeRelativePath(what: string, value: string, options: { allowEmpty: boolean }): string {
  const trimmed = value.replace(/^\/+/, '').replace(/\/+$/, '');
  if (trimmed === '') {
    if (options.allowEmpty) return '';
    throw new StorageConfigError(`${what} must not be empty`);
  }
  for (const segment of trimmed.split('/')) {
    if (segment === '') throw new StorageConfigError(`${what} ${JSON.stringify(value)} has an empty segment`);
    checkSegment(`${what} ${JSON.stringify(value)}: segment`, segment);
  }
  return trimmed;
}

/** The normalised BackupStorage prefix; empty means the root of the bucket or container. */
export function normalizePrefix(prefix: string | undefined): string {
  return normalizeRelativePath('storage prefix', prefix ?? '', { allowEmpty: true });
}

/**
 * The normalised `Repository.spec.path` (BackupConfiguration `repositories[].directory`); never empty. The
 * rule is src/api/repository-path.ts, the one admission applies, so a path admitted is a path stored.
 */
export function normalizeRepositoryPath(path: string): string {
  const p = repositoryPathProblem(path);
  if (p) throw new StorageConfigError(`repository path ${p.problem}: ${JSON.stringify(path)}`);
  return normalizeApiRepositoryPath(path);
}

/** The parts of a component path. */
export interface ComponentPathParts {
  version: string;
  session: string;
  component: string;
}

/**
 * The path of a component's restic repository relative to its repository path, as KubeStash records it in
 * `Snapshot.status.components[].path` and `Repository.status.componentPaths`:
 * `repository/<version>/<session>/<component>`.
 */
export function componentPath(session: string, component: string, version: string = LAYOUT_VERSION): string {
  checkSegment('layout version', version);
  checkSegment('session name', session);
  checkSegment('component name', component);
  return `${COMPONENTS_DIR}/${version}/${session}/${component}`;
}

/**
 * Reads a component path written by Cairn or KubeStash. Only the exact four-segment layout is accepted, so a
 * path from a Snapshot's status can never point a restic command at metadata files or another repository.
 */
export function parseComponentPath(path: string): ComponentPathParts {
  const normalized = normalizeRelativePath('component path', path, { allowEmpty: false });
  const parts = normalized.split('/');
  const [root, version, session, component] = parts;
  if (parts.length !== 4 || root !== COMPONENTS_DIR || !version || !session || !component) {
    throw new StorageConfigError(
      `component path ${JSON.stringify(path)} must have the form ${COMPONENTS_DIR}/<version>/<session>/<component>`,
    );
  }
  return { version, session, component };
}

/** The normalised prefix of a resolved storage; local storages have none (the mount path is the root). */
export function storagePrefix(storage: ResolvedStorage): string {
  return storage.provider === 'local' ? '' : normalizePrefix(storage.prefix);
}

function joinKey(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}

/** Key of the BackendMeta file the operator writes when it initialises a BackupStorage. */
export function metadataKey(storage: ResolvedStorage): string {
  return joinKey(storagePrefix(storage), METADATA_FILE);
}

/** Key of a repository's directory: everything under it belongs to that Repository (WipeOut deletes it). */
export function repositoryDirKey(storage: ResolvedStorage, repositoryPath: string): string {
  return joinKey(storagePrefix(storage), normalizeRepositoryPath(repositoryPath));
}

/** Key of the serialized Repository object, read back when a cluster syncs from an existing backend. */
export function repositoryKey(storage: ResolvedStorage, repositoryPath: string): string {
  return joinKey(repositoryDirKey(storage, repositoryPath), REPOSITORY_FILE);
}

/** Key of the directory holding one YAML file per Snapshot of a repository (list it to sync Snapshots). */
export function snapshotsDirKey(storage: ResolvedStorage, repositoryPath: string): string {
  return joinKey(repositoryDirKey(storage, repositoryPath), SNAPSHOTS_DIR);
}

/** Key of one serialized Snapshot object. */
export function snapshotKey(storage: ResolvedStorage, repositoryPath: string, snapshotName: string): string {
  checkSegment('snapshot name', snapshotName);
  return joinKey(snapshotsDirKey(storage, repositoryPath), `${snapshotName}${SNAPSHOT_FILE_SUFFIX}`);
}

/**
 * The Snapshot name a key from a listing of `snapshotsDirKey` stands for, or undefined when the key is
 * anything else (a nested file, a non-YAML file, a bare `.yaml`). Never throws: listings hold foreign files.
 */
export function snapshotNameFromKey(
  storage: ResolvedStorage,
  repositoryPath: string,
  key: string,
): string | undefined {
  const dir = `${snapshotsDirKey(storage, repositoryPath)}/`;
  if (!key.startsWith(dir) || !key.endsWith(SNAPSHOT_FILE_SUFFIX)) return undefined;
  const name = key.slice(dir.length, key.length - SNAPSHOT_FILE_SUFFIX.length);
  try {
    return checkSegment('snapshot name', name);
  } catch {
    return undefined;
  }
}

/** Key of the directory that holds the restic repositories of every component of a repository. */
export function componentsDirKey(storage: ResolvedStorage, repositoryPath: string): string {
  return joinKey(repositoryDirKey(storage, repositoryPath), COMPONENTS_DIR);
}

/** The file every restic repository has at its top: its presence is what makes a directory one. */
export const RESTIC_CONFIG_FILE = 'config';

/** Key of a component repository's restic `config` file. */
export function componentConfigKey(
  storage: ResolvedStorage,
  repositoryPath: string,
  component: string,
): string {
  return joinKey(componentRepositoryKey(storage, repositoryPath, component), RESTIC_CONFIG_FILE);
}

/** Key of the directory that is a component's restic repository. */
export function componentRepositoryKey(
  storage: ResolvedStorage,
  repositoryPath: string,
  component: string,
): string {
  const { version, session, component: name } = parseComponentPath(component);
  return joinKey(repositoryDirKey(storage, repositoryPath), componentPath(session, name, version));
}

/** The directory inside a restic repository that holds one file per lock, named by its 64-hex-digit ID. */
export const RESTIC_LOCKS_DIR = 'locks';
const RESTIC_ID = /^[0-9a-f]{64}$/;

/**
 * Key of one lock file of a component's restic repository, the only restic file Cairn ever touches itself
 * (to remove the lock of a process known to be dead). `lockId` must be a full restic ID.
 */
export function componentLockKey(
  storage: ResolvedStorage,
  repositoryPath: string,
  component: string,
  lockId: string,
): string {
  if (!RESTIC_ID.test(lockId)) {
    throw new StorageConfigError(`lock ID ${JSON.stringify(lockId)} is not a 64-digit hex restic ID`);
  }
  return joinKey(componentRepositoryKey(storage, repositoryPath, component), RESTIC_LOCKS_DIR, lockId);
}

/** The absolute filesystem path of a key on a local storage, as seen where the volume is mounted. */
export function localPath(storage: LocalStorage, key: string): string {
  const relative = normalizeRelativePath('key', key, { allowEmpty: true });
  if (relative === '') return storage.mountPath;
  return storage.mountPath === '/' ? `/${relative}` : `${storage.mountPath}/${relative}`;
}
