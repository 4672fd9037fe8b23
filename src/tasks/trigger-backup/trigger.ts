// `cairn trigger-backup`: reads the BackupConfiguration and creates the BackupSession of one of its sessions,
// as the trigger CronJob's ServiceAccount (get on that configuration, create on backupsessions). A paused
// configuration is not triggered (a Job made by hand from its suspended CronJob does nothing).
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import type { BackupSession } from '../../api/kinds/backupsession.ts';
import { KUBESTASH } from '../../api/resource-type.ts';
import { q } from '../../common/json.ts';
import { apiMessage, errorClass } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { backupSessionFor, checkRequest, TriggerError, type TriggerRequest } from './session.ts';

export type TriggerOutcome =
  { triggered: true; backupSession: BackupSession } | { triggered: false; reason: string };

export async function triggerBackup(
  client: KubeClient,
  namespace: string,
  request: TriggerRequest,
  o: { now?: Date; signal?: AbortSignal } = {},
): Promise<TriggerOutcome> {
  checkRequest(request);
  const where = q(`${namespace}/${request.invokerName}`);
  let bc: BackupConfiguration | undefined;
  try {
    bc = await client.find<BackupConfiguration>(
      KUBESTASH.backupConfigurations,
      request.invokerName,
      namespace,
      o.signal,
    );
  } catch (err) {
    throw forbidden(err, `get BackupConfiguration ${where}`, 'get on backupconfigurations') ?? err;
  }
  if (!bc) {
    throw new TriggerError(
      `BackupConfiguration ${where} not found: check --invoker-name and the namespace (--namespace)`,
    );
  }
  if (bc.spec.paused) {
    return { triggered: false, reason: `BackupConfiguration ${where} is paused (spec.paused: true)` };
  }
  const body = backupSessionFor(bc, request.session, o.now ?? new Date()) as BackupSession & KubeObject;
  try {
    const created = await client.create<BackupSession & KubeObject>(KUBESTASH.backupSessions, body, {
      namespace,
      signal: o.signal,
    });
    return { triggered: true, backupSession: created };
  } catch (err) {
    const f = forbidden(err, `create BackupSessions in ${q(namespace)}`, 'create on backupsessions');
    if (f) throw f;
    if (errorClass(err) === 'conflict') {
      throw new TriggerError(
        `BackupSession ${q(`${namespace}/${body.metadata.name ?? ''}`)} already exists (a session was triggered in the same second): run again`,
        { cause: err },
      );
    }
    throw err;
  }
}

function forbidden(err: unknown, what: string, grant: string): TriggerError | undefined {
  if (errorClass(err) !== 'forbidden') return undefined;
  return new TriggerError(
    `this ServiceAccount may not ${what} (${apiMessage(err)}): grant it ${grant} in group ${KUBESTASH.backupSessions.group} (the operator makes a Role for its trigger CronJobs)`,
    { cause: err },
  );
}
