// The objects a kubedump restore Job reads before it restores: its RestoreSession, and the Snapshot it
// restores (named by `--snapshot`, which the operator resolves; else by `spec.dataSource.snapshot`; `latest`
// or nothing means the newest Succeeded Snapshot of `spec.dataSource.repository`). Read as the Job's
// ServiceAccount, so a missing permission is reported as such, with the grant that fixes it.
import { LATEST_SNAPSHOT, type RestoreSession } from '../../api/kinds/restoresession.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { errorClass } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import { RepositoryObjects } from '../../repository/objects.ts';
import type { SecretBook } from '../../repository/secret-book.ts';
import { latestSnapshot } from '../../restore/download.ts';
import { SessionInputError } from './session.ts';

const OBJECT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Which Snapshot a restore reads, and how it was chosen. */
export interface SnapshotChoice {
  /** Namespace of the Snapshot and its Repository: `spec.dataSource.namespace`, else the session's. */
  namespace: string;
  name: string;
  /** `flag` (`--snapshot`), `session` (`spec.dataSource.snapshot`) or `latest` (resolved here). */
  by: 'flag' | 'session' | 'latest';
}

/**
 * Reads the RestoreSession `namespace/name`. Throws SessionInputError when it is missing or the
 * ServiceAccount may not read it; other API errors (retryable ones) are passed through.
 */
export async function readRestoreSession(
  client: KubeClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<RestoreSession> {
  try {
    const found = await client.find<RestoreSession>(KUBESTASH.restoreSessions, name, namespace, signal);
    if (found === undefined) throw new SessionInputError(`RestoreSession ${namespace}/${name} not found`);
    return found;
  } catch (err) {
    if (errorClass(err) === 'forbidden') {
      throw new SessionInputError(
        `the Job's ServiceAccount may not get RestoreSession ${namespace}/${name}: grant it get on restoresessions.core.kubestash.com`,
        { cause: err },
      );
    }
    throw err;
  }
}

/**
 * The Snapshot to restore: `flagSnapshot` when given, else `spec.dataSource.snapshot` unless it is `latest`,
 * else the newest Succeeded Snapshot of `spec.dataSource.repository` (a DownloadError when there is none; a
 * SessionInputError when the session names no repository to pick from).
 */
export async function chooseSnapshot(
  client: KubeClient,
  session: RestoreSession,
  flagSnapshot: string | undefined,
  signal?: AbortSignal,
): Promise<SnapshotChoice> {
  const source = session.spec.dataSource;
  const namespace = source.namespace || session.metadata?.namespace || 'default';
  if (flagSnapshot) return { namespace, name: flagSnapshot, by: 'flag' };
  if (source.snapshot && source.snapshot !== LATEST_SNAPSHOT) {
    // The name becomes a directory under the scratch volume, so only an object name is taken.
    if (source.snapshot.length > 253 || !OBJECT_NAME.test(source.snapshot)) {
      throw new SessionInputError(
        `spec.dataSource.snapshot ${JSON.stringify(source.snapshot)} is not a Snapshot name: name a Snapshot (lowercase letters, digits, '-' and '.') or write latest`,
      );
    }
    return { namespace, name: source.snapshot, by: 'session' };
  }
  if (!source.repository) {
    throw new SessionInputError(
      `RestoreSession ${session.metadata?.namespace ?? ''}/${session.metadata?.name ?? ''} names no Snapshot and no spec.dataSource.repository to take the latest from: set spec.dataSource.snapshot`,
    );
  }
  return {
    namespace,
    name: await latestSnapshot(client, namespace, source.repository, signal),
    by: 'latest',
  };
}

/**
 * The password of `spec.dataSource.encryptionSecret` (key RESTIC_PASSWORD), added to `book`; undefined when
 * the session names no such Secret, so the Repository's own encryption Secret is used.
 */
export async function dataSourcePassword(
  client: KubeClient,
  session: RestoreSession,
  book: SecretBook,
): Promise<string | undefined> {
  const ref = session.spec.dataSource.encryptionSecret;
  if (!ref?.name) return undefined;
  const key = { namespace: ref.namespace || session.metadata?.namespace || 'default', name: ref.name };
  const secret = await new RepositoryObjects(client).secret(key, 'spec.dataSource.encryptionSecret');
  const password = secret.data.RESTIC_PASSWORD;
  book.add(password);
  if (!password) {
    throw new SessionInputError(
      `Secret ${key.namespace}/${key.name} (spec.dataSource.encryptionSecret) has no RESTIC_PASSWORD: add the repository password under RESTIC_PASSWORD`,
    );
  }
  return password;
}
