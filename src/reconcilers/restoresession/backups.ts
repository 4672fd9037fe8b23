// The writes around what a RestoreSession holds outside itself: the finalizer that keeps the session until
// it has let go, the pause of the target's backups, and the release when the session ends or is deleted
// (resume what it paused, remove the Roles it made in other namespaces, drop the finalizer). Each write is
// idempotent.
import { KUBESTASH, K8S } from '../../api/resource-type.ts';
import type { KubeClient } from '../../kube/types.ts';
import {
  pausedBy,
  pausePatch,
  PAUSED_BY_ANNOTATION,
  RELEASE_FINALIZER,
  resumePatch,
  sessionId,
  toPause,
  type BackupConfigurationObj,
} from './pause.ts';
import type { RestoreSessionObject, TypedRef } from './plan.ts';

const MERGE = { type: 'merge' as const };

/**
 * Pauses the configurations backing up the target that are not paused yet, after adding the finalizer (so
 * that a deletion cannot leave them paused). The finalizer is added as well when `foreignRoles` says the
 * Job's identity will have Roles in other namespaces, so that a deletion removes them too. Returns the
 * session as last written and the configurations it has paused, including earlier ones.
 */
export async function pauseBackups(
  client: KubeClient,
  rs: RestoreSessionObject,
  configurations: readonly BackupConfigurationObj[],
  o: { foreignRoles?: boolean } = {},
): Promise<{ rs: RestoreSessionObject; paused: TypedRef[] }> {
  const pending = toPause(rs, configurations);
  let current = rs;
  const finalizers = rs.metadata?.finalizers ?? [];
  if ((pending.length > 0 || o.foreignRoles) && !finalizers.includes(RELEASE_FINALIZER)) {
    current = await client.patch<RestoreSessionObject>(
      KUBESTASH.restoreSessions,
      rs.metadata?.name ?? '',
      {
        metadata: {
          finalizers: [...finalizers, RELEASE_FINALIZER],
          resourceVersion: rs.metadata?.resourceVersion,
        },
      },
      { ...MERGE, namespace: rs.metadata?.namespace },
    );
  }
  const patched: BackupConfigurationObj[] = [];
  for (const bc of pending) {
    patched.push(
      await client.patch<BackupConfigurationObj>(
        KUBESTASH.backupConfigurations,
        bc.metadata?.name ?? '',
        pausePatch(rs),
        { ...MERGE, namespace: bc.metadata?.namespace },
      ),
    );
  }
  const seen = new Set(patched.map((b) => `${b.metadata?.namespace}/${b.metadata?.name}`));
  const all = [
    ...patched,
    ...configurations.filter((b) => !seen.has(`${b.metadata?.namespace}/${b.metadata?.name}`)),
  ];
  return { rs: current, paused: pausedBy(rs, all) };
}

export interface ReleaseOptions {
  /** Namespaces other than the session's holding its Role and RoleBinding, to delete. */
  foreignRoles?: { namespaces: readonly string[]; name: string };
  /** Leave the finalizer for `dropReleaseFinalizer` (when a status write comes in between). */
  keepFinalizer?: boolean;
}

/**
 * Resumes the configurations this session paused (only those: the annotation names it), deletes its Roles
 * in other namespaces when asked, and, unless `keepFinalizer`, drops the finalizer. Nothing is written when
 * nothing is left to do.
 */
export async function releaseBackups(
  client: KubeClient,
  rs: RestoreSessionObject,
  configurations: readonly BackupConfigurationObj[],
  o: ReleaseOptions = {},
): Promise<void> {
  const id = sessionId(rs);
  for (const bc of configurations) {
    if (bc.metadata?.annotations?.[PAUSED_BY_ANNOTATION] !== id) continue;
    await client.patch(KUBESTASH.backupConfigurations, bc.metadata?.name ?? '', resumePatch(), {
      ...MERGE,
      namespace: bc.metadata?.namespace,
    });
  }
  for (const n of o.foreignRoles?.namespaces ?? []) {
    await client.delete(K8S.roleBindings, o.foreignRoles?.name ?? '', { namespace: n });
    await client.delete(K8S.roles, o.foreignRoles?.name ?? '', { namespace: n });
  }
  if (!o.keepFinalizer) await dropReleaseFinalizer(client, rs);
}

/** Removes the finalizer that keeps the session until it has released what it holds; nothing when absent. */
export async function dropReleaseFinalizer(client: KubeClient, rs: RestoreSessionObject): Promise<void> {
  const finalizers = rs.metadata?.finalizers ?? [];
  if (!finalizers.includes(RELEASE_FINALIZER)) return;
  await client.patch(
    KUBESTASH.restoreSessions,
    rs.metadata?.name ?? '',
    {
      metadata: {
        finalizers: finalizers.filter((f) => f !== RELEASE_FINALIZER),
        resourceVersion: rs.metadata?.resourceVersion,
      },
    },
    { ...MERGE, namespace: rs.metadata?.namespace },
  );
}
