// The objects a kubedump backup Job reads before it dumps: its BackupSession and the BackupConfiguration that
// invoked it (whose `spec.target` decides a first-generation scope). Read as the Job's ServiceAccount, so a
// missing permission is reported as such, with the grant that fixes it.
import { KUBESTASH } from '../../api/resource-type.ts';
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { BackupSession } from '../../api/kinds/backupsession.ts';
import type { TypedObjectReference } from '../../api/kinds/references.ts';
import type { ResourceType } from '../../api/resource-type.ts';
import { errorClass } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';

/** What the task needs to know about the session it runs for. */
export interface BackupSessionContext {
  backupSession: BackupSession;
  invoker: BackupConfiguration;
  /** `spec.target` of the invoker; undefined for a cluster-wide backup. */
  target: TypedObjectReference | undefined;
}

/** The session cannot be run: gone, not invoked by a BackupConfiguration, or not readable. Not retryable. */
export class SessionInputError extends Error {}

/**
 * Reads the BackupSession `namespace/name` and its invoker. Throws SessionInputError when either is missing,
 * when the invoker is not a BackupConfiguration, or when the ServiceAccount may not read them; other API
 * errors (retryable ones) are passed through.
 */
export async function readBackupSession(
  client: KubeClient,
  namespace: string,
  name: string,
  signal?: AbortSignal,
): Promise<BackupSessionContext> {
  const backupSession = await read<BackupSession>(client, KUBESTASH.backupSessions, namespace, name, signal);
  const invokerRef = backupSession.spec.invoker;
  if (invokerRef.kind !== 'BackupConfiguration') {
    throw new SessionInputError(
      `BackupSession ${namespace}/${name} is invoked by a ${invokerRef.kind}; a kubedump backup runs for a BackupConfiguration`,
    );
  }
  const invoker = await read<BackupConfiguration>(
    client,
    KUBESTASH.backupConfigurations,
    namespace,
    invokerRef.name,
    signal,
  );
  return { backupSession, invoker, target: invoker.spec.target };
}

async function read<T>(
  client: KubeClient,
  r: ResourceType,
  namespace: string,
  name: string,
  signal: AbortSignal | undefined,
): Promise<T> {
  try {
    const found = await client.find<T>(r, name, namespace, signal);
    if (found === undefined) throw new SessionInputError(`${r.kind} ${namespace}/${name} not found`);
    return found;
  } catch (err) {
    if (errorClass(err) === 'forbidden') {
      throw new SessionInputError(
        `the Job's ServiceAccount may not get ${r.kind} ${namespace}/${name}: grant it get on ${r.plural}.${r.group}`,
        { cause: err },
      );
    }
    throw err;
  }
}
