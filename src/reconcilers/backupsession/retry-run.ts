// Writes a failed run's retry as retry.ts decides it: `status.nextRetry` first, then at that time the new
// run (AlreadyExists means an earlier attempt created it) and `status.retried`, each status write conditional
// on the resourceVersion read.
import { KUBESTASH } from '../../api/resource-type.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { ReconcileResult } from '../../controller/reconciler.ts';
import { statusCode } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import { retryDecision, type RetryConfiguration, type RetrySession } from './retry.ts';

/** Retries `session` if it failed with retries left; the time to come back when one is pending. */
export async function retryFailedRun(
  client: KubeClient,
  session: RetrySession,
  configuration: RetryConfiguration | undefined,
  now: Date,
): Promise<ReconcileResult | void> {
  const decision = retryDecision(session, configuration, now);
  if (decision.kind === 'none') return;
  if (decision.kind === 'wait') return { requeueAfterMs: decision.afterMs };
  const ns = session.metadata?.namespace ?? '';
  const name = session.metadata?.name ?? '';
  const opts = { resourceVersion: session.metadata?.resourceVersion };
  if (decision.kind === 'schedule') {
    await client.patchStatus(KUBESTASH.backupSessions, name, ns, { nextRetry: decision.nextRetry }, opts);
    return { requeueAfterMs: decision.afterMs };
  }
  try {
    await client.create(KUBESTASH.backupSessions, decision.session, { namespace: ns });
  } catch (err) {
    if (statusCode(err) !== 409) throw err;
  }
  await client.patchStatus(KUBESTASH.backupSessions, name, ns, { retried: true }, opts);
  await recordEvent(client, {
    regarding: session,
    type: EventType.Normal,
    reason: 'BackupRetried',
    action: 'RetryBackup',
    note: `Run ${ns}/${name} failed; its retry ${decision.session.metadata?.name ?? ''} was created`,
  });
}
