// The labels, owner references and per-session names Cairn puts on the objects a backup creates: the
// BackupSession a trigger writes, its Snapshots, the backup Job and its ServiceAccount. The label keys are
// KubeStash's, so `kubectl get backupsession -l kubestash.com/invoker-name=<bc>` and similar selections from
// KubeStash's guides work unchanged. Object names themselves are in names.ts.
import type { OwnerReference } from './kinds/references.ts';
import { fitName, validNameWithPrefixAndSuffix } from './names.ts';

/** Label keys KubeStash sets on the objects it creates on behalf of an invoker. */
export const LABEL = {
  managedBy: 'app.kubernetes.io/managed-by',
  component: 'app.kubernetes.io/component',
  invokerKind: 'kubestash.com/invoker-kind',
  invokerName: 'kubestash.com/invoker-name',
  invokerNamespace: 'kubestash.com/invoker-namespace',
  sessionName: 'kubestash.com/session-name',
  repoName: 'kubestash.com/repo-name',
  appRefKind: 'kubestash.com/app-ref-kind',
  appRefName: 'kubestash.com/app-ref-name',
  appRefNamespace: 'kubestash.com/app-ref-namespace',
} as const;

/** The value of app.kubernetes.io/managed-by: KubeStash's, so tools that select by it see Cairn's objects too. */
export const MANAGED_BY = 'kubestash.com';

/** Finalizer on the objects the operator cleans up after (BackupSession, Snapshot, Repository, ...). */
export const CLEANUP_FINALIZER = 'kubestash.com/cleanup';

/** Values of app.kubernetes.io/component on Jobs and their pods, by what the Job does. */
export const COMPONENT = {
  backup: 'kubestash-backup',
  restore: 'kubestash-restore',
  initializer: 'kubestash-initializer',
  uploader: 'kubestash-uploader',
  cleaner: 'kubestash-cleaner',
  retentionPolicy: 'kubestash-retention-policy',
  hook: 'kubestash-hook',
  populator: 'kubestash-populator',
  backupVerifier: 'kubestash-backup-verifier',
} as const;

/** Annotation keys KubeStash reads or writes. */
export const ANNOTATION = {
  blueprintName: 'blueprint.kubestash.com/name',
  blueprintNamespace: 'blueprint.kubestash.com/namespace',
  blueprintSessionNames: 'blueprint.kubestash.com/session-names',
  restoreBeneficiary: 'restoresession.kubestash.com/beneficiary',
} as const;

/** Longest label value the API server accepts. */
export const MAX_LABEL_VALUE_LENGTH = 63;

export interface Invoker {
  kind: string;
  name: string;
  namespace: string;
}

export interface AppRef {
  apiGroup?: string;
  kind?: string;
  name: string;
  namespace?: string;
}

/**
 * The labels on everything created on behalf of an invoker (a BackupConfiguration, RestoreSession or
 * BackupVerifier). Values are object names, fitted to 63 characters by the same middle cut as generated
 * names, since an object name may be longer than a label value can be.
 */
export function invokerLabels(invoker: Invoker): Record<string, string> {
  return {
    [LABEL.managedBy]: MANAGED_BY,
    [LABEL.invokerKind]: labelValue(invoker.kind),
    [LABEL.invokerName]: labelValue(invoker.name),
    [LABEL.invokerNamespace]: labelValue(invoker.namespace),
  };
}

/**
 * The labels of a BackupSession of a BackupConfiguration's session, and so of everything that session's
 * run creates: the invoker labels plus the session name.
 */
export function backupSessionLabels(
  backupConfiguration: { name: string; namespace: string },
  session: string,
): Record<string, string> {
  return {
    ...invokerLabels({ kind: 'BackupConfiguration', ...backupConfiguration }),
    [LABEL.sessionName]: labelValue(session),
  };
}

/** The labels of a backup Job and its pod: the BackupSession's labels and the backup component. */
export function backupJobLabels(sessionLabels: Readonly<Record<string, string>>): Record<string, string> {
  return { ...sessionLabels, [LABEL.component]: COMPONENT.backup };
}

/**
 * The labels of a Snapshot: its repository and the target it holds. A target's absent kind or namespace (a
 * cluster-wide dump has no target at all) gives no label rather than an empty one.
 */
export function snapshotLabels(repository: string, appRef?: AppRef): Record<string, string> {
  const labels: Record<string, string> = { [LABEL.repoName]: labelValue(repository) };
  if (appRef?.kind) labels[LABEL.appRefKind] = labelValue(appRef.kind);
  if (appRef?.name) labels[LABEL.appRefName] = labelValue(appRef.name);
  if (appRef?.namespace) labels[LABEL.appRefNamespace] = labelValue(appRef.namespace);
  return labels;
}

/** An object name fitted to a label value (names of up to 63 characters are unchanged). */
export function labelValue(name: string): string {
  return fitName(name, MAX_LABEL_VALUE_LENGTH);
}

/** What an owner reference needs of its owner. */
export interface Owner {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; uid?: string };
}

/**
 * The controller reference to `owner`: deleting the owner deletes the object, and the owner cannot be
 * deleted in the foreground before it. Throws when the owner has no name or uid (it was not read from the
 * API server), since a reference without a uid is refused or, worse, dangles.
 */
export function controllerReference(owner: Owner): OwnerReference {
  const { name, uid } = owner.metadata;
  if (!name || !uid) {
    throw new Error(
      `${owner.kind} ${name ?? '(no name)'} has no uid: read it from the API server before owning`,
    );
  }
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name,
    uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * The ServiceAccount of the backup Jobs of one session of a BackupConfiguration when the Addon's jobTemplate
 * names none: `backup-<backupconfiguration>-<session>`, fitted to 63 characters. One per session rather than
 * per run, so that runs reuse it and its RoleBinding instead of creating both every time. (KubeStash's own
 * name for it is not documented.)
 */
export function backupJobServiceAccountName(backupConfiguration: string, session: string): string {
  return validNameWithPrefixAndSuffix('backup', backupConfiguration, session);
}

/** The args of the trigger CronJob's container: `cairn trigger-backup` for one session. */
export function triggerBackupArgs(backupConfiguration: string, session: string): string[] {
  return [
    'trigger-backup',
    `--invoker-name=${backupConfiguration}`,
    '--invoker-kind=BackupConfiguration',
    `--session-name=${session}`,
  ];
}
