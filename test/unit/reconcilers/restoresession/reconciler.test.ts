import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { Condition } from '../../../../src/api/conditions.ts';
import { KUBESTASH, K8S, type ResourceType } from '../../../../src/api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';
import type { FunctionObj } from '../../../../src/reconcilers/addon-job/task-job.ts';
import type { RestoreAddonObj } from '../../../../src/reconcilers/restoresession/job.ts';
import {
  PAUSED_BY_ANNOTATION,
  RELEASE_FINALIZER,
  type BackupConfigurationObj,
} from '../../../../src/reconcilers/restoresession/pause.ts';
import type {
  RepositoryObj,
  RestoreSessionObject,
  RestoreStatus,
  SnapshotObj,
} from '../../../../src/reconcilers/restoresession/plan.ts';
import { RestoreSessionReconciler } from '../../../../src/reconcilers/restoresession/reconciler.ts';
import type { RestoreSessionSources } from '../../../../src/reconcilers/restoresession/sources.ts';
import { FakeInformer } from '../../controller/fake-informer.ts';

interface Call {
  verb: string;
  resource: ResourceType;
  name?: string;
  body?: unknown;
}

const NOW = new Date('2026-01-01T00:05:00Z');
const catalog = (f: string): unknown =>
  parse(readFileSync(new URL(`../../../../deploy/addons/${f}`, import.meta.url), 'utf8'));

const ensured: Condition = {
  type: 'RestoreExecutorEnsured',
  status: 'True',
  reason: 'SuccessfullyEnsuredRestoreExecutor',
  message: 'ok',
  lastTransitionTime: '2026-01-01T00:00:01Z',
};

function session(status?: RestoreStatus, finalizers?: string[]): RestoreSessionObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'RestoreSession',
    metadata: {
      name: 'rs',
      namespace: 'demo',
      uid: 'rs-uid',
      resourceVersion: '7',
      creationTimestamp: '2026-01-01T00:00:00Z',
      ...(finalizers ? { finalizers } : {}),
    },
    spec: {
      dataSource: { repository: 'repo', snapshot: 'latest' },
      addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] },
    },
    ...(status ? { status } : {}),
  };
}

function setup(o: { rs: RestoreSessionObject; fresh?: RestoreSessionObject; serverJob?: KubeObject }) {
  const calls: Call[] = [];
  const sources: RestoreSessionSources = {
    sessions: new FakeInformer<RestoreSessionObject>(KUBESTASH.restoreSessions),
    snapshots: new FakeInformer<SnapshotObj>(KUBESTASH.snapshots),
    repositories: new FakeInformer<RepositoryObj>(KUBESTASH.repositories),
    storages: new FakeInformer(KUBESTASH.backupStorages),
    configurations: new FakeInformer<BackupConfigurationObj>(KUBESTASH.backupConfigurations),
    jobs: new FakeInformer(K8S.jobs),
    addons: new FakeInformer<RestoreAddonObj>(KUBESTASH.addons),
    functions: new FakeInformer<FunctionObj>(KUBESTASH.functions),
    namespaces: new FakeInformer(K8S.namespaces),
  };
  (sources.sessions as FakeInformer<RestoreSessionObject>).put(o.rs);
  (sources.addons as FakeInformer<RestoreAddonObj>).put(catalog('kubedump-addon.yaml') as RestoreAddonObj);
  (sources.functions as FakeInformer<FunctionObj>).put(
    catalog('kubedump-restore-function.yaml') as FunctionObj,
  );
  (sources.repositories as FakeInformer<RepositoryObj>).put({
    metadata: { name: 'repo', namespace: 'demo' },
  });
  (sources.snapshots as FakeInformer<SnapshotObj>).put({
    metadata: { name: 'snap', namespace: 'demo' },
    spec: { repository: 'repo' },
    status: { phase: 'Succeeded', snapshotTime: '2026-01-01T00:00:00Z' },
  });
  const record =
    (verb: string) =>
    (resource: ResourceType, ...rest: unknown[]): Promise<unknown> => {
      const name = typeof rest[0] === 'string' ? rest[0] : undefined;
      const body = verb === 'patchStatus' ? rest[2] : verb === 'patch' ? rest[1] : rest[0];
      calls.push({ verb, resource, ...(name ? { name } : {}), body });
      if (verb === 'patchStatus') return Promise.resolve({ ...o.rs, status: body });
      if (verb === 'patch') {
        const patch = body as KubeObject;
        return Promise.resolve({ ...o.rs, ...patch, metadata: { ...o.rs.metadata, ...patch.metadata } });
      }
      return Promise.resolve(body);
    };
  const client = {
    create: record('create'),
    apply: record('apply'),
    patch: record('patch'),
    patchStatus: record('patchStatus'),
    delete: (resource: ResourceType, name: string) => {
      calls.push({ verb: 'delete', resource, name });
      return Promise.resolve(true);
    },
    get: (resource: ResourceType, name: string) => {
      calls.push({ verb: 'get', resource, name });
      return Promise.resolve(o.fresh ?? o.rs);
    },
    find: (resource: ResourceType, name: string) => {
      calls.push({ verb: 'find', resource, name });
      return Promise.resolve(o.serverJob);
    },
  } as unknown as KubeClient;
  const reconciler = new RestoreSessionReconciler({ client, sources, image: 'cairn:dev', now: () => NOW });
  return { calls, sources, reconciler };
}

const statusWrites = (calls: Call[]) =>
  calls.filter((c) => c.verb === 'patchStatus').map((c) => c.body as RestoreStatus);
const jobCreates = (calls: Call[]) => calls.filter((c) => c.verb === 'create' && c.resource === K8S.jobs);
const job = (conditions: object[] = []): KubeObject => ({
  metadata: { name: 'restore-rs', namespace: 'demo' },
  status: { conditions },
});

void test('a new session gets its Role and Job once, resolved to the latest Snapshot', async () => {
  const { calls, reconciler } = setup({ rs: session() });
  await reconciler.reconcile('demo/rs');
  assert.equal(jobCreates(calls).length, 1);
  assert.ok(calls.some((c) => c.verb === 'apply' && c.resource === K8S.roles));
  const status = statusWrites(calls).at(-1);
  assert.equal(status?.conditions?.find((c) => c.type === 'RestoreExecutorEnsured')?.status, 'True');
  assert.equal(status?.dependencies?.[0]?.name, 'snap');
  assert.equal(status?.phase, 'Pending');
});

void test('after a crash between the Job and the status, the Job in the cache is used and not created again', async () => {
  const { calls, sources, reconciler } = setup({ rs: session() });
  (sources.jobs as FakeInformer).put(job());
  await reconciler.reconcile('demo/rs');
  assert.equal(jobCreates(calls).length, 0);
  const status = statusWrites(calls).at(-1);
  assert.equal(status?.conditions?.find((c) => c.type === 'RestoreExecutorEnsured')?.status, 'True');
});

void test('a Job the cache has not seen yet but the server has does not end the restore', async () => {
  const rs = session({
    conditions: [ensured],
    dependencies: [{ kind: 'Snapshot', name: 'snap', found: true }],
  });
  const { calls, reconciler } = setup({ rs, serverJob: job() });
  await reconciler.reconcile('demo/rs');
  assert.equal(jobCreates(calls).length, 0);
  for (const s of statusWrites(calls)) {
    assert.equal(
      s.conditions?.some((c) => c.type === 'RestoreIncomplete'),
      false,
    );
    assert.notEqual(s.phase, 'Failed');
  }
});

void test('a Job gone from cache and server before the components reported ends the restore Failed and resumes the backups it paused', async () => {
  const rs = session({ conditions: [ensured], components: { manifest: { phase: 'Running' } } }, [
    RELEASE_FINALIZER,
  ]);
  const { calls, sources, reconciler } = setup({ rs });
  (sources.configurations as FakeInformer<BackupConfigurationObj>).put({
    metadata: { name: 'bc', namespace: 'demo', annotations: { [PAUSED_BY_ANNOTATION]: 'demo/rs' } },
    spec: { paused: true },
  });
  (sources.configurations as FakeInformer<BackupConfigurationObj>).put({
    metadata: { name: 'other', namespace: 'demo', annotations: { [PAUSED_BY_ANNOTATION]: 'demo/another' } },
    spec: { paused: true },
  });
  await reconciler.reconcile('demo/rs');
  const status = statusWrites(calls).at(-1);
  assert.equal(status?.phase, 'Failed');
  const c = status?.conditions?.find((x) => x.type === 'RestoreIncomplete');
  assert.equal(c?.reason, 'RestoreExecutorTerminatedBeforeCompletion');
  assert.match(
    c?.message ?? '',
    /was deleted before the restore reported its components: create a new RestoreSession/,
  );
  const patches = calls.filter((x) => x.verb === 'patch');
  assert.deepEqual(
    patches.filter((x) => x.resource === KUBESTASH.backupConfigurations).map((x) => x.name),
    ['bc'],
  );
  const finalizerPatch = patches.find((x) => x.resource === KUBESTASH.restoreSessions);
  assert.deepEqual(
    (finalizerPatch?.body as { metadata?: { finalizers?: string[] } }).metadata?.finalizers,
    [],
  );
  assert.ok(calls.some((x) => x.verb === 'create' && x.resource === K8S.events));
});

void test('a Job that ended just after the component reported is judged by the fresh session, not the stale cache', async () => {
  const rs = session({ conditions: [ensured], totalComponents: 1 });
  const fresh = session({
    conditions: [ensured],
    totalComponents: 1,
    components: { manifest: { phase: 'Succeeded', duration: '2s' } },
  });
  const { calls, sources, reconciler } = setup({ rs, fresh });
  (sources.jobs as FakeInformer).put(job([{ type: 'Complete', status: 'True' }]));
  await reconciler.reconcile('demo/rs');
  const status = statusWrites(calls).at(-1);
  assert.equal(status?.phase, 'Succeeded');
  assert.equal(
    status?.conditions?.some((c) => c.type === 'RestoreIncomplete'),
    false,
  );
  assert.equal(status?.duration, '5m0s');
});

void test('a finished session is not written again', async () => {
  const { calls, reconciler } = setup({ rs: session({ phase: 'Succeeded' }) });
  await reconciler.reconcile('demo/rs');
  assert.deepEqual(
    calls.filter((c) => c.verb !== 'get' && c.verb !== 'find'),
    [],
  );
});

/** The Repository of `session()` with its BackupStorage in another namespace, so the Job needs a Role there. */
function storageElsewhere(sources: RestoreSessionSources): void {
  (sources.repositories as FakeInformer<RepositoryObj>).put({
    metadata: { name: 'repo', namespace: 'demo' },
    spec: { storageRef: { name: 's3', namespace: 'stash' } },
  });
}

void test('a session whose Job needs Roles in other namespaces takes the finalizer before they are made', async () => {
  const { calls, sources, reconciler } = setup({ rs: session() });
  storageElsewhere(sources);
  await reconciler.reconcile('demo/rs');
  const finalizer = calls.findIndex(
    (c) =>
      c.verb === 'patch' &&
      c.resource === KUBESTASH.restoreSessions &&
      (c.body as { metadata?: { finalizers?: string[] } }).metadata?.finalizers?.includes(RELEASE_FINALIZER),
  );
  const foreignRole = calls.findIndex(
    (c) =>
      c.verb === 'apply' &&
      c.resource === K8S.roles &&
      (c.body as KubeObject).metadata?.namespace === 'stash',
  );
  assert.ok(foreignRole >= 0, 'a Role in the storage namespace is applied');
  assert.ok(finalizer >= 0 && finalizer < foreignRole, 'the finalizer comes first');
});

void test('a session deleted while its Job runs removes its Roles in other namespaces and lets go', async () => {
  const rs = session({ conditions: [ensured], components: { manifest: { phase: 'Running' } } }, [
    RELEASE_FINALIZER,
  ]);
  rs.metadata = { ...rs.metadata, deletionTimestamp: '2026-01-01T00:04:00Z' };
  const { calls, sources, reconciler } = setup({ rs });
  storageElsewhere(sources);
  await reconciler.reconcile('demo/rs');
  const deletes = calls.filter((c) => c.verb === 'delete').map((c) => `${c.resource.plural}/${c.name}`);
  assert.deepEqual(deletes, ['rolebindings/restore-demo-rs', 'roles/restore-demo-rs']);
  const finalizerPatch = calls.find((c) => c.verb === 'patch' && c.resource === KUBESTASH.restoreSessions);
  assert.deepEqual(
    (finalizerPatch?.body as { metadata?: { finalizers?: string[] } }).metadata?.finalizers,
    [],
  );
});
