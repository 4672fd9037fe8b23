// What the restore engine tests share: a kube-apiserver of their own on the suite's etcd under a private
// prefix, with a kube-controller-manager running the workload controllers (the suite's shared cluster runs
// no Deployment or ReplicaSet controller, and other tests rely on that), so nothing a test here does is seen
// by other tests; the names of the seeded objects, the filter of dump and restore, and result lookups. Every
// name carries an ID drawn once per test process, so each file of the family has names of its own.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { kubedumpFilter, type KubedumpFilter } from '../../../src/api/kubedump-filter.ts';
import { K8S, type ResourceType } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { startProcess, tailFile, type ManagedProcess } from '../../../src/devcluster/processes.ts';
import { dump } from '../../../src/dump/dump.ts';
import { kubeClient } from '../../../src/kube/connect.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import type { ObjectResult, RestoreSummary } from '../../../src/restore/types.ts';
import { startRestartableApiserver, type RestartableApiserver } from '../../harness/apiserver-restart.ts';

export const ID = randomBytes(3).toString('hex');
export const NS = `shop-${ID}`;
export const COPY = `shop-copy-${ID}`;
export const LABEL = `restore-test=${ID}`;
export const LABELS = { 'restore-test': ID };
export const GROUP = `r${ID}.cairn.test`;
export const CRD_NAME = `gadgets.${GROUP}`;
export const NODE_PORT = 30_000 + Math.floor(Math.random() * 2_700);
export const PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
export const FROZEN = `frozen-${randomBytes(8).toString('hex')}`;

export const t = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): ResourceType => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});
export const GADGETS = t(GROUP, 'v1', 'gadgets', 'Gadget');
export const R = {
  ...K8S,
  pvcs: t('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  replicaSets: t('apps', 'v1', 'replicasets', 'ReplicaSet'),
  ingresses: t('networking.k8s.io', 'v1', 'ingresses', 'Ingress'),
  networkPolicies: t('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy'),
  pdbs: t('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
};
/** The namespaced types the test seeds, for resourceVersion snapshots and owner lookups. */
export const NAMESPACED = [
  R.configMaps,
  R.secrets,
  R.serviceAccounts,
  R.services,
  R.pvcs,
  R.deployments,
  R.replicaSets,
  R.roles,
  R.roleBindings,
  R.ingresses,
  R.networkPolicies,
  R.pdbs,
  GADGETS,
];
export const BY_KIND = new Map(NAMESPACED.map((r) => [r.kind, r]));

const temps: string[] = [];
let api: RestartableApiserver | undefined;
let kcm: ManagedProcess | undefined;
export let client: KubeClient;

export const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'cairn-restore-'));
  temps.push(d);
  return d;
};

/** The argv of the suite's kube-controller-manager (found by its kubeconfig in the suite's directory). */
function sharedKcmArgv(dir: string): string[] {
  const kubeconfig = `--kubeconfig=${join(dir, 'kubeconfig')}`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
    } catch {
      continue;
    }
    if (argv[0]?.endsWith('kube-controller-manager') && argv.includes(kubeconfig)) return argv;
  }
  throw new Error(`no running kube-controller-manager with ${kubeconfig}`);
}

/**
 * Starts the private apiserver and its kube-controller-manager before the file's tests (resolving once the
 * controllers made the `default` ServiceAccount), then runs `setUp`; stops both, and removes the temporary
 * trees, after them. One hook does both: top-level before hooks of node:test do not wait for each other.
 */
export function usePrivateCluster(setUp?: () => Promise<unknown>): void {
  before(async () => {
    const dir = process.env.CAIRN_TEST_DIR;
    if (!dir) throw new Error('no dev cluster: run integration tests with their global setup');
    api = await startRestartableApiserver([`--etcd-prefix=/cairn-restore-${ID}`]);
    client = kubeClient({ kubeconfig: api.kubeconfig });
    const [command, ...args] = sharedKcmArgv(dir);
    const controllers = [
      'namespace-controller',
      'garbage-collector-controller',
      'deployment-controller',
      'replicaset-controller',
      'serviceaccount-controller',
      'persistentvolumeclaim-protection-controller',
    ];
    const logFile = join(dir, 'logs', `kube-controller-manager-restore-${ID}.log`);
    const proc = startProcess({
      name: 'kube-controller-manager-restore',
      command: command!,
      args: [
        ...args.filter((a) => !a.startsWith('--kubeconfig=') && !a.startsWith('--controllers=')),
        `--kubeconfig=${api.kubeconfig}`,
        `--controllers=${controllers.join(',')}`,
      ],
      logFile,
    });
    kcm = proc;
    await waitFor(
      async () => ((await client.find(K8S.serviceAccounts, 'default', 'default')) ? true : undefined),
      {
        what: `the restore test's kube-controller-manager (log: ${tailFile(logFile, 5)})`,
        timeoutMs: 60_000,
        abortIf: () => (proc.hasExited() ? 'exited' : undefined),
      },
    );
    await setUp?.();
  });

  after(async () => {
    await kcm?.stop();
    await api?.stop();
    for (const d of temps) rmSync(d, { recursive: true, force: true });
  });
}

/** The filter of both the dump and the restore: the test's namespace and its labelled cluster objects. */
export const FILTER: KubedumpFilter = kubedumpFilter({
  includeNamespaces: [NS],
  includeClusterResources: true,
  andLabelSelectors: [LABEL],
});

export async function dumpTo(dir: string): Promise<void> {
  await dump({ client, dir, scope: { generation: 'v2', filter: FILTER } });
}

/** name → resourceVersion of every seeded object in `namespace`, and of the Namespace and the CRD. */
interface Workload {
  metadata?: { generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number };
}

/** True once the controller has seen the workload's spec and reports every replica created. */
const caughtUp = (o: Workload): boolean =>
  o.status?.observedGeneration === o.metadata?.generation && o.status?.replicas === (o.spec?.replicas ?? 1);

/**
 * Resolves once the workload controllers are done writing the status of the namespace's Deployments and
 * ReplicaSets (no kubelet runs here, so the Pods stay Pending and nothing changes after that); their own
 * status writes would otherwise pass for writes of a restore.
 */
async function workloadsSettled(namespace: string): Promise<void> {
  await waitFor(
    async () => {
      for (const r of [R.deployments, R.replicaSets])
        if (!(await client.list<Workload & { metadata?: object }>(r, { namespace })).items.every(caughtUp))
          return undefined;
      return true;
    },
    {
      what: `the Deployments and ReplicaSets of ${namespace} to be caught up by their controllers`,
      timeoutMs: 60_000,
    },
  );
}

/**
 * The resourceVersion of every object of the namespace (and of the namespace and the CRD), read once the
 * workload controllers have settled: equal maps before and after a restore mean the restore wrote nothing.
 */
export async function versions(namespace: string): Promise<Map<string, string>> {
  await workloadsSettled(namespace);
  const out = new Map<string, string>();
  for (const r of NAMESPACED) {
    for (const o of (await client.list(r, { namespace })).items)
      out.set(`${r.plural} ${o.metadata?.name}`, o.metadata?.resourceVersion ?? '');
  }
  const ns = await client.get(K8S.namespaces, namespace);
  out.set(`namespace ${namespace}`, ns.metadata?.resourceVersion ?? '');
  const crd = await client.get(K8S.customResourceDefinitions, CRD_NAME);
  out.set('crd', crd.metadata?.resourceVersion ?? '');
  return out;
}

export const find = (s: RestoreSummary, resource: string, name: string, namespace?: string): ObjectResult => {
  const r = s.results.find((x) => x.resource === resource && x.name === name && x.namespace === namespace);
  assert.ok(r, `a result for ${resource} ${namespace ?? ''}/${name}`);
  return r;
};

export const show = (s: RestoreSummary): string =>
  s.results
    .map(
      (r) => `${r.outcome} ${r.resource} ${r.namespace ?? ''}/${r.name} ${r.reason ?? ''} ${r.message ?? ''}`,
    )
    .join('\n');
