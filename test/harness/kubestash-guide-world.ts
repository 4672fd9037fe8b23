// The machinery that applies KubeStash's guides as a reader does (for kubestash-guides-backup and
// kubestash-guides-restore): each guide's files with its namespaces renamed for the run, the storage stanza
// replaced by MinIO, fake-gcs-server or a local hostPath, the Secrets and the ServiceAccount a reader
// supplies, and the wait for the guide's first BackupSession. The guides themselves are in kubestash-guides.ts.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { K8S, KUBESTASH, type ResourceType } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import {
  BUCKET,
  DOCS,
  GCS_KEY,
  renamed,
  resourceOf,
  type Guide,
  type GuideWorld,
  type Obj,
  type Outcome,
} from './kubestash-guides.ts';
import type { FakeGcsServer, MinioServer } from './objectstores.ts';

const FIELD_MANAGER = 'kubestash-guide';
const REPLICA_SETS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
};

export interface GuideWorldOptions {
  client: KubeClient;
  s3: MinioServer;
  gcs?: FakeGcsServer;
  /** A temp directory of the run (local volumes live under it). */
  work: string;
  /** The restic password of every guide's encrypt-secret. */
  password: string;
  /** Appended to every namespace name, so that runs never meet. */
  suffix: string;
}

/** The guides' machinery over one set of object stores, one client and one temp directory. */
export function guideWorld(opts: GuideWorldOptions): GuideWorld {
  const { client, s3, work } = opts;
  const PASSWORD = opts.password;
  const SUFFIX = opts.suffix;
  const clusterScoped: { r: ResourceType; name: string }[] = [];
  const namespaces: string[] = [];
  const gcsOf = (): FakeGcsServer => {
    if (!opts.gcs) throw new Error('this run started no fake-gcs-server: pass gcs to guideWorld');
    return opts.gcs;
  };

  /** The namespaces of a guide, renamed for this run. */
  function namespaceMap(g: Guide): Record<string, string> {
    const m: Record<string, string> = {};
    for (const n of ['demo', 'kubestash', 'demo-a', 'demo-b', 'db', 'kubedb']) {
      m[n] = n === 'demo' ? `${g.key}-${SUFFIX}` : `${g.key}-${n}-${SUFFIX}`;
    }
    return m;
  }

  /**
   * The stanza standing in for a guide's storage stanza: MinIO or fake-gcs-server (its prefix: the guide's
   * key; its Secret: the guide's), or for a local variant a hostPath volume in this run's temp directory.
   */
  function storageStanza(guide: Guide, stanza: Record<string, unknown>): Record<string, unknown> {
    if (guide.local) {
      return {
        provider: 'local',
        local: { mountPath: '/kubestash/backup', hostPath: { path: localRoot(guide) } },
      };
    }
    const provider = String(stanza.provider);
    const secretName =
      (stanza[provider] as { secretName?: string } | undefined)?.secretName ?? 'storage-secret';
    if (guide.gcs) return { provider: 'gcs', gcs: { bucket: BUCKET, prefix: guide.key, secretName } };
    return {
      provider: 's3',
      s3: { endpoint: s3.endpoint, bucket: BUCKET, region: s3.region, prefix: guide.key, secretName },
    };
  }

  function guideObjects(g: Guide, ns: Record<string, string>): Obj[] {
    const out: Obj[] = [];
    for (const file of g.files) {
      for (const doc of parseAllDocuments(renamed(readFileSync(join(DOCS, file), 'utf8'), ns))) {
        const o = doc.toJS() as Obj | null;
        if (!o?.kind) continue;
        if (o.kind === 'BackupStorage')
          o.spec = { ...o.spec, storage: storageStanza(g, o.spec?.storage as Record<string, unknown>) };
        out.push(o);
      }
    }
    return out;
  }

  /** Serialises the read-modify-write of ClusterRoleBindings the guides share. */
  let bindings: Promise<unknown> = Promise.resolve();

  /** Applies an object; a ClusterRoleBinding several guides share gets the union of their subjects. */
  async function applyObject(o: Obj): Promise<void> {
    const r = resourceOf(o);
    if (!r.namespaced) clusterScoped.push({ r, name: o.metadata?.name ?? '' });
    if (o.kind !== 'ClusterRoleBinding') {
      await client.apply(r, o, { fieldManager: FIELD_MANAGER, force: true });
      return;
    }
    const merge = async (): Promise<void> => {
      const name = o.metadata?.name ?? '';
      const live = await client.find<Obj & { subjects?: unknown[] }>(r, name);
      const subjects = [...(live?.subjects ?? []), ...((o as { subjects?: unknown[] }).subjects ?? [])];
      if (live) await client.patch(r, name, { subjects }, { type: 'merge' });
      else await client.create(r, o);
    };
    const next = bindings.then(merge);
    bindings = next.catch(() => undefined);
    await next;
  }

  /**
   * The application guide's target as a cluster with a deployment controller has it: the Deployment, its
   * ReplicaSet and a Pod, each owned by the one before (the suite's dev cluster runs no workload controllers).
   */
  async function operatorDeployment(ns: string): Promise<void> {
    const labels = { app: 'kubestash-operator' };
    const owner = (o: KubeObject) => [
      {
        apiVersion: o.apiVersion ?? '',
        kind: o.kind ?? '',
        name: o.metadata?.name ?? '',
        uid: o.metadata?.uid ?? '',
        controller: true,
      },
    ];
    const container = { name: 'operator', image: 'registry.invalid/kubestash-operator:v0.5.0' };
    const dep = await client.apply(
      K8S.deployments,
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'kubestash-kubestash-operator', namespace: ns, labels },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [container] } },
        },
      },
      { fieldManager: FIELD_MANAGER, force: true },
    );
    const rs = await client.apply(
      REPLICA_SETS,
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: 'kubestash-kubestash-operator-5d8f7',
          namespace: ns,
          labels,
          ownerReferences: owner(dep),
        },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [container] } },
        },
      },
      { fieldManager: FIELD_MANAGER, force: true },
    );
    await client.apply(
      K8S.pods,
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'kubestash-kubestash-operator-5d8f7-x2x9q',
          namespace: ns,
          labels,
          ownerReferences: owner(rs),
        },
        spec: { containers: [container] },
      },
      { fieldManager: FIELD_MANAGER, force: true },
    );
  }

  /** The ServiceAccount the BackupConfiguration's jobTemplate names. */
  function jobSaName(bc: Obj): string {
    const sessions = bc.spec?.sessions as {
      addon?: { jobTemplate?: { spec?: { serviceAccountName?: string } } };
    }[];
    return sessions[0]?.addon?.jobTemplate?.spec?.serviceAccountName ?? '';
  }

  /**
   * Where a guide's RBAC does not create the ServiceAccount its BackupConfiguration's Job runs as in the
   * BackupConfiguration's namespace (the full-cluster guide misspells it, `cluster-resource-reader-writter`;
   * the application guide creates it in the target's namespace), that ServiceAccount is supplied and added to
   * the guide's ClusterRoleBinding, as a reader of the guide has to.
   */
  function jobServiceAccount(objects: Obj[], bc: Obj): Obj[] {
    const name = jobSaName(bc);
    const ns = bc.metadata?.namespace ?? '';
    const created = objects.some(
      (o) => o.kind === 'ServiceAccount' && o.metadata?.name === name && o.metadata?.namespace === ns,
    );
    const binding = objects.find((o) => o.kind === 'ClusterRoleBinding');
    if (!name || created || !binding) return [];
    return [
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: ns } },
      {
        ...binding,
        subjects: [{ kind: 'ServiceAccount', name, namespace: ns }],
      },
    ];
  }

  /** Applies a guide with its Secrets and waits for its first BackupSession and Snapshot to be Succeeded. */
  async function runGuide(g: Guide): Promise<Outcome> {
    const ns = namespaceMap(g);
    for (const n of g.namespaces) {
      await client.create(K8S.namespaces, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns[n], labels: { 'cairn.dev/test': 'true' } },
      });
      namespaces.push(ns[n]!);
    }
    const objects = guideObjects(g, ns);
    const demo = ns.demo!;
    const storage = objects.find((o) => o.kind === 'BackupStorage')!;
    const stanza = storage.spec?.storage as Record<string, { secretName?: string } | undefined>;
    const secretName = (stanza.s3 ?? stanza.gcs)?.secretName;
    if (g.local) mkdirSync(localRoot(g), { recursive: true });
    const secret = (name: string, data: Record<string, string>): Obj => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name, namespace: demo },
      stringData: data,
    });
    const bc = objects.find((o) => o.kind === 'BackupConfiguration')!;
    const bcName = bc.metadata?.name ?? '';
    await g.given?.(ns, world);
    for (const o of [
      ...(secretName ? [secret(secretName, g.gcs ? gcsSecretData() : s3.secretData)] : []),
      secret('encrypt-secret', { RESTIC_PASSWORD: PASSWORD }),
      ...jobServiceAccount(objects, bc),
      ...objects,
    ]) {
      await applyObject(o);
    }
    const sessions = bc.spec?.sessions as { repositories: { directory: string }[] }[];
    const directory = sessions[0]!.repositories[0]!.directory.replace(/^\/+|\/+$/g, '');
    const session = await waitFor(
      async () => {
        const list = await client.list<Obj>(KUBESTASH.backupSessions, {
          namespace: demo,
          labelSelector: `kubestash.com/invoker-name=${bcName}`,
        });
        // A run the schedule (every 5 minutes) starts meanwhile is Skipped while the first one runs.
        const done = list.items.find((s) => ['Succeeded', 'Failed'].includes(String(s.status?.phase)));
        return done;
      },
      {
        what: `guide ${g.key}: a BackupSession of ${demo}/${bcName} to end`,
        timeoutMs: 240_000,
        intervalMs: 1000,
      },
    );
    const live = await client.get<Obj>(KUBESTASH.backupConfigurations, bcName, demo);
    assert.equal(
      session.status?.phase,
      'Succeeded',
      `guide ${g.key}: BackupSession ${session.metadata?.name} ${JSON.stringify(session.status)}\nBackupConfiguration: ${JSON.stringify(live.status)}`,
    );
    // Paused, as a reader would once done, so that no run the schedule starts writes to the storage while
    // it is checked; a run started before the pause is let finish.
    await client.patch(
      KUBESTASH.backupConfigurations,
      bcName,
      { spec: { paused: true } },
      { type: 'merge', namespace: demo },
    );
    await waitFor(
      async () => {
        const list = await client.list<Obj>(KUBESTASH.backupSessions, {
          namespace: demo,
          labelSelector: `kubestash.com/invoker-name=${bcName}`,
        });
        const terminal = ['Succeeded', 'Failed', 'Skipped'];
        return list.items.every((s) => terminal.includes(String(s.status?.phase))) ? true : undefined;
      },
      {
        what: `guide ${g.key}: every BackupSession of ${demo}/${bcName} to end`,
        timeoutMs: 120_000,
        intervalMs: 1000,
      },
    );
    const snaps = await client.list<Obj>(KUBESTASH.snapshots, { namespace: demo });
    const snapshot = snaps.items.find((s) => s.spec?.backupSession === session.metadata?.name);
    assert.ok(snapshot, `guide ${g.key}: the Snapshot of ${session.metadata?.name}`);
    assert.equal(snapshot.status?.phase, 'Succeeded', `guide ${g.key}: ${JSON.stringify(snapshot.status)}`);
    return { guide: g, ns, session, snapshot, directory };
  }

  /**
   * The GCS storage Secret a reader of a guide writes (project and service-account key, which Cairn requires),
   * with the two Cairn extensions that point the storage and restic at fake-gcs-server instead of Google.
   */
  function gcsSecretData(): Record<string, string> {
    return {
      ...gcsOf().secretData,
      GOOGLE_SERVICE_ACCOUNT_JSON_KEY: GCS_KEY,
      GOOGLE_ACCESS_TOKEN: gcsOf().resticEnv.GOOGLE_ACCESS_TOKEN!,
      STORAGE_EMULATOR_HOST: gcsOf().endpoint,
    };
  }

  function localRoot(g: Guide): string {
    return join(work, 'volumes', g.key);
  }

  const world: GuideWorld = {
    namespaceMap,
    operatorDeployment,
    guideObjects,
    applyObject,
    runGuide,
    gcsSecretData,
    localRoot,
    clusterScoped,
    namespaces,
  };
  return world;
}
