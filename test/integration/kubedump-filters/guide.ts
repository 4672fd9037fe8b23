// The seeded cluster and the params of the kubedump filter tests: KubeStash's filtering guide's objects (its
// namespaces renamed, cluster-scoped names made unique), a Deployment's owned tree, and the request a Job of
// the shipped Addon and Function would run with, parsed by the real `cairn kubedump backup` command.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import { taskArgs, backupBuiltins } from '../../../src/api/function-args.ts';
import type { TypedObjectReference } from '../../../src/api/kinds/references.ts';
import { K8S, type ResourceType } from '../../../src/api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import { registerKubedumpCommands } from '../../../src/tasks/kubedump/command.ts';
import type { DumpRequest } from '../../../src/tasks/kubedump/flags.ts';

const DOCS = join(import.meta.dirname, '../../../../shared/kubestash-docs');
export const GUIDE = join(DOCS, 'cluster-resources/filtering-demonstration');
const DEPLOY = join(import.meta.dirname, '../../../deploy/addons');

export function readDocs(file: string): KubeObject[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`input ${file} is missing: the test reads KubeStash's example manifests from there`, {
      cause: err,
    });
  }
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null);
}

interface AddonTask {
  name: string;
  function: string;
  parameters?: { name: string; default?: string }[];
}

/**
 * The container args a Job of this session would get: the shipped Function's args with the guide's params,
 * parsed by the real command into the request the task runs with.
 */
export async function requestFor(
  params: Record<string, string>,
  namespace: string,
  target: TypedObjectReference | undefined,
): Promise<DumpRequest> {
  const fn = readDocs(join(DEPLOY, 'kubedump-backup-function.yaml'))[0] as KubeObject & {
    spec: { args: string[] };
  };
  const addon = readDocs(join(DEPLOY, 'kubedump-addon.yaml'))[0] as KubeObject & {
    spec: { backupTasks: AddonTask[] };
  };
  const task = addon.spec.backupTasks.find((t) => t.name === 'manifest-backup');
  assert.ok(task, 'the shipped kubedump-addon has a manifest-backup task');
  const resolved = taskArgs(
    fn.spec,
    task,
    { params },
    backupBuiltins({
      namespace,
      backupSession: 'filters-session',
      invokerKind: 'BackupConfiguration',
      invokerName: 'filters',
      ...(target ? { target } : {}),
    }),
  );
  assert.deepEqual(resolved.unusedParams, [], 'every param of the guide reaches an arg');
  let request: DumpRequest | undefined;
  const program = new Command().exitOverride();
  registerKubedumpCommands(program, {
    run: (r) => {
      request = r;
      return Promise.resolve();
    },
  });
  await program.parseAsync(resolved.args, { from: 'user' });
  assert.ok(request, 'the command ran');
  return request;
}

/** The guide's objects with their namespaces `demo-a`/`demo-b` renamed and cluster-scoped names made unique. */
export function guideObjects(rename: Record<string, string>, suffix: string): KubeObject[] {
  const text = ['01-resources-a.yaml', '02-resources-b.yaml']
    .map((f) => readFileSync(join(GUIDE, f), 'utf8'))
    .join('\n---\n');
  const replaced = Object.entries(rename).reduce(
    (t, [from, to]) => t.replaceAll(`namespace: ${from}`, `namespace: ${to}`),
    text,
  );
  return parseAllDocuments(replaced)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null)
    .map((o) => {
      const name = o.metadata?.name ?? '';
      if (o.kind === 'ClusterRole' || o.kind === 'ClusterRoleBinding')
        return { ...o, metadata: { ...o.metadata, name: `${name}-${suffix}` } };
      return o;
    })
    .map((o) =>
      o.kind === 'ClusterRoleBinding'
        ? {
            ...o,
            roleRef: {
              ...(o as { roleRef: object }).roleRef,
              name: `${String((o as { roleRef: { name: string } }).roleRef.name)}-${suffix}`,
            },
          }
        : o,
    );
}

const type = (group: string, plural: string, kind: string): ResourceType => ({
  group,
  version: 'v1',
  plural,
  kind,
  namespaced: true,
});

export const REPLICA_SETS = type('apps', 'replicasets', 'ReplicaSet');

const TYPES: Record<string, ResourceType> = {
  PersistentVolumeClaim: type('', 'persistentvolumeclaims', 'PersistentVolumeClaim'),
  ConfigMap: K8S.configMaps,
  Secret: K8S.secrets,
  Service: K8S.services,
  ServiceAccount: K8S.serviceAccounts,
  ClusterRole: K8S.clusterRoles,
  ClusterRoleBinding: K8S.clusterRoleBindings,
  Deployment: K8S.deployments,
  StatefulSet: type('apps', 'statefulsets', 'StatefulSet'),
};

export async function create(client: KubeClient, objects: KubeObject[]): Promise<() => Promise<void>> {
  const clusterScoped: [ResourceType, string][] = [];
  for (const o of objects) {
    const type = TYPES[o.kind ?? ''];
    assert.ok(type, `the test knows the type of ${o.kind ?? '?'}`);
    await client.create(type, o, o.metadata?.namespace ? { namespace: o.metadata.namespace } : {});
    if (!type.namespaced) clusterScoped.push([type, o.metadata?.name ?? '']);
  }
  return async () => {
    for (const [type, name] of clusterScoped) await client.delete(type, name);
  };
}

/** A ReplicaSet owned by the guide's Deployment, and three pods owned by the ReplicaSet. */
export async function ownedTree(client: KubeClient, namespace: string): Promise<void> {
  const owner = (o: KubeObject, apiVersion: string) => ({
    apiVersion,
    kind: o.kind ?? '',
    name: o.metadata?.name ?? '',
    uid: o.metadata?.uid ?? '',
    controller: true,
  });
  const deployment = await client.get(K8S.deployments, 'my-deployment-a', namespace);
  const labels = { app: 'my-app', 'pod-template-hash': '5d8f7c' };
  const rs = await client.create(REPLICA_SETS, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'my-deployment-a-5d8f7c',
      namespace,
      labels,
      ownerReferences: [owner({ ...deployment, kind: 'Deployment' }, 'apps/v1')],
    },
    spec: {
      replicas: 0,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'nginx:latest' }] } },
    },
  });
  for (const suffix of ['a1', 'b2', 'c3'])
    await client.create(K8S.pods, {
      metadata: {
        name: `my-deployment-a-5d8f7c-${suffix}`,
        namespace,
        labels,
        ownerReferences: [owner({ ...rs, kind: 'ReplicaSet' }, 'apps/v1')],
      },
      spec: { nodeName: 'nowhere', containers: [{ name: 'c', image: 'nginx:latest' }] },
    });
}
