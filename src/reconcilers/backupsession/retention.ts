// Applying retention when a BackupSession finishes: each Snapshot the plan (retention-plan.ts) drops gets
// `spec.deletionPolicy: WipeOut` and is deleted; its finalizer (the Snapshot reconciler) then removes its
// restic snapshots and its record from the backend. The outcome per repository becomes an entry of
// `status.retentionPolicy[]`; a repository whose policy is missing or whose Snapshot could not be deleted
// is FailedToApply with the object named, which fails the session.
import { KUBESTASH } from '../../api/resource-type.ts';
import { apiMessage, isNotFound } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import type { Informer } from '../../kube/informer.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import { sessionSpec, type ConfigurationObject, type SessionObject } from './plan.ts';
import {
  retentionEntries,
  retentionPlan,
  type RetentionEntry,
  type RetentionPolicyObject,
  type RetentionSnapshot,
} from './retention-plan.ts';

export interface RetentionSources {
  configurations: Informer<ConfigurationObject>;
  retentionPolicies: Informer<RetentionPolicyObject>;
}

/**
 * Applies the retention of every repository of the finishing `session` to `snapshots` (every Snapshot of
 * its namespace, read fresh) and returns the status entries. Undefined when the run's BackupConfiguration
 * or session is gone (there is no policy to apply, and the run already says why it failed).
 */
export async function applySessionRetention(
  client: KubeClient,
  sources: RetentionSources,
  session: SessionObject,
  snapshots: readonly RetentionSnapshot[],
  now: Date,
): Promise<RetentionEntry[] | undefined> {
  const namespace = session.metadata?.namespace ?? '';
  const configuration = sources.configurations.get(session.spec?.invoker?.name ?? '', namespace);
  const spec = sessionSpec(configuration, session.spec?.session);
  if (!configuration || !spec) return undefined;
  const previous = session.status?.retentionPolicy;
  const plans = retentionPlan({
    namespace,
    configuration,
    spec,
    snapshots,
    policy: (n, ns) => sources.retentionPolicies.get(n, ns),
    ...(previous ? { previous } : {}),
    now,
  });
  const byName = new Map(snapshots.map((s) => [s.metadata?.name ?? '', s]));
  const failures = new Map<string, string>();
  for (const plan of plans) {
    if (plan.error !== undefined) continue;
    const failed: string[] = [];
    for (const name of plan.toDelete) {
      try {
        await wipeOut(client, namespace, name, byName.get(name)?.spec?.deletionPolicy);
      } catch (err) {
        failed.push(`Snapshot ${namespace}/${name}: ${apiMessage(err)}`);
      }
    }
    if (failed.length > 0) {
      failures.set(
        plan.repository,
        `deleting the Snapshots RetentionPolicy ${plan.ref?.namespace ?? ''}/${plan.ref?.name ?? ''} drops failed (${failed.join('; ')}); delete them by hand (kubectl delete snapshot) after setting spec.deletionPolicy: WipeOut`,
      );
    }
  }
  const entries = retentionEntries(previous, plans, failures);
  for (const plan of plans) {
    const error = plan.error ?? failures.get(plan.repository);
    const ref = plan.ref ? `RetentionPolicy ${plan.ref.namespace}/${plan.ref.name}` : 'Retention';
    await recordEvent(client, {
      regarding: session,
      type: error === undefined ? EventType.Normal : EventType.Warning,
      reason: error === undefined ? 'RetentionPolicyApplied' : 'RetentionPolicyFailedToApply',
      action: 'ApplyRetentionPolicy',
      note:
        error ??
        `${ref} applied to Repository ${namespace}/${plan.repository}: ${plan.decisions.join('; ') || 'no Snapshot to judge'}`,
    });
  }
  return entries;
}

/** Marks the Snapshot WipeOut (so its finalizer removes its data) and deletes it; a Snapshot gone is done. */
async function wipeOut(
  client: KubeClient,
  namespace: string,
  name: string,
  deletionPolicy: string | undefined,
): Promise<void> {
  if (deletionPolicy !== 'WipeOut') {
    const patched = await client
      .patch(KUBESTASH.snapshots, name, { spec: { deletionPolicy: 'WipeOut' } }, { namespace, type: 'merge' })
      .catch((err: unknown) => {
        if (isNotFound(err)) return undefined;
        throw err;
      });
    if (patched === undefined) return;
  }
  await client.delete(KUBESTASH.snapshots, name, { namespace });
}
