// What `cairn trigger-backup` writes: one BackupSession for a session of a BackupConfiguration, named and
// labelled as KubeStash's trigger does (§1.3–1.4), owned by the configuration, carrying the session's
// timeout and retries. Pure: the configuration read and the time in, the object out (or why not).
import { backupSessionLabels, controllerReference } from '../../api/backup-names.ts';
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { BackupSession } from '../../api/kinds/backupsession.ts';
import { backupSessionName } from '../../api/names.ts';
import { apiVersionOf, KUBESTASH } from '../../api/resource-type.ts';
import { q } from '../../common/json.ts';

/** The trigger cannot run as asked; the message names what and the fix. Not retryable. */
export class TriggerError extends Error {}

export interface TriggerRequest {
  invokerKind: string;
  invokerName: string;
  session: string;
}

/** Refuses invokers other than a BackupConfiguration (the only kind whose sessions are triggered). */
export function checkRequest(r: TriggerRequest): void {
  if (r.invokerKind !== 'BackupConfiguration') {
    throw new TriggerError(
      `--invoker-kind=${r.invokerKind} is not supported: trigger-backup triggers sessions of a BackupConfiguration (--invoker-kind=BackupConfiguration)`,
    );
  }
  if (!r.invokerName)
    throw new TriggerError('--invoker-name is required: the name of the BackupConfiguration');
  if (!r.session) throw new TriggerError('--session-name is required: the name of one of its spec.sessions');
}

/**
 * The BackupSession of `session` of `bc` at `now`: `<bc>-<session>-<unix seconds>` in the configuration's
 * namespace, with the invoker and session labels, the configuration as controller owner, `retryLeft` from
 * `retryConfig.maxRetry` (0 without one) and the session's `backupTimeout`. Throws TriggerError when the
 * session is not in the configuration.
 */
export function backupSessionFor(bc: BackupConfiguration, session: string, now: Date): BackupSession {
  const name = bc.metadata.name ?? '';
  const namespace = bc.metadata.namespace ?? '';
  const s = bc.spec.sessions.find((x) => x.name === session);
  if (!s) {
    const known = bc.spec.sessions.map((x) => q(x.name)).join(', ') || 'none';
    throw new TriggerError(
      `BackupConfiguration ${q(`${namespace}/${name}`)} has no session ${q(session)}: use one of ${known} in --session-name`,
    );
  }
  const spec: BackupSession['spec'] = {
    invoker: { apiGroup: KUBESTASH.backupConfigurations.group, kind: 'BackupConfiguration', name },
    session,
    retryLeft: s.retryConfig?.maxRetry ?? 0,
  };
  if (s.backupTimeout) spec.backupTimeout = s.backupTimeout;
  return {
    apiVersion: apiVersionOf(KUBESTASH.backupSessions) as BackupSession['apiVersion'],
    kind: 'BackupSession',
    metadata: {
      name: backupSessionName(name, session, now),
      namespace,
      labels: backupSessionLabels({ name, namespace }, session),
      ownerReferences: [
        controllerReference({
          apiVersion: apiVersionOf(KUBESTASH.backupConfigurations),
          kind: 'BackupConfiguration',
          metadata: bc.metadata,
        }),
      ],
    },
    spec,
  };
}
