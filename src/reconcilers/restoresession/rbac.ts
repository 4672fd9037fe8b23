// The identity of a restore Job (pure): a Role `restore-<rs>` in the session's namespace that lets the Job
// read its RestoreSession and write its status, and read the Snapshot, Repository, BackupStorage and the
// Secrets they name (a Role in each other namespace holding one of them, without owner: owner references
// cannot cross namespaces); each bound to the Job's ServiceAccount. When the jobTemplate names no
// ServiceAccount, Cairn creates one owned by the session; what the restore writes is granted by the user to
// the ServiceAccount they name (as KubeStash requires), never by Cairn.
import { controllerReference } from '../../api/backup-names.ts';
import { validNameWithPrefixAndSuffix } from '../../api/names.ts';
import { apiVersionOf, K8S, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import { rolesAndBindings, storageSecretNames, type RbacObject, type Rule } from '../backupsession/rbac.ts';
import { restoreJobName, restoreLabels } from './job.ts';
import { dataSourceNamespace } from './data-source.ts';
import type { RepositoryObj, RestoreSessionObject } from './plan.ts';

export interface RestoreRbacInput {
  rs: RestoreSessionObject;
  snapshot: string;
  repository: RepositoryObj | undefined;
  serviceAccount: string;
  /** Whether Cairn creates the ServiceAccount (the jobTemplate names none). */
  managed: boolean;
  storage: (namespace: string, name: string) => KubeObject | undefined;
}

/** The rules of the restore Job, by namespace. */
export function restoreRules(i: RestoreRbacInput): Map<string, Rule[]> {
  const ns = i.rs.metadata?.namespace ?? '';
  const name = i.rs.metadata?.name ?? '';
  const rules = new Map<string, Rule[]>();
  const add = (n: string, rule: Rule): void => {
    const list = rules.get(n) ?? [];
    const same = list.find(
      (r) => r.apiGroups[0] === rule.apiGroups[0] && r.resources[0] === rule.resources[0] && r.resourceNames,
    );
    if (same && rule.resourceNames) {
      same.resourceNames = [...new Set([...(same.resourceNames ?? []), ...rule.resourceNames])].sort();
    } else list.push(rule);
    rules.set(n, list);
  };
  add(ns, {
    apiGroups: ['core.kubestash.com'],
    resources: ['restoresessions'],
    verbs: ['get'],
    resourceNames: [name],
  });
  add(ns, {
    apiGroups: ['core.kubestash.com'],
    resources: ['restoresessions/status'],
    verbs: ['get', 'update', 'patch'],
    resourceNames: [name],
  });
  const dsNs = dataSourceNamespace(i.rs);
  if (i.snapshot) {
    add(dsNs, {
      apiGroups: ['storage.kubestash.com'],
      resources: ['snapshots'],
      verbs: ['get'],
      resourceNames: [i.snapshot],
    });
  }
  const repo = i.repository;
  if (repo?.metadata?.name) {
    add(dsNs, {
      apiGroups: ['storage.kubestash.com'],
      resources: ['repositories'],
      verbs: ['get'],
      resourceNames: [repo.metadata.name],
    });
    const ref = repo.spec?.storageRef;
    if (ref?.name) {
      const sNs = ref.namespace || dsNs;
      add(sNs, {
        apiGroups: ['storage.kubestash.com'],
        resources: ['backupstorages'],
        verbs: ['get'],
        resourceNames: [ref.name],
      });
      for (const s of storageSecretNames(i.storage(sNs, ref.name))) {
        add(sNs, { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [s] });
      }
    }
  }
  // The task reads the Repository's own encryption Secret whenever it opens the repository, and the
  // session's spec.dataSource.encryptionSecret as well when that is set: each is granted by name.
  const encryption = [
    { ref: repo?.spec?.encryptionSecret, defaultNs: dsNs },
    { ref: i.rs.spec?.dataSource?.encryptionSecret, defaultNs: ns },
  ];
  for (const { ref, defaultNs } of encryption) {
    if (!ref?.name) continue;
    add(ref.namespace || defaultNs, {
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get'],
      resourceNames: [ref.name],
    });
  }
  return rules;
}

/** The name of the Role and RoleBinding in a namespace other than the session's (no owner there). */
export function foreignRoleName(rs: RestoreSessionObject): string {
  return validNameWithPrefixAndSuffix(
    'restore',
    `${rs.metadata?.namespace ?? ''}-${rs.metadata?.name ?? ''}`,
    '',
  );
}

/** Every object of the Job's identity, to be applied in order (ServiceAccount first). */
export function restoreRbac(i: RestoreRbacInput): RbacObject[] {
  const ns = i.rs.metadata?.namespace ?? '';
  const localName = restoreJobName(i.rs.metadata?.name ?? '');
  const labels = restoreLabels(i.rs);
  const owner = [
    controllerReference({
      apiVersion: i.rs.apiVersion ?? apiVersionOf(KUBESTASH.restoreSessions),
      kind: 'RestoreSession',
      metadata: i.rs.metadata ?? {},
    }),
  ];
  const meta = (n: string) => ({
    name: n === ns ? localName : foreignRoleName(i.rs),
    namespace: n,
    labels,
    ...(n === ns ? { ownerReferences: owner } : {}),
  });
  const out: RbacObject[] = i.managed
    ? [
        {
          resource: K8S.serviceAccounts,
          object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ns) },
        },
      ]
    : [];
  const subject = { kind: 'ServiceAccount', name: i.serviceAccount, namespace: ns };
  out.push(...rolesAndBindings(restoreRules(i), meta, subject));
  return out;
}

/** The namespaces other than the session's that hold a Role of it (removed when the restore ends). */
export function foreignNamespaces(i: RestoreRbacInput): string[] {
  const ns = i.rs.metadata?.namespace ?? '';
  return [...restoreRules(i).keys()].filter((n) => n !== ns).sort();
}
