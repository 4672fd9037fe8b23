// The least-privilege identity of a session's backup Jobs (pure). When the Addon's jobTemplate names no
// ServiceAccount, one per session of a BackupConfiguration, reused by every run, with the Roles and the
// dump reader below; when it names the user's own, that account is bound to the Roles only:
// - a Role in the session's namespace: read BackupSessions and its BackupConfiguration, read the
//   Snapshots and write their status, read its Repositories, BackupStorages and the Secrets they name, and
//   list pods and Jobs (to judge a stale restic lock);
// - a Role in each other namespace holding a BackupStorage or Secret the session uses (no owner: owner
//   references cannot cross namespaces; labelled with the invoker for cleanup);
// - the ClusterRole cairn-kubedump-reader (get/list on everything, installed with Cairn) bound for the
//   dump's scope (dumpScope: today the whole cluster, by a ClusterRoleBinding).
import { backupJobServiceAccountName, controllerReference, invokerLabels } from '../../api/backup-names.ts';
import { validNameWithPrefixAndSuffix } from '../../api/names.ts';
import { apiVersionOf, K8S, KUBESTASH, type ResourceType } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import type { ConfigurationObject, SessionSpec } from './plan.ts';

/** The ClusterRole (deploy/rbac) that lets a dump get and list every resource. */
export const KUBEDUMP_READER_CLUSTER_ROLE = 'cairn-kubedump-reader';

export interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RbacObject {
  resource: ResourceType;
  object: KubeObject;
}

export interface RbacInput {
  configuration: ConfigurationObject;
  spec: SessionSpec;
  serviceAccount: string;
  /**
   * False when the jobTemplate names the user's own ServiceAccount: it is bound to the session's Role (the
   * Snapshot status writes and reads the task needs) but neither created nor given the dump reader, so
   * what it may dump stays what its owner granted.
   */
  managed?: boolean;
  /** BackupStorages by `namespace/name` (for the Secret each names). */
  storage: (namespace: string, name: string) => KubeObject | undefined;
}

/** The Secret names a BackupStorage's provider section refers to (`spec.storage.<provider>.secretName`). */
export function storageSecretNames(storage: KubeObject | undefined): string[] {
  const spec = (storage?.spec as { storage?: Record<string, unknown> } | undefined)?.storage ?? {};
  const names: string[] = [];
  for (const v of Object.values(spec)) {
    const name = (v as { secretName?: unknown } | null)?.secretName;
    if (typeof name === 'string' && name) names.push(name);
  }
  return names;
}

/**
 * A Role holding each namespace's rules and a RoleBinding of it to `subject`, named and labelled by `meta`
 * (the Role and its binding share a name), in the order they are applied (each Role before its binding).
 */
export function rolesAndBindings(
  rules: Map<string, Rule[]>,
  meta: (namespace: string) => NonNullable<KubeObject['metadata']> & { name: string },
  subject: { kind: string; name: string; namespace: string },
): RbacObject[] {
  const out: RbacObject[] = [];
  for (const [n, list] of rules) {
    const m = meta(n);
    out.push({
      resource: K8S.roles,
      object: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: m, rules: list },
    });
    out.push({
      resource: K8S.roleBindings,
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(n),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: m.name },
        subjects: [subject],
      },
    });
  }
  return out;
}

/** The rules of the session's Job, by namespace. */
export function sessionRules(i: RbacInput): Map<string, Rule[]> {
  const bc = i.configuration;
  const ns = bc.metadata?.namespace ?? '';
  const storages = new Map<string, Set<string>>();
  const secrets = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, n: string, name: string): void => {
    const set = m.get(n) ?? new Set<string>();
    set.add(name);
    m.set(n, set);
  };
  for (const b of bc.spec?.backends ?? []) {
    if (!b.storageRef?.name) continue;
    const sns = b.storageRef.namespace ?? ns;
    add(storages, sns, b.storageRef.name);
    for (const s of storageSecretNames(i.storage(sns, b.storageRef.name))) add(secrets, sns, s);
  }
  for (const r of i.spec.repositories ?? []) {
    if (r.encryptionSecret?.name) add(secrets, r.encryptionSecret.namespace ?? ns, r.encryptionSecret.name);
  }
  const repos = (i.spec.repositories ?? []).map((r) => r.name).sort();
  const rules = new Map<string, Rule[]>();
  rules.set(ns, [
    { apiGroups: ['core.kubestash.com'], resources: ['backupsessions'], verbs: ['get', 'list', 'watch'] },
    {
      apiGroups: ['core.kubestash.com'],
      resources: ['backupconfigurations'],
      verbs: ['get'],
      resourceNames: [bc.metadata?.name ?? ''],
    },
    { apiGroups: ['storage.kubestash.com'], resources: ['snapshots'], verbs: ['get', 'list', 'watch'] },
    {
      apiGroups: ['storage.kubestash.com'],
      resources: ['snapshots/status'],
      verbs: ['get', 'update', 'patch'],
    },
    // Whether the pod that left a restic lock is gone (src/tasks/kubedump/host-gone.ts): its pod, else the
    // backup Job it belonged to, both by LIST.
    { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    { apiGroups: ['batch'], resources: ['jobs'], verbs: ['list'] },
    ...(repos.length
      ? [
          {
            apiGroups: ['storage.kubestash.com'],
            resources: ['repositories'],
            verbs: ['get'],
            resourceNames: repos,
          },
        ]
      : []),
  ]);
  for (const [n, names] of storages) {
    const list = rules.get(n) ?? [];
    list.push({
      apiGroups: ['storage.kubestash.com'],
      resources: ['backupstorages'],
      verbs: ['get'],
      resourceNames: [...names].sort(),
    });
    rules.set(n, list);
  }
  for (const [n, names] of secrets) {
    const list = rules.get(n) ?? [];
    list.push({ apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [...names].sort() });
    rules.set(n, list);
  }
  return rules;
}

/**
 * Where the dump reads. Always the whole cluster today: the dump lists each resource type at the cluster
 * scope and selects namespaces itself (whatever the target), so a binding in one namespace is refused at
 * its first LIST. Narrowing this needs the dump's own plan of what it lists.
 */
export function dumpScope(_configuration: ConfigurationObject, _spec: SessionSpec): { namespace?: string } {
  return {};
}

/** Every object of the session's identity, to be applied in order (ServiceAccount first). */
export function sessionRbac(i: RbacInput): RbacObject[] {
  const bc = i.configuration;
  const ns = bc.metadata?.namespace ?? '';
  const bcName = bc.metadata?.name ?? '';
  const labels = invokerLabels({ kind: 'BackupConfiguration', name: bcName, namespace: ns });
  const owner = [
    controllerReference({
      apiVersion: bc.apiVersion ?? apiVersionOf(KUBESTASH.backupConfigurations),
      kind: 'BackupConfiguration',
      metadata: bc.metadata ?? {},
    }),
  ];
  const subject = { kind: 'ServiceAccount', name: i.serviceAccount, namespace: ns };
  const managed = i.managed ?? true;
  const foreignName = validNameWithPrefixAndSuffix('backup', `${ns}-${bcName}`, i.spec.name);
  // A Role for a named ServiceAccount takes the session's own name, never the user's account's.
  const localName = managed ? i.serviceAccount : backupJobServiceAccountName(bcName, i.spec.name);
  const meta = (n: string, name = n === ns ? localName : foreignName) => ({
    name,
    namespace: n,
    labels,
    ...(n === ns ? { ownerReferences: owner } : {}),
  });
  const out: RbacObject[] = managed
    ? [
        {
          resource: K8S.serviceAccounts,
          object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ns) },
        },
      ]
    : [];
  out.push(...rolesAndBindings(sessionRules(i), meta, subject));
  if (!managed) return out;
  const scope = dumpScope(bc, i.spec);
  const readerRef = {
    apiGroup: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    name: KUBEDUMP_READER_CLUSTER_ROLE,
  };
  const readerName = validNameWithPrefixAndSuffix('kubedump', `${ns}-${bcName}`, i.spec.name);
  if (scope.namespace !== undefined) {
    out.push({
      resource: K8S.roleBindings,
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {
          name: readerName,
          namespace: scope.namespace,
          labels,
          ...(scope.namespace === ns ? { ownerReferences: owner } : {}),
        },
        roleRef: readerRef,
        subjects: [subject],
      },
    });
  } else {
    out.push({
      resource: K8S.clusterRoleBindings,
      object: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: readerName, labels },
        roleRef: readerRef,
        subjects: [subject],
      },
    });
  }
  return out;
}
