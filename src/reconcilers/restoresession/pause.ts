// Which backups a RestoreSession pauses while it runs (pure): the BackupConfigurations whose target is the
// session's target, so that no backup takes a half-restored state. Only those it paused itself are resumed:
// each one it pauses carries an annotation naming the session, written in the same patch as `spec.paused`,
// so the record survives a crash between that patch and the session's status (status.pausedBackups is
// derived from the annotations, never the other way round).
import type { KubeObject } from '../../kube/types.ts';
import type { RestoreSessionObject, TypedRef } from './plan.ts';

/** The annotation on a BackupConfiguration paused by a RestoreSession: `<namespace>/<name>` of the session. */
export const PAUSED_BY_ANNOTATION = 'restore.cairn.dev/paused-by';

/**
 * Finalizer that keeps a session until it has released what it holds outside itself: the backups it paused
 * (to resume) and its Roles in other namespaces (which no owner reference can remove).
 */
export const RELEASE_FINALIZER = 'restore.cairn.dev/release';

export interface BackupConfigurationObj extends KubeObject {
  spec?: { target?: TypedRef; paused?: boolean };
}

export function sessionId(rs: RestoreSessionObject): string {
  return `${rs.metadata?.namespace ?? ''}/${rs.metadata?.name ?? ''}`;
}

function sameTarget(a: TypedRef, aNs: string, b: TypedRef, bNs: string): boolean {
  const ns = (t: TypedRef, d: string) =>
    t.kind === 'Namespace' && (t.apiGroup ?? '') === '' ? '' : t.namespace || d;
  return (
    (a.apiGroup ?? '') === (b.apiGroup ?? '') &&
    a.kind === b.kind &&
    a.name === b.name &&
    ns(a, aNs) === ns(b, bNs)
  );
}

/** The BackupConfigurations (of any namespace) that back up the session's target; none without a target. */
export function backupsOfTarget(
  rs: RestoreSessionObject,
  configurations: readonly BackupConfigurationObj[],
): BackupConfigurationObj[] {
  const t = rs.spec?.target;
  if (!t) return [];
  const rsNs = rs.metadata?.namespace ?? '';
  return configurations.filter((bc) => {
    const bt = bc.spec?.target;
    return bt !== undefined && sameTarget(t, rsNs, bt, bc.metadata?.namespace ?? '');
  });
}

/** The configurations this session paused (by the annotation), sorted by namespace and name. */
export function pausedBy(
  rs: RestoreSessionObject,
  configurations: readonly BackupConfigurationObj[],
): TypedRef[] {
  const id = sessionId(rs);
  return configurations
    .filter((bc) => bc.metadata?.annotations?.[PAUSED_BY_ANNOTATION] === id)
    .map((bc) => ({
      apiGroup: 'core.kubestash.com',
      kind: 'BackupConfiguration',
      namespace: bc.metadata?.namespace ?? '',
      name: bc.metadata?.name ?? '',
    }))
    .sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/**
 * The configurations to pause now: those backing up the target that are not paused yet. One already paused
 * (by its owner or another restore) is left alone, and so is never resumed by this session.
 */
export function toPause(
  rs: RestoreSessionObject,
  configurations: readonly BackupConfigurationObj[],
): BackupConfigurationObj[] {
  return backupsOfTarget(rs, configurations).filter((bc) => !bc.spec?.paused);
}

/** The merge patch that pauses a configuration on behalf of the session. */
export function pausePatch(rs: RestoreSessionObject): Record<string, unknown> {
  return { metadata: { annotations: { [PAUSED_BY_ANNOTATION]: sessionId(rs) } }, spec: { paused: true } };
}

/** The merge patch that resumes a configuration the session paused. */
export function resumePatch(): Record<string, unknown> {
  return { metadata: { annotations: { [PAUSED_BY_ANNOTATION]: null } }, spec: { paused: false } };
}
