// KubeStash's cluster-resources and kubedump guides as the tests that run them see them (kubestash-guides-backup,
// kubestash-guides-restore): where the guides' files are, which files make each guide and what its dump must
// hold, the renaming of its namespaces, and the shapes of a guide run. The machinery that applies a guide is
// in kubestash-guide-world.ts.
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { K8S, KUBESTASH, type ResourceType } from '../../src/api/resource-type.ts';
import type { KubeObject } from '../../src/kube/types.ts';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DOCS = process.env.CAIRN_KUBESTASH_DOCS ?? join(REPO_ROOT, '..', 'shared', 'kubestash-docs');
export const BUCKET = 'kubestash-guides';

export type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** Kinds the guides create that src/api has no table entry for. */
const EXTRA: ResourceType[] = [
  {
    group: '',
    version: 'v1',
    plural: 'persistentvolumeclaims',
    kind: 'PersistentVolumeClaim',
    namespaced: true,
  },
  { group: 'apps', version: 'v1', plural: 'statefulsets', kind: 'StatefulSet', namespaced: true },
];

export function resourceOf(o: KubeObject): ResourceType {
  const r = [...Object.values(K8S), ...Object.values(KUBESTASH), ...EXTRA].find(
    (x) => x.kind === o.kind && (x.group ? `${x.group}/${x.version}` : x.version) === o.apiVersion,
  );
  if (!r) throw new Error(`no resource for ${o.apiVersion} ${o.kind}`);
  return r;
}

export interface Guide {
  /** Also the storage prefix and the guide's `demo` namespace (with the run's suffix). */
  key: string;
  /** Manifest files, relative to the docs folder, in the guide's order. */
  files: string[];
  /** What the dump must hold (paths of `restic ls`, relative to the dump root), given the namespace map. */
  expect: (ns: Record<string, string>) => RegExp[];
  /** Namespaces the guide's reader has (the guide's own objects do not create them). */
  namespaces: string[];
  /** Set on the variant whose BackupStorage is a local volume (a hostPath in a temp directory). */
  local?: boolean;
  /** Set on the variant whose BackupStorage is GCS (fake-gcs-server). */
  gcs?: boolean;
  /** Creates what the guide's reader already has (the application guide backs up a Deployment it does not create). */
  given?: (ns: Record<string, string>, world: GuideWorld) => Promise<void>;
}

export const GUIDES: Guide[] = [
  {
    key: 'kd-cluster',
    files: ['01-backupstorage', '02-retentionpolicy', '03-rbac.inline', '04-backupconfiguration'].map(
      (f) => `kubedump-v1/cluster/${f}.yaml`,
    ),
    namespaces: ['demo'],
    expect: (ns) => [
      /(^|\/)kube-system\/.*ConfigMap|configmaps\/namespaces\/kube-system\//,
      new RegExp(ns.demo!),
    ],
  },
  {
    key: 'kd-namespace',
    files: ['01-backupstorage', '02-retentionpolicy', '03-rbac', '04-backupconfiguration'].map(
      (f) => `kubedump-v1/namespace/${f}.yaml`,
    ),
    namespaces: ['demo'],
    expect: () => [/ServiceAccount\/default\.yaml$|serviceaccounts\/.*default\.yaml$/],
  },
  {
    key: 'kd-application',
    files: ['01-backupstorage', '02-retentionpolicy', '03-rbac', '04-backupconfiguration'].map(
      (f) => `kubedump-v1/application/${f}.yaml`,
    ),
    namespaces: ['demo', 'kubestash'],
    given: (ns, w) => w.operatorDeployment(ns.kubestash!),
    expect: () => [
      /\/kubestash-kubestash-operator\.yaml$/,
      /\/ReplicaSet\/kubestash-kubestash-operator-5d8f7\/kubestash-kubestash-operator-5d8f7\.yaml$/,
      /\/Pod\/kubestash-kubestash-operator-5d8f7-x2x9q\/kubestash-kubestash-operator-5d8f7-x2x9q\.yaml$/,
    ],
  },
  {
    key: 'cr-full',
    files: [
      'configure-storage-and-rbac/02-rbac.yaml',
      'full-cluster-backup-and-restore/02-backupstorage.yaml',
      'full-cluster-backup-and-restore/03-retentionpolicy.inline.yaml',
      'full-cluster-backup-and-restore/04-backupconfiguration.yaml',
    ].map((f) => `cluster-resources/${f}`),
    namespaces: ['demo', 'db'],
    given: async (ns, w) => {
      await w.applyObject({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'mysql-settings', namespace: ns.db },
        data: { 'my.cnf': '[mysqld]\n' },
      });
    },
    expect: (ns) => [
      new RegExp(`configmaps/namespaces/${ns.db}/mysql-settings\\.yaml$`),
      /clusterroles\.rbac\.authorization\.k8s\.io\/cluster\/cluster-resource-reader-writer\.yaml$/,
    ],
  },
  {
    key: 'cr-filtering',
    files: [
      '01-resources-a',
      '02-resources-b',
      '03-backupstorage',
      '04-rbac',
      '05-retentionpolicy',
      '06-backupconfiguration',
    ].map((f) => `cluster-resources/filtering-demonstration/${f}.yaml`),
    namespaces: ['demo', 'demo-a', 'demo-b'],
    expect: (ns) => [
      new RegExp(`deployments\\.apps/namespaces/${ns['demo-a']}/my-deployment-a\\.yaml$`),
      new RegExp(`statefulsets\\.apps/namespaces/${ns['demo-b']}/my-statefulset\\.yaml$`),
      new RegExp(`configmaps/namespaces/${ns['demo-a']}/my-config-a\\.yaml$`),
      /clusterroles\.rbac\.authorization\.k8s\.io\/cluster\/my-clusterrole-a\.yaml$/,
    ],
  },
];

/** A guide's file with its namespace names replaced (a whole YAML token or list item, never a part). */
export function renamed(text: string, ns: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(ns)) {
    out = out.replace(new RegExp(`(?<![\\w.-])${from}(?![\\w.-])`, 'g'), to);
  }
  return out;
}

/** A service-account key as a reader would paste it; fake-gcs-server never checks it. */
export const GCS_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'cairn-test',
  client_email: 'kubestash@cairn-test.iam.gserviceaccount.com',
  private_key_id: randomBytes(8).toString('hex'),
  private_key: `planted-not-a-key-${randomBytes(12).toString('hex')}`,
});

export interface Outcome {
  guide: Guide;
  ns: Record<string, string>;
  session: Obj;
  snapshot: Obj;
  directory: string;
}

export interface GuideWorld {
  namespaceMap(g: Guide): Record<string, string>;
  guideObjects(g: Guide, ns: Record<string, string>): Obj[];
  applyObject(o: Obj): Promise<void>;
  /** The application guide's target: a Deployment, its ReplicaSet and a Pod, each owned by the one before. */
  operatorDeployment(ns: string): Promise<void>;
  runGuide(g: Guide): Promise<Outcome>;
  gcsSecretData(): Record<string, string>;
  localRoot(g: Guide): string;
  /** Cluster-scoped objects the guides created, to delete at the end. */
  clusterScoped: { r: ResourceType; name: string }[];
  /** Namespaces the guides' runs created. */
  namespaces: string[];
}
