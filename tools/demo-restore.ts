// `make demo`, second half: the restore. After the first backup the sample namespace is deleted, and a
// RestoreSession (KubeStash's "restore a namespace" shape: addon kubedump-addon, task manifest-restore, the
// latest Snapshot of the repository) brings it back through a restore Job. The demo then prints the session's
// phase and duration, the per-outcome counts the Job reported, the restored objects, and the proof that
// owners were re-linked: the restored ReplicaSet's ownerReference names the UID of the restored Deployment
// (a new UID, since every object is created anew). A mismatch fails the demo.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { K8S, KUBESTASH, type ResourceType } from '../src/api/resource-type.ts';
import { containerLog } from '../src/cli/devcluster.ts';
import type { DevEnvironment } from '../src/devcluster/environment.ts';
import { waitFor } from '../src/devcluster/probe.ts';
import type { KubeObject } from '../src/kube/types.ts';
import type { ObjectResult } from '../src/restore/types.ts';

const run = promisify(execFile);

export const REPLICA_SETS: ResourceType = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
};

export interface RestoreDemo {
  env: DevEnvironment;
  /** The dev environment's directory (the pod runner keeps each pod's logs under it). */
  dir: string;
  /** Namespace of the backup objects and of the RestoreSession. */
  ns: string;
  /** The sample application's namespace: deleted, then restored. */
  app: string;
  /** The Repository the first backup wrote. */
  repository: string;
  say: (m: string) => void;
}

type Owned = KubeObject & {
  metadata?: KubeObject['metadata'] & {
    ownerReferences?: { kind: string; name: string; uid: string }[];
    managedFields?: { manager?: string; operation?: string }[];
  };
  status?: Record<string, unknown>;
};

const RESTORER = 'sample-app-restorer';
const SESSION = 'sample-app-restore';
const FINAL = ['Succeeded', 'Failed', 'Unknown', 'Invalid'];

/**
 * A restore Job needs write access to what it restores, as in KubeStash: the Job runs as the ServiceAccount
 * the RestoreSession names, and Cairn only grants it what the restore itself reads (its session, the
 * Snapshot, Repository and storage). This ServiceAccount may read and write (never delete) any namespaced or
 * cluster-scoped object, which covers whatever a namespace dump holds.
 */
function restorerObjects(ns: string): [ResourceType, KubeObject][] {
  return [
    [
      K8S.serviceAccounts,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: RESTORER, namespace: ns } },
    ],
    [
      K8S.clusterRoles,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: RESTORER },
        rules: [
          {
            apiGroups: ['*'],
            resources: ['*'],
            verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
          },
        ],
      },
    ],
    [
      K8S.clusterRoleBindings,
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: RESTORER },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: RESTORER },
        subjects: [{ kind: 'ServiceAccount', name: RESTORER, namespace: ns }],
      },
    ],
  ];
}

function restoreSession(ns: string, repository: string): KubeObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'RestoreSession',
    metadata: { name: SESSION, namespace: ns },
    spec: {
      dataSource: { repository, snapshot: 'latest' },
      addon: {
        name: 'kubedump-addon',
        tasks: [{ name: 'manifest-restore' }],
        jobTemplate: { spec: { serviceAccountName: RESTORER } },
      },
    },
  };
}

const PDBS: ResourceType = {
  group: 'policy',
  version: 'v1',
  plural: 'poddisruptionbudgets',
  kind: 'PodDisruptionBudget',
  namespaced: true,
};

/** UID of the Deployment `web`, and the ReplicaSets and PodDisruptionBudgets whose owner it is. */
export async function ownership(
  env: DevEnvironment,
  app: string,
): Promise<{ deployment: string; dependents: { resource: ResourceType; obj: Owned }[] }> {
  const d = await env.client.get<Owned>(K8S.deployments, 'web', app);
  const uid = d.metadata?.uid ?? '';
  const dependents: { resource: ResourceType; obj: Owned }[] = [];
  for (const resource of [REPLICA_SETS, PDBS]) {
    for (const obj of (await env.client.list<Owned>(resource, { namespace: app })).items)
      if (obj.metadata?.ownerReferences?.some((o) => o.uid === uid)) dependents.push({ resource, obj });
  }
  return { deployment: uid, dependents };
}

/**
 * The PodDisruptionBudget `web`, owned by the Deployment as an operator managing it would make it. Unlike
 * the ReplicaSet, which the deployment controller recreates from a restored Deployment on its own (often
 * before the restore reaches it), nothing but the restore brings this one back: its ownerReference shows the
 * restore's own re-linking.
 */
export async function ownedBudget(env: DevEnvironment, app: string): Promise<void> {
  const d = await env.client.get<Owned>(K8S.deployments, 'web', app);
  await env.client.create(PDBS, {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: 'web',
      namespace: app,
      labels: { app: 'web' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          name: 'web',
          uid: d.metadata?.uid ?? '',
          controller: true,
        },
      ],
    },
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } },
  });
}

/** Waits until the Deployment `web` owns a ReplicaSet (the deployment controller makes it within seconds). */
export async function untilReplicaSet(env: DevEnvironment, app: string): Promise<string> {
  const found = await waitFor(
    async () => {
      const o = await ownership(env, app);
      return o.dependents.find((x) => x.resource === REPLICA_SETS)?.obj;
    },
    { what: `the Deployment ${app}/web to own a ReplicaSet`, timeoutMs: 60_000 },
  );
  return found.metadata?.name ?? '';
}

/** The directories of the restore Job's pods under the pod runner's work directory, newest first. */
function restorePodDirs(dir: string, ns: string): string[] {
  const podsDir = join(dir, 'pods', ns);
  if (!existsSync(podsDir)) return [];
  return readdirSync(podsDir)
    .filter((d) => d.startsWith(`restore-${SESSION}-`))
    .map((d) => join(podsDir, d))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
}

/** The `restore finished` line of the restore Job's log: the engine's counts. */
function reportedCounts(dir: string, ns: string): Record<string, unknown> | undefined {
  for (const podDir of restorePodDirs(dir, ns)) {
    const pod = basename(podDir).slice(0, -9);
    let text: string;
    try {
      text = readFileSync(containerLog(dir, ns, pod), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === 'restore finished') return entry;
    }
  }
  return undefined;
}

/** The per-object results the Job wrote (`<scratch>/restore/results.jsonl` in its scratch volume). */
function resultsFile(dir: string, ns: string): ObjectResult[] {
  for (const podDir of restorePodDirs(dir, ns)) {
    const volumes = join(podDir, 'volumes');
    if (!existsSync(volumes)) continue;
    for (const v of readdirSync(volumes)) {
      const file = join(volumes, v, 'restore', 'results.jsonl');
      if (!existsSync(file)) continue;
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as ObjectResult);
    }
  }
  return [];
}

const secondsSince = (t: number): string => `${((Date.now() - t) / 1000).toFixed(1)} s`;

/**
 * Deletes the sample namespace, restores it with a RestoreSession and prints what came back. Resolves
 * false when the restore did not succeed; throws when the owners were not re-linked.
 */
export async function restoreDemo(o: RestoreDemo): Promise<boolean> {
  const { env, ns, app, say } = o;
  const client = env.client;
  const kubectl = (...args: string[]) =>
    run(env.kubectl, ['--kubeconfig', env.cluster.info.kubeconfig, ...args]).then((r) => r.stdout);
  const before = await ownership(env, app);

  say(`deleting namespace ${app} (everything in it goes with it) …`);
  let t = Date.now();
  await client.delete(K8S.namespaces, app);
  await waitFor(async () => ((await client.find(K8S.namespaces, app)) ? undefined : true), {
    what: `namespace ${app} to be gone`,
    timeoutMs: 180_000,
  });
  say(`namespace ${app} is gone after ${secondsSince(t)}`);

  // A restore Job needs write access to what it restores, as in KubeStash: see restorerObjects.
  for (const [r, obj] of restorerObjects(ns)) await client.create(r, obj);
  await client.create(KUBESTASH.restoreSessions, restoreSession(ns, o.repository));
  say(
    `RestoreSession ${ns}/${SESSION} created: the latest Snapshot of Repository ${o.repository}, addon kubedump-addon, task manifest-restore.\n` +
      `      Its Job runs as ServiceAccount ${ns}/${RESTORER}, bound to ClusterRole ${RESTORER}: a restore Job needs write\n` +
      `      access to what it restores (as in KubeStash); Cairn itself only lets it read its session and the backup.`,
  );
  t = Date.now();
  type Rs = KubeObject & {
    status?: { phase?: string; duration?: string; components?: Record<string, { error?: string }> };
  };
  const session = await waitFor(
    async () => {
      const rs = await client.find<Rs>(KUBESTASH.restoreSessions, SESSION, ns);
      return rs && FINAL.includes(rs.status?.phase ?? '') ? rs : undefined;
    },
    { what: `RestoreSession ${ns}/${SESSION} to end`, timeoutMs: 300_000 },
  );
  const phase = session.status?.phase ?? '?';
  process.stdout.write(
    `\nRestoreSession ${ns}/${SESSION}: ${phase} after ${session.status?.duration ?? '?'} ` +
      `(${secondsSince(t)} from its creation, Job start included)\n`,
  );
  const counts = reportedCounts(o.dir, ns);
  const results = resultsFile(o.dir, ns);
  if (counts) {
    process.stdout.write(
      `The restore reported: ${String(counts.counts)} (${String(counts.objects)} objects, ` +
        `${String(counts.passes)} pass(es), ${String(counts.ms)} ms in the engine)\n`,
    );
  } else {
    process.stdout.write('The restore Job logged no counts.\n');
  }
  if (results.length > 0) {
    const per = new Map<string, Map<string, number>>();
    for (const r of results) {
      const key = r.resource || '(unreadable files)';
      const outcome = `${r.outcome}${r.reason ? ` (${r.reason})` : ''}`;
      const m = per.get(key) ?? new Map<string, number>();
      m.set(outcome, (m.get(outcome) ?? 0) + 1);
      per.set(key, m);
    }
    const width = Math.max(...[...per.keys()].map((k) => k.length));
    process.stdout.write('Per type (from the results file the Job wrote):\n');
    for (const [k, m] of [...per].sort(([a], [b]) => a.localeCompare(b)))
      process.stdout.write(
        `  ${k.padEnd(width)}  ${[...m].map(([outcome, n]) => `${n} ${outcome}`).join(', ')}\n`,
      );
  }
  if (phase !== 'Succeeded') {
    process.stdout.write(`status: ${JSON.stringify(session.status, null, 2)}\n`);
    say(`the Job's output: bin/cairn logs restore-${SESSION}-<suffix> -n ${ns} --dir <demo dir>`);
    return false;
  }

  const kinds = 'deployment,replicaset,pod,poddisruptionbudget,service,configmap,secret,serviceaccount';
  process.stdout.write(`\n$ kubectl get ${kinds} -n ${app}\n${await kubectl('get', kinds, '-n', app)}\n`);
  const columns =
    'KIND:.kind,NAME:.metadata.name,UID:.metadata.uid,OWNER:.metadata.ownerReferences[0].kind,OWNER-UID:.metadata.ownerReferences[0].uid';
  process.stdout.write(
    `$ kubectl get deployment,replicaset,pdb,pod -n ${app} -o custom-columns=…\n` +
      `${await kubectl('get', 'deployment,replicaset,pdb,pod', '-n', app, '-o', `custom-columns=${columns}`)}\n`,
  );

  // The proof: every object the backup saw owned by the Deployment is back, owned by the new Deployment;
  // the Pods are owned by a ReplicaSet that is.
  const after = await ownership(env, app);
  const problems: string[] = [];
  if (after.deployment === before.deployment)
    problems.push('the Deployment kept its old UID: it was not restored');
  for (const { resource, obj: old } of before.dependents) {
    const name = old.metadata?.name ?? '';
    const what = `${resource.kind} ${name}`;
    const now = await client.find<Owned>(resource, name, app);
    const owner = now?.metadata?.ownerReferences?.find((r) => r.kind === 'Deployment');
    if (!now) {
      problems.push(`${what} was not restored`);
      continue;
    }
    if (owner?.uid !== after.deployment) {
      problems.push(
        `${what} names owner UID ${owner?.uid ?? 'none'}, the restored Deployment has ${after.deployment}`,
      );
      continue;
    }
    const id = resource.group ? `${resource.plural}.${resource.group}` : resource.plural;
    const result = results.find((r) => r.resource === id && r.name === name);
    const how =
      result?.outcome === 'created'
        ? 'the restore created it with the new owner UID'
        : result?.reason === 'AlreadyExists'
          ? 'the restore found it already there: the deployment controller had recreated it from the restored Deployment'
          : `restore result ${result ? `${result.outcome} ${result.reason ?? ''}` : 'missing'}`;
    process.stdout.write(
      `${what.padEnd(30)} owner UID ${owner.uid} = Deployment web's new UID (old UID ${before.deployment}); ${how}\n`,
    );
  }
  const pods = await client.list<Owned>(K8S.pods, { namespace: app });
  const rsUids = new Set(
    after.dependents.filter((x) => x.resource === REPLICA_SETS).map((x) => x.obj.metadata?.uid),
  );
  for (const p of pods.items) {
    const owner = p.metadata?.ownerReferences?.find((r) => r.kind === 'ReplicaSet');
    if (!owner || !rsUids.has(owner.uid))
      problems.push(
        `Pod ${p.metadata?.name ?? ''} names owner UID ${owner?.uid ?? 'none'}, not a restored ReplicaSet`,
      );
  }
  if (before.dependents.length === 0) problems.push('the backup held nothing the Deployment owned');
  if (problems.length > 0) {
    throw new Error(`owners were not re-linked:\n  ${problems.join('\n  ')}`);
  }
  say(
    `owners re-linked: ${before.dependents.length} object(s) owned by the Deployment and ${pods.items.length} Pod(s) name the new UIDs of their owners`,
  );
  return true;
}
