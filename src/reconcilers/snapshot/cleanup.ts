// The writes of the Snapshot's cleanup finalizer (decisions in cleanup-plan.ts): adding and removing
// `kubestash.com/cleanup` (merge patches conditional on the resourceVersion read), the cleanup Job and its
// identity, the failed Job deleted when its retry is due, and the condition and Events that say what
// happened to the data.
import { findCondition, setCondition } from '../../api/conditions.ts';
import { K8S, KUBESTASH } from '../../api/resource-type.ts';
import { isConflict } from '../../kube/errors.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { ReconcileResult } from '../../controller/reconciler.ts';
import {
  cleanupJob,
  cleanupJobName,
  cleanupRbac,
  cleanupRules,
  deletionStep,
  foreignRbacName,
  SNAPSHOT_FINALIZER,
  type CleanupRepositoryObject,
  type CleanupSnapshotObject,
} from './cleanup-plan.ts';

export const FIELD_MANAGER = 'cairn-operator';

/** Lookups in the shared caches, by name and namespace. */
export interface CleanupSources {
  repository: (name: string, namespace: string) => CleanupRepositoryObject | undefined;
  storage: (name: string, namespace: string) => KubeObject | undefined;
  job: (name: string, namespace: string) => KubeObject | undefined;
}

export interface CleanupContext {
  client: KubeClient;
  sources: CleanupSources;
  /** Cairn's image: the cleanup Job's container runs `cairn snapshot cleanup`. */
  image: string;
  now: Date;
}

/**
 * Keeps the finalizer and runs the deletion of `snapshot`. Returns undefined when the Snapshot is live
 * and has its finalizer (the caller goes on with the status), else what the reconcile returns.
 */
export async function reconcileFinalizer(
  ctx: CleanupContext,
  snapshot: CleanupSnapshotObject,
): Promise<ReconcileResult | undefined> {
  const ns = snapshot.metadata?.namespace ?? '';
  const name = snapshot.metadata?.name ?? '';
  const repository = ctx.sources.repository(snapshot.spec?.repository ?? '', ns);
  const ref = repository?.spec?.storageRef;
  const storage = ref ? ctx.sources.storage(ref.name, ref.namespace ?? ns) : undefined;
  const found = ctx.sources.job(cleanupJobName(name), ns);
  const job = found?.metadata?.ownerReferences?.some((o) => o.uid === snapshot.metadata?.uid)
    ? found
    : undefined;
  const step = deletionStep({
    snapshot,
    ...(repository ? { repository } : {}),
    ...(storage ? { storage } : {}),
    ...(job ? { job } : {}),
    now: ctx.now,
  });
  switch (step.kind) {
    case 'nothing':
      return snapshot.metadata?.deletionTimestamp ? {} : undefined;
    case 'add-finalizer':
      await setFinalizers(ctx.client, snapshot, [
        ...(snapshot.metadata?.finalizers ?? []),
        SNAPSHOT_FINALIZER,
      ]);
      return {};
    case 'release':
      if (step.warning) await event(ctx, snapshot, EventType.Warning, 'SnapshotDataLeftBehind', step.warning);
      await release(ctx.client, snapshot);
      return {};
    case 'run-job': {
      if (!repository || !storage) return {};
      for (const o of cleanupRbac(snapshot, repository, storage)) {
        await ctx.client.apply(o.resource, o.object, { fieldManager: FIELD_MANAGER, force: true });
      }
      try {
        await ctx.client.create(K8S.jobs, cleanupJob(snapshot, ctx.image, storage), { namespace: ns });
      } catch (err) {
        if (!isConflict(err)) throw err; // created by an earlier reconcile; the cache will show it
      }
      await event(
        ctx,
        snapshot,
        EventType.Normal,
        'SnapshotCleanupStarted',
        `Job ${ns}/${cleanupJobName(name)} removes the restic snapshots and the record of Snapshot ${ns}/${name} (deletionPolicy WipeOut)`,
      );
      return {};
    }
    case 'wait':
      return {};
    case 'done': {
      if (repository && storage) {
        for (const n of cleanupRules(snapshot, repository, storage).keys()) {
          if (n === ns) continue;
          const other = { namespace: n };
          await ctx.client.delete(K8S.roleBindings, foreignRbacName(ns, name), other);
          await ctx.client.delete(K8S.roles, foreignRbacName(ns, name), other);
        }
      }
      await event(
        ctx,
        snapshot,
        EventType.Normal,
        'SnapshotDataRemoved',
        `The restic snapshots and the record of Snapshot ${ns}/${name} were removed from its storage`,
      );
      await release(ctx.client, snapshot);
      return {};
    }
    case 'failed': {
      const current = findCondition(snapshot.status?.conditions, step.condition.type);
      if (current?.message !== step.condition.message || current?.status !== step.condition.status) {
        const conditions = setCondition(snapshot.status?.conditions, step.condition, () => ctx.now);
        await ctx.client.patchStatus(
          KUBESTASH.snapshots,
          name,
          ns,
          { conditions },
          {
            resourceVersion: snapshot.metadata?.resourceVersion,
          },
        );
        await event(
          ctx,
          snapshot,
          EventType.Warning,
          step.condition.reason ?? 'SnapshotCleanupIncomplete',
          step.condition.message ?? '',
        );
      }
      return { requeueAfterMs: Math.max(1_000, step.retryInMs) };
    }
    case 'rerun':
      await ctx.client.delete(K8S.jobs, cleanupJobName(name), {
        namespace: ns,
        propagationPolicy: 'Background',
      });
      return { requeueAfterMs: 1_000 };
  }
}

async function release(client: KubeClient, snapshot: CleanupSnapshotObject): Promise<void> {
  await setFinalizers(
    client,
    snapshot,
    (snapshot.metadata?.finalizers ?? []).filter((f) => f !== SNAPSHOT_FINALIZER),
  );
}

/** The finalizer list written whole, conditional on the resourceVersion read (a stale read fails with 409). */
async function setFinalizers(client: KubeClient, snapshot: KubeObject, finalizers: string[]): Promise<void> {
  await client.patch(
    KUBESTASH.snapshots,
    snapshot.metadata?.name ?? '',
    { metadata: { finalizers, resourceVersion: snapshot.metadata?.resourceVersion } },
    { namespace: snapshot.metadata?.namespace ?? '', type: 'merge' },
  );
}

function event(
  ctx: CleanupContext,
  snapshot: KubeObject,
  type: (typeof EventType)[keyof typeof EventType],
  reason: string,
  note: string,
): Promise<void> {
  return recordEvent(ctx.client, { regarding: snapshot, type, reason, action: 'DeleteSnapshot', note });
}
