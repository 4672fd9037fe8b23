import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { ExecutorError, type FunctionObj } from '../../../../src/reconcilers/addon-job/task-job.ts';
import {
  missingFunctions,
  restoreJob,
  restoreJobName,
  restoreServiceAccount,
  type RestoreAddonObj,
} from '../../../../src/reconcilers/restoresession/job.ts';
import type {
  RepositoryObj,
  RestoreSessionObject,
  TypedRef,
} from '../../../../src/reconcilers/restoresession/plan.ts';
import {
  foreignNamespaces,
  restoreRbac,
  restoreRules,
} from '../../../../src/reconcilers/restoresession/rbac.ts';
import {
  backupsOfTarget,
  pausedBy,
  pausePatch,
  PAUSED_BY_ANNOTATION,
  toPause,
  type BackupConfigurationObj,
} from '../../../../src/reconcilers/restoresession/pause.ts';

const catalog = (f: string): unknown =>
  parse(readFileSync(new URL(`../../../../deploy/addons/${f}`, import.meta.url), 'utf8'));
const addon = catalog('kubedump-addon.yaml') as RestoreAddonObj;
const fn = catalog('kubedump-restore-function.yaml') as FunctionObj;
const functions = (n: string) => (n === 'kubedump-restore' ? fn : undefined);

function session(spec: Partial<NonNullable<RestoreSessionObject['spec']>> = {}): RestoreSessionObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'RestoreSession',
    metadata: { name: 'rs', namespace: 'demo', uid: 'rs-uid', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      dataSource: { repository: 'repo', snapshot: 'latest' },
      addon: {
        name: 'kubedump-addon',
        tasks: [
          { name: 'manifest-restore', params: { IncludeNamespaces: 'demo', OverrideResources: 'true' } },
        ],
        jobTemplate: { spec: { serviceAccountName: 'restorer', securityContext: { runAsUser: 1000 } } },
      },
      ...spec,
    },
  };
}

const repository: RepositoryObj = {
  metadata: { name: 'repo', namespace: 'demo' },
  spec: {
    storageRef: { name: 'local', namespace: 'storage-ns' },
    encryptionSecret: { name: 'enc', namespace: 'demo' },
  },
};
const localStorage = {
  metadata: { name: 'local', namespace: 'storage-ns' },
  spec: {
    storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/var/backup' } } },
  },
};
const storage = (n: string, s: string) => (n === 'storage-ns' && s === 'local' ? localStorage : undefined);

const build = (rs: RestoreSessionObject) =>
  restoreJob({
    rs,
    addon,
    functions,
    operatorImage: 'cairn.test/cairn',
    serviceAccountName: restoreServiceAccount(rs).name,
    snapshot: 'repo-bc-frequent-1700000000',
    repository,
    storage,
    deadline: '2026-01-01T01:00:00Z',
    now: new Date('2026-01-01T00:00:00Z'),
  });

void test('the restore Job runs the Function of the restore task with the session, snapshot and params substituted', () => {
  const job = build(session());
  const c = job.spec?.template.spec?.containers[0];
  assert.equal(job.metadata?.name, 'restore-rs');
  assert.equal(c?.image, 'cairn.test/cairn');
  const args = c?.args ?? [];
  for (const a of [
    'kubedump',
    'restore',
    '--namespace=demo',
    '--restoresession=rs',
    '--snapshot=repo-bc-frequent-1700000000',
    '--scratch-dir=/kubestash-tmp',
    '--include-namespaces=demo',
    '--override-resources=true',
    '--include-cluster-resources=false',
  ]) {
    assert.ok(args.includes(a), `${a} in ${args.join(' ')}`);
  }
});

void test('the restore Job is owned by the session, never retried, bounded by the deadline and runs as the named ServiceAccount', () => {
  const job = build(session());
  assert.equal(job.spec?.backoffLimit, 0);
  assert.equal(job.spec?.activeDeadlineSeconds, 3600);
  assert.deepEqual(job.metadata?.ownerReferences?.[0], {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'RestoreSession',
    name: 'rs',
    uid: 'rs-uid',
    controller: true,
    blockOwnerDeletion: true,
  });
  const pod = job.spec?.template.spec;
  assert.equal(pod?.serviceAccountName, 'restorer');
  assert.equal(pod?.restartPolicy, 'Never');
  assert.deepEqual(pod?.securityContext, { runAsUser: 1000 });
  assert.equal(job.metadata?.labels?.['app.kubernetes.io/component'], 'kubestash-restore');
});

void test('the restore Job mounts the scratch volume and the local BackupStorage of the repository, and names its root', () => {
  const pod = build(session()).spec?.template.spec;
  const c = pod?.containers[0];
  assert.ok(pod?.volumes?.some((v) => v.name === 'kubestash-tmp-volume' && v.emptyDir));
  const local = pod?.volumes?.find((v) => v.hostPath?.path === '/var/backup');
  assert.ok(local);
  assert.ok(c?.volumeMounts?.some((m) => m.name === local.name && m.mountPath === '/safe/data'));
  assert.ok(c?.volumeMounts?.some((m) => m.mountPath === '/kubestash-tmp'));
  assert.deepEqual(
    c?.env?.find((e) => e.name === 'CAIRN_LOCAL_STORAGE_ROOTS'),
    { name: 'CAIRN_LOCAL_STORAGE_ROOTS', value: 'storage-ns/local=/safe/data' },
  );
});

void test('a long session name gives a Job name of at most 63 characters', () => {
  const name = restoreJobName('x'.repeat(80));
  assert.ok(name.length <= 63);
  assert.ok(name.startsWith('restore-'));
});

void test('a task the Addon does not have is refused, naming the tasks it has', () => {
  const rs = session({ addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] } });
  assert.throws(
    () => build(rs),
    (e: unknown) => e instanceof ExecutorError && /use one of manifest-restore/.test(e.message),
  );
});

void test('a Function that is not installed is reported as missing', () => {
  assert.deepEqual(
    missingFunctions(session(), addon, () => undefined),
    ['kubedump-restore'],
  );
  assert.deepEqual(missingFunctions(session(), addon, functions), []);
  assert.deepEqual(
    missingFunctions(session(), undefined, () => undefined),
    [],
  );
});

void test('without a named ServiceAccount the Job runs as one Cairn creates, owned by the session', () => {
  const rs = session({ addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] } });
  assert.deepEqual(restoreServiceAccount(rs), { name: 'restore-rs', managed: true });
  const objs = restoreRbac({
    rs,
    snapshot: 's',
    repository,
    serviceAccount: 'restore-rs',
    managed: true,
    storage,
  });
  assert.equal(objs[0]?.object.kind, 'ServiceAccount');
  assert.equal(objs[0]?.object.metadata?.ownerReferences?.[0]?.uid, 'rs-uid');
});

void test('the Role lets the Job read its session and write its status, and read the Snapshot, Repository, storage and Secrets', () => {
  const rs = session();
  const input = { rs, snapshot: 'snap-1', repository, serviceAccount: 'restorer', managed: false, storage };
  const rules = restoreRules(input);
  const local = rules.get('demo') ?? [];
  const find = (res: string) => local.find((r) => r.resources[0] === res);
  assert.deepEqual(find('restoresessions')?.resourceNames, ['rs']);
  assert.deepEqual(find('restoresessions/status')?.verbs, ['get', 'update', 'patch']);
  assert.deepEqual(find('snapshots')?.resourceNames, ['snap-1']);
  assert.deepEqual(find('repositories')?.resourceNames, ['repo']);
  assert.deepEqual(find('secrets')?.resourceNames, ['enc']);
  assert.deepEqual(
    rules.get('storage-ns')?.map((r) => r.resources[0]),
    ['backupstorages'],
  );
  assert.deepEqual(foreignNamespaces(input), ['storage-ns']);
  const objs = restoreRbac(input);
  assert.ok(!objs.some((o) => o.object.kind === 'ServiceAccount'));
  const binding = objs.find(
    (o) => o.object.kind === 'RoleBinding' && o.object.metadata?.namespace === 'demo',
  );
  assert.deepEqual((binding?.object as { subjects?: unknown }).subjects, [
    { kind: 'ServiceAccount', name: 'restorer', namespace: 'demo' },
  ]);
  const foreign = objs.find((o) => o.object.kind === 'Role' && o.object.metadata?.namespace === 'storage-ns');
  assert.equal(foreign?.object.metadata?.name, 'restore-demo-rs');
  assert.equal(foreign?.object.metadata?.ownerReferences, undefined);
});

void test("with spec.dataSource.encryptionSecret set the Role grants it and the Repository's own encryption Secret, each by name in its namespace", () => {
  const rs = session({
    dataSource: { repository: 'repo', snapshot: 'latest', encryptionSecret: { name: 'session-enc' } },
  });
  const other = {
    ...repository,
    spec: { ...repository.spec, encryptionSecret: { name: 'repo-enc', namespace: 'keys' } },
  };
  const input = {
    rs,
    snapshot: 'snap-1',
    repository: other,
    serviceAccount: 'restorer',
    managed: false,
    storage,
  };
  const rules = restoreRules(input);
  const secrets = (n: string) => rules.get(n)?.find((r) => r.resources[0] === 'secrets')?.resourceNames;
  assert.deepEqual(secrets('demo'), ['session-enc']);
  assert.deepEqual(secrets('keys'), ['repo-enc']);
  const same = restoreRules({ ...input, repository });
  assert.deepEqual(same.get('demo')?.find((r) => r.resources[0] === 'secrets')?.resourceNames, [
    'enc',
    'session-enc',
  ]);
});

const bc = (
  name: string,
  ns: string,
  target: TypedRef | undefined,
  extra: Partial<BackupConfigurationObj> = {},
): BackupConfigurationObj => ({
  metadata: { name, namespace: ns, ...(extra.metadata ?? {}) },
  spec: { ...(target ? { target } : {}), ...(extra.spec ?? {}) },
});

void test('the backups of the target are those whose target is the same object, in any namespace', () => {
  const rs = session({ target: { apiGroup: 'apps', kind: 'Deployment', name: 'web' } });
  const all = [
    bc('same', 'demo', { apiGroup: 'apps', kind: 'Deployment', name: 'web' }),
    bc('same-explicit', 'other', { apiGroup: 'apps', kind: 'Deployment', name: 'web', namespace: 'demo' }),
    bc('other-ns', 'other', { apiGroup: 'apps', kind: 'Deployment', name: 'web' }),
    bc('cluster', 'demo', undefined),
  ];
  assert.deepEqual(
    backupsOfTarget(rs, all).map((b) => b.metadata?.name),
    ['same', 'same-explicit'],
  );
  assert.deepEqual(backupsOfTarget(session(), all), []);
});

void test('only unpaused backups are paused, and only those the session paused are listed', () => {
  const rs = session({ target: { kind: 'Namespace', name: 'demo' } });
  const all = [
    bc('a', 'demo', { kind: 'Namespace', name: 'demo' }),
    bc('already', 'demo', { kind: 'Namespace', name: 'demo' }, { spec: { paused: true } }),
    bc(
      'mine',
      'x',
      { kind: 'Namespace', name: 'demo' },
      {
        metadata: { annotations: { [PAUSED_BY_ANNOTATION]: 'demo/rs' } },
        spec: { paused: true },
      },
    ),
  ];
  assert.deepEqual(
    toPause(rs, all).map((b) => b.metadata?.name),
    ['a'],
  );
  assert.deepEqual(pausedBy(rs, all), [
    { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', namespace: 'x', name: 'mine' },
  ]);
  assert.deepEqual(pausePatch(rs), {
    metadata: { annotations: { [PAUSED_BY_ANNOTATION]: 'demo/rs' } },
    spec: { paused: true },
  });
});
