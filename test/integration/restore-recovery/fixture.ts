// What the restore recovery test uses: the seeded namespace (300 ConfigMaps, Secrets, a ServiceAccount, a
// Deployment and its ReplicaSet) and how it is counted, the RestoreSessions of its backup, the process group
// the pod runner started for a restore Job's container, and the logs and results file that Job left.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { K8S, KUBESTASH, type ResourceType } from '../../../src/api/resource-type.ts';
import type { Condition } from '../../../src/api/conditions.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import type { ObjectResult } from '../../../src/restore/types.ts';
import type { Manifest } from '../../harness/backup-manifests.ts';
import { processes } from '../../harness/processes.ts';

export const PASSWORD = 'recovery-restic-password-7e2a';
export const SECRET_VALUES = ['db-password-3f9c81d2', 'api-token-b61e0c47', 'tls-key-material-92d5'];
export const CONFIG_MAPS = 300;
export const LABEL = 'cairn.test/seed';
export const SEED = 'restore-recovery';
const FINAL = ['Succeeded', 'Failed', 'Unknown', 'Invalid'];

export const replicaSets: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
};
/** The types seeded, each listed by the seed label to count what the restores wrote. */
const SEEDED: ResourceType[] = [
  K8S.configMaps,
  K8S.secrets,
  K8S.serviceAccounts,
  K8S.deployments,
  replicaSets,
];

interface Objects {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  failed: number;
}
interface RsStatus {
  phase?: string;
  conditions?: Condition[];
  components?: Record<string, { phase?: string; error?: string; objects?: Objects }>;
}
export type Rs = KubeObject & { status?: RsStatus };

/** The process group the pod runner started for the `cairn kubedump restore` of RestoreSession `name`. */
export function restoreContainerGroup(namespace: string, name: string): number | undefined {
  return processes().find(
    (p) =>
      p.pid === p.pgid &&
      p.argv.includes('kubedump') &&
      p.argv.includes('restore') &&
      p.argv.includes(`--namespace=${namespace}`) &&
      p.argv.includes(`--restoresession=${name}`),
  )?.pgid;
}

export const signalGroup = (pgid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, sig);
  } catch {
    // the group is gone
  }
};

/**
 * `<plural> <name>` of every object of the seeded types in `namespace`, sorted: the seeded ones and what the
 * cluster makes in every namespace (ServiceAccount `default`, ConfigMap `kube-root-ca.crt`).
 */
export async function namespaceNames(client: KubeClient, namespace: string): Promise<string[]> {
  const names: string[] = [];
  for (const type of SEEDED) {
    const list = await client.list(type, { namespace });
    for (const o of list.items) names.push(`${type.plural} ${o.metadata?.name ?? ''}`);
  }
  return names.sort();
}

export const isSeededConfigMap = (name: string): boolean => name.startsWith('configmaps settings-');

/** Resolves once the cluster's controllers made ServiceAccount `default` and ConfigMap `kube-root-ca.crt`. */
export async function clusterMade(client: KubeClient, namespace: string): Promise<void> {
  await waitFor(
    async () =>
      (await client.find(K8S.serviceAccounts, 'default', namespace)) &&
      (await client.find(K8S.configMaps, 'kube-root-ca.crt', namespace))
        ? true
        : undefined,
    { what: `the ServiceAccount and root CA ConfigMap of ${namespace}`, timeoutMs: 30_000 },
  );
}

/** 300 ConfigMaps, three Secrets, a ServiceAccount, a Deployment and the ReplicaSet it owns, in `app`. */
export async function seed(client: KubeClient, app: string): Promise<void> {
  const labels = { [LABEL]: SEED };
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    namespace: app,
    labels,
    ...extra,
  });
  const create = (type: ResourceType, o: KubeObject) => client.create(type, o, { namespace: app });
  for (let start = 0; start < CONFIG_MAPS; start += 25) {
    const batch = [];
    for (let i = start; i < Math.min(start + 25, CONFIG_MAPS); i++) {
      const name = `settings-${String(i).padStart(3, '0')}`;
      batch.push(
        create(K8S.configMaps, { metadata: meta(name), data: { index: String(i), mode: 'restored' } }),
      );
    }
    await Promise.all(batch);
  }
  for (const [i, value] of SECRET_VALUES.entries()) {
    await create(K8S.secrets, { metadata: meta(`creds-${i}`), type: 'Opaque', stringData: { value } });
  }
  await create(K8S.serviceAccounts, { metadata: meta('app') });
  const podLabels = { app: 'web', ...labels };
  const deployment = await create(K8S.deployments, {
    metadata: meta('web'),
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: podLabels },
        spec: { serviceAccountName: 'app', containers: [{ name: 'web', image: 'example.invalid/web:1' }] },
      },
    },
  });
  // The suite's cluster runs no Deployment controller: the ReplicaSet it would make is made here.
  await create(replicaSets, {
    metadata: meta('web-7d9c5b', {
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: deployment.metadata?.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    }),
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web', 'pod-template-hash': '7d9c5b' } },
      template: {
        metadata: { labels: { ...podLabels, 'pod-template-hash': '7d9c5b' } },
        spec: { serviceAccountName: 'app', containers: [{ name: 'web', image: 'example.invalid/web:1' }] },
      },
    },
  });
}

export function restoreSession(namespace: string, name: string, app: string): Manifest {
  return [
    KUBESTASH.restoreSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'RestoreSession',
      metadata: { name, namespace },
      spec: {
        target: { apiGroup: '', kind: 'Namespace', name: app },
        dataSource: { repository: 'app-repo', snapshot: 'latest' },
        addon: {
          name: 'kubedump-addon',
          tasks: [{ name: 'manifest-restore', params: { IncludeNamespaces: app } }],
          jobTemplate: { spec: { serviceAccountName: 'restorer' } },
        },
      },
    },
  ];
}

export function sessionEnded(client: KubeClient, namespace: string, name: string): Promise<Rs> {
  return waitFor(
    async () => {
      const rs = await client.find<Rs>(KUBESTASH.restoreSessions, name, namespace);
      return FINAL.includes(rs?.status?.phase ?? '') ? rs : undefined;
    },
    { what: `RestoreSession ${namespace}/${name} to end`, timeoutMs: 90_000 },
  );
}

/** The directories the pod runner kept for the pods of Job `job` in `namespace`. */
function podDirs(dir: string, namespace: string, job: string): string[] {
  const root = join(dir, 'pods', namespace);
  return existsSync(root)
    ? readdirSync(root)
        .filter((pod) => pod.startsWith(`${job}-`))
        .map((pod) => join(root, pod))
    : [];
}

/** Every container log of the pods of Job `job`. */
export function jobLogs(dir: string, namespace: string, job: string): string {
  const texts: string[] = [];
  for (const pod of podDirs(dir, namespace, job)) {
    const logs = join(pod, 'logs');
    for (const f of existsSync(logs) ? readdirSync(logs) : [])
      texts.push(readFileSync(join(logs, f), 'utf8'));
  }
  return texts.join('\n');
}

/** The results file the restore of Job `job` wrote in its scratch volume. */
export function jobResults(dir: string, namespace: string, job: string): ObjectResult[] {
  const files = podDirs(dir, namespace, job)
    .map((pod) => join(pod, 'volumes', 'kubestash-tmp-volume', 'restore', 'results.jsonl'))
    .filter((f) => existsSync(f));
  assert.equal(files.length, 1, `one results file of Job ${job}: ${files.join(', ')}`);
  return readFileSync(files[0] ?? '', 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ObjectResult);
}

export const condition = (rs: Rs, type: string) => rs.status?.conditions?.find((c) => c.type === type);
