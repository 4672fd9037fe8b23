// How an API resource is addressed: the group/version/plural in URLs, the kind in objects, and whether its
// objects live in namespaces. `src/kube` builds URLs from these; the tables below name every resource Cairn
// reads or writes, so no other module spells a group or a plural.

export interface ResourceType {
  /** The API group; '' for the core group (`/api/v1`). */
  group: string;
  version: string;
  /** The resource name in URLs (the CRD plural; BackupVerifier's is singular). */
  plural: string;
  kind: string;
  namespaced: boolean;
}

/** `group/version`, or just `version` for the core group: the `apiVersion` of the resource's objects. */
export function apiVersionOf(r: ResourceType): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

/** `plural.group` (or the plural alone for the core group), as RBAC and kubectl name a resource. */
export function qualifiedName(r: ResourceType): string {
  return r.group === '' ? r.plural : `${r.plural}.${r.group}`;
}

const builtin = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced: boolean,
): ResourceType => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

/** The Kubernetes built-in resources Cairn uses. */
export const K8S = {
  namespaces: builtin('', 'v1', 'namespaces', 'Namespace', false),
  nodes: builtin('', 'v1', 'nodes', 'Node', false),
  pods: builtin('', 'v1', 'pods', 'Pod', true),
  secrets: builtin('', 'v1', 'secrets', 'Secret', true),
  configMaps: builtin('', 'v1', 'configmaps', 'ConfigMap', true),
  serviceAccounts: builtin('', 'v1', 'serviceaccounts', 'ServiceAccount', true),
  services: builtin('', 'v1', 'services', 'Service', true),
  events: builtin('events.k8s.io', 'v1', 'events', 'Event', true),
  jobs: builtin('batch', 'v1', 'jobs', 'Job', true),
  cronJobs: builtin('batch', 'v1', 'cronjobs', 'CronJob', true),
  deployments: builtin('apps', 'v1', 'deployments', 'Deployment', true),
  leases: builtin('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  roles: builtin('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  roleBindings: builtin('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  clusterRoles: builtin('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  clusterRoleBindings: builtin(
    'rbac.authorization.k8s.io',
    'v1',
    'clusterrolebindings',
    'ClusterRoleBinding',
    false,
  ),
  customResourceDefinitions: builtin(
    'apiextensions.k8s.io',
    'v1',
    'customresourcedefinitions',
    'CustomResourceDefinition',
    false,
  ),
  mutatingWebhookConfigurations: builtin(
    'admissionregistration.k8s.io',
    'v1',
    'mutatingwebhookconfigurations',
    'MutatingWebhookConfiguration',
    false,
  ),
  validatingWebhookConfigurations: builtin(
    'admissionregistration.k8s.io',
    'v1',
    'validatingwebhookconfigurations',
    'ValidatingWebhookConfiguration',
    false,
  ),
} as const satisfies Record<string, ResourceType>;

const storage = (plural: string, kind: string, namespaced = true): ResourceType =>
  builtin('storage.kubestash.com', 'v1alpha1', plural, kind, namespaced);
const core = (plural: string, kind: string): ResourceType =>
  builtin('core.kubestash.com', 'v1alpha1', plural, kind, true);
const addons = (plural: string, kind: string): ResourceType =>
  builtin('addons.kubestash.com', 'v1alpha1', plural, kind, false);

/** The KubeStash Kinds Cairn serves. */
export const KUBESTASH = {
  backupStorages: storage('backupstorages', 'BackupStorage'),
  retentionPolicies: storage('retentionpolicies', 'RetentionPolicy'),
  repositories: storage('repositories', 'Repository'),
  snapshots: storage('snapshots', 'Snapshot'),
  backupConfigurations: core('backupconfigurations', 'BackupConfiguration'),
  backupSessions: core('backupsessions', 'BackupSession'),
  restoreSessions: core('restoresessions', 'RestoreSession'),
  /** The CRD's plural is the singular word; a webhook registered as `backupverifiers` never runs. */
  backupVerifiers: core('backupverifier', 'BackupVerifier'),
  backupVerificationSessions: core('backupverificationsession', 'BackupVerificationSession'),
  hookTemplates: core('hooktemplates', 'HookTemplate'),
  backupBlueprints: core('backupblueprints', 'BackupBlueprint'),
  addons: addons('addons', 'Addon'),
  functions: addons('functions', 'Function'),
} as const satisfies Record<string, ResourceType>;
