import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  executorImage,
  ExecutorError,
  jobOutcome,
  type FunctionObj,
} from '../../../../src/reconcilers/addon-job/task-job.ts';
import {
  backupJob,
  jobServiceAccount,
  type AddonObj,
} from '../../../../src/reconcilers/backupsession/job.ts';
import type {
  ConfigurationObject,
  SessionObject,
  SessionSpec,
} from '../../../../src/reconcilers/backupsession/plan.ts';
import { dumpScope, sessionRbac, sessionRules } from '../../../../src/reconcilers/backupsession/rbac.ts';

const catalog = (f: string): unknown =>
  parse(readFileSync(new URL(`../../../../deploy/addons/${f}`, import.meta.url), 'utf8'));
const addon = catalog('kubedump-addon.yaml') as AddonObj;
const fn = catalog('kubedump-backup-function.yaml') as FunctionObj;
const ns = 'demo';

const spec: SessionSpec = {
  name: 'frequent',
  scheduler: { jobTemplate: { backoffLimit: 2 } },
  repositories: [{ name: 'repo', encryptionSecret: { name: 'enc' } }],
  addon: {
    name: 'kubedump-addon',
    tasks: [
      {
        name: 'manifest-backup',
        params: { IncludeClusterResources: true },
        variables: [
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'enc', key: 'RESTIC_PASSWORD' } } },
        ],
      },
    ],
    containerRuntimeSettings: { resources: { limits: { memory: '256Mi' } } },
  },
};
const bc: ConfigurationObject = {
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupConfiguration',
  metadata: { name: 'bc', namespace: ns, uid: 'bc-uid' },
  spec: { backends: [{ name: 'main', storageRef: { name: 'store' } }], sessions: [spec] },
};
const session: SessionObject = {
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupSession',
  metadata: {
    name: 'bc-frequent-1700000000',
    namespace: ns,
    uid: 'bs-uid',
    creationTimestamp: '2026-01-01T00:00:00Z',
  },
  spec: { invoker: { kind: 'BackupConfiguration', name: 'bc' }, session: 'frequent' },
};
const input = {
  session,
  configuration: bc,
  spec,
  addon,
  functions: (n: string) => (n === 'kubedump-backup' ? fn : undefined),
  operatorImage: 'registry.example/cairn:dev',
  serviceAccountName: 'backup-bc-frequent',
  deadline: '2026-01-01T00:10:00Z',
  now: new Date('2026-01-01T00:00:00Z'),
};

void test("a Function running Cairn's release image runs the operator's image; any other image is kept", () => {
  assert.equal(executorImage('ghcr.io/cairn-backup/cairn:0.1.0', 'cairn.test/cairn'), 'cairn.test/cairn');
  assert.equal(executorImage('ghcr.io/cairn-backup/cairn@sha256:abc', 'x'), 'x');
  assert.equal(
    executorImage('ghcr.io/kubestash/kubedump:v0.28.0', 'x'),
    'ghcr.io/kubestash/kubedump:v0.28.0',
  );
});

void test("the catalog's kubedump task becomes a Job with the Function's args resolved for the run", () => {
  const job = backupJob(input);
  assert.equal(job.metadata?.name, session.metadata?.name);
  assert.equal(job.metadata?.ownerReferences?.[0]?.kind, 'BackupSession');
  assert.equal(job.spec?.backoffLimit, 2);
  assert.equal(job.spec?.activeDeadlineSeconds, 600);
  const pod = job.spec?.template.spec;
  assert.equal(pod?.restartPolicy, 'Never');
  assert.equal(pod?.serviceAccountName, 'backup-bc-frequent');
  assert.deepEqual(pod?.volumes, [{ name: 'kubestash-tmp-volume', emptyDir: {} }]);
  const c = pod?.containers[0];
  assert.equal(c?.image, 'registry.example/cairn:dev');
  assert.deepEqual(c?.args?.slice(0, 5), [
    'kubedump',
    'backup',
    '--namespace=demo',
    '--backupsession=bc-frequent-1700000000',
    '--enable-cache=true',
  ]);
  assert.ok(c?.args?.includes('--include-cluster-resources=true'));
  assert.deepEqual(c?.env, [
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'enc', key: 'RESTIC_PASSWORD' } } },
  ]);
  assert.deepEqual(c?.resources, { limits: { memory: '256Mi' } });
  assert.deepEqual(c?.volumeMounts, [{ name: 'kubestash-tmp-volume', mountPath: '/kubestash-tmp' }]);
  assert.equal(job.spec?.template.metadata?.labels?.['app.kubernetes.io/component'], 'kubestash-backup');
});

void test('a missing Addon, task or Function is named with the fix', () => {
  assert.throws(
    () => backupJob({ ...input, addon: undefined }),
    (e: unknown) => e instanceof ExecutorError && /Addon kubedump-addon .* does not exist/.test(e.message),
  );
  assert.throws(
    () => backupJob({ ...input, functions: () => undefined }),
    /Function kubedump-backup of Addon kubedump-addon task manifest-backup does not exist/,
  );
  const wrong = { ...spec, addon: { name: 'kubedump-addon', tasks: [{ name: 'nope' }] } };
  assert.throws(
    () => backupJob({ ...input, spec: wrong }),
    /has no backup task nope .* use one of manifest-backup/,
  );
});

void test("the jobTemplate's ServiceAccount is used as given; otherwise the per-session one is managed", () => {
  assert.deepEqual(jobServiceAccount(session, spec), { name: 'backup-bc-frequent', managed: true });
  const named = {
    ...spec,
    addon: { name: 'kubedump-addon', tasks: [], jobTemplate: { spec: { serviceAccountName: 'mine' } } },
  };
  assert.deepEqual(jobServiceAccount(session, named), { name: 'mine', managed: false });
});

void test('a Job reports its end: Complete succeeds, Failed names the Job and how to read its log', () => {
  assert.equal(jobOutcome({ metadata: { name: 'j', namespace: ns }, status: {} }), undefined);
  assert.equal(
    jobOutcome({ status: { conditions: [{ type: 'Complete', status: 'True' }] } })?.succeeded,
    true,
  );
  const failed = jobOutcome({
    metadata: { name: 'j', namespace: ns },
    status: {
      conditions: [
        {
          type: 'Failed',
          status: 'True',
          reason: 'BackoffLimitExceeded',
          message: 'Job has reached the specified backoff limit',
        },
      ],
    },
  });
  assert.equal(failed?.succeeded, false);
  assert.match(
    failed?.message ?? '',
    /Job demo\/j failed \(BackoffLimitExceeded: .*kubectl logs job\/j -n demo/,
  );
});

void test('the per-session Role reads only the objects of the session, and the Secrets named by name', () => {
  const rules = sessionRules({
    configuration: bc,
    spec,
    serviceAccount: 'backup-bc-frequent',
    storage: () => ({ spec: { storage: { provider: 's3', s3: { secretName: 's3-cred' } } } }),
  });
  const own = rules.get(ns) ?? [];
  assert.deepEqual(own.find((r) => r.resources.includes('secrets'))?.resourceNames, ['enc', 's3-cred']);
  assert.deepEqual(own.find((r) => r.resources.includes('backupconfigurations'))?.resourceNames, ['bc']);
  assert.deepEqual(own.find((r) => r.resources.includes('repositories'))?.resourceNames, ['repo']);
  assert.ok(!own.some((r) => r.verbs.includes('create') || r.verbs.includes('delete')));
});

void test('the dump reader is bound cluster-wide, since the dump lists every type at the cluster scope', () => {
  const inNs = { ...bc, spec: { ...bc.spec, target: { apiGroup: '', kind: 'Namespace', name: 'apps' } } };
  assert.deepEqual(dumpScope(inNs, spec), {});
  const objects = sessionRbac({
    configuration: bc,
    spec,
    serviceAccount: 'backup-bc-frequent',
    storage: () => undefined,
  });
  assert.deepEqual(
    objects.map((o) => o.object.kind),
    ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRoleBinding'],
  );
});

void test("the backup Job mounts the local BackupStorage of the session's repository in its container and says where", () => {
  const localSpec: SessionSpec = {
    ...spec,
    repositories: [{ name: 'repo', backend: 'main', encryptionSecret: { name: 'enc' } }],
  };
  const storage = {
    metadata: { name: 'store', namespace: ns },
    spec: {
      storage: {
        provider: 'local',
        local: { mountPath: '/safe/data', hostPath: { path: '/var/backups', type: 'DirectoryOrCreate' } },
      },
    },
  };
  const job = backupJob({
    ...input,
    spec: localSpec,
    storage: (n, name) => (n === ns && name === 'store' ? storage : undefined),
  });
  const pod = job.spec?.template.spec;
  const volume = pod?.volumes?.find((v) => v.hostPath?.path === '/var/backups');
  assert.ok(volume, 'the storage volume is in the pod');
  const container = pod?.containers[0];
  assert.deepEqual(
    container?.volumeMounts?.find((m) => m.name === volume.name),
    { name: volume.name, mountPath: '/safe/data' },
  );
  assert.equal(
    container?.env?.find((e) => e.name === 'CAIRN_LOCAL_STORAGE_ROOTS')?.value,
    'demo/store=/safe/data',
  );

  const remote = backupJob({
    ...input,
    spec: localSpec,
    storage: () => ({ spec: { storage: { provider: 's3' } } }),
  });
  assert.equal(
    remote.spec?.template.spec?.containers[0]?.env?.some((e) => e.name === 'CAIRN_LOCAL_STORAGE_ROOTS'),
    false,
  );
});
