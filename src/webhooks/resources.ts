// The API resources the webhooks admit or read.

export interface Resource {
  group: string;
  version: string;
  /** The resource name in URLs (the CRD plural; BackupVerifier's is singular). */
  plural: string;
  kind: string;
}

const storage = (plural: string, kind: string): Resource => ({
  group: 'storage.kubestash.com',
  version: 'v1alpha1',
  plural,
  kind,
});
const core = (plural: string, kind: string): Resource => ({
  group: 'core.kubestash.com',
  version: 'v1alpha1',
  plural,
  kind,
});

export const BACKUP_STORAGES = storage('backupstorages', 'BackupStorage');
export const RETENTION_POLICIES = storage('retentionpolicies', 'RetentionPolicy');
export const REPOSITORIES = storage('repositories', 'Repository');
export const BACKUP_CONFIGURATIONS = core('backupconfigurations', 'BackupConfiguration');
export const BACKUP_SESSIONS = core('backupsessions', 'BackupSession');
export const RESTORE_SESSIONS = core('restoresessions', 'RestoreSession');
/** The CRD's plural is the singular word; a webhook registered as `backupverifiers` never runs. */
export const BACKUP_VERIFIERS = core('backupverifier', 'BackupVerifier');
export const BACKUP_VERIFICATION_SESSIONS = core('backupverificationsession', 'BackupVerificationSession');
export const HOOK_TEMPLATES = core('hooktemplates', 'HookTemplate');
export const BACKUP_BLUEPRINTS = core('backupblueprints', 'BackupBlueprint');
