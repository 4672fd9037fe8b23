// The local pod runner under the Job controller: CronJob-created Jobs, Secrets and ConfigMaps through env
// and volumes, exit codes, restarts under OnFailure, and RBAC through the projected ServiceAccount token.
import assert from 'node:assert/strict';
import { BatchV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { clusterTest } from '../../harness/cluster.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { job, jobCondition, jobPods, logOf } from './fixture.ts';

clusterTest(
  'a CronJob every minute runs cairn version in a Job that the Job controller completes',
  async (ctx) => {
    const batch = ctx.kc.makeApiClient(BatchV1Api);
    const template = job(ctx, 'unused', { args: ['version'] }).spec!;
    await batch.createNamespacedCronJob({
      namespace: ctx.namespace,
      body: {
        metadata: { name: 'every-minute' },
        spec: { schedule: '* * * * *', jobTemplate: { spec: template } },
      },
    });
    const jobName = await waitFor(
      async () => (await batch.listNamespacedJob({ namespace: ctx.namespace })).items[0]?.metadata?.name,
      { what: 'the CronJob to create a Job', timeoutMs: 75_000 },
    );
    assert.equal(await jobCondition(ctx, jobName), 'Complete');
    const [pod] = await jobPods(ctx, jobName);
    assert.ok(pod, 'the Job has a pod');
    assert.match(logOf(ctx, pod), /^cairn \d+\.\d+\.\d+/m);
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 0);
  },
  150_000,
);

clusterTest('a Job reads a Secret through env and through a mounted volume', async (ctx) => {
  const batch = ctx.kc.makeApiClient(BatchV1Api);
  await ctx.core.createNamespacedSecret({
    namespace: ctx.namespace,
    body: {
      metadata: { name: 'creds' },
      stringData: { password: 'p4ss-from-secret', 'nested.txt': 'file-content' },
    },
  });
  await ctx.core.createNamespacedConfigMap({
    namespace: ctx.namespace,
    body: { metadata: { name: 'cfg' }, data: { MODE: 'fast' } },
  });
  const volumes = [
    { name: 'creds', secret: { secretName: 'creds', items: [{ key: 'nested.txt', path: 'dir/value' }] } },
  ];
  const volumeMounts = [{ name: 'creds', mountPath: '/etc/creds', readOnly: true }];
  const env = [
    { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
    { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'COMBINED', value: '$(CFG_MODE)-$(POD_NS)' },
  ];
  const envFrom = [{ prefix: 'CFG_', configMapRef: { name: 'cfg' } }];
  const checks: [string, string[]][] = [
    ['env-secret', ['debug', 'expect-env', 'PASSWORD', 'p4ss-from-secret']],
    ['env-field-and-expansion', ['debug', 'expect-env', 'COMBINED', `fast-${ctx.namespace}`]],
    ['volume-secret', ['debug', 'expect-file', '/etc/creds/dir/value', 'file-content']],
    [
      'projected-namespace',
      ['debug', 'expect-file', '/var/run/secrets/kubernetes.io/serviceaccount/namespace', ctx.namespace],
    ],
  ];
  for (const [name, args] of checks) {
    await batch.createNamespacedJob({
      namespace: ctx.namespace,
      body: job(ctx, name, { args, env, envFrom, volumeMounts }, { volumes }),
    });
  }
  for (const [name] of checks) {
    const result = await jobCondition(ctx, name);
    const [pod] = await jobPods(ctx, name);
    assert.equal(result, 'Complete', `job ${name}: ${pod ? logOf(ctx, pod) : 'no pod'}`);
  }
});

clusterTest(
  'a container that exits non-zero fails its Job and leaves the exit code in the pod status',
  async (ctx) => {
    const batch = ctx.kc.makeApiClient(BatchV1Api);
    await batch.createNamespacedJob({
      namespace: ctx.namespace,
      body: job(ctx, 'exit-three', { args: ['debug', 'exit', '3'] }),
    });
    assert.equal(await jobCondition(ctx, 'exit-three'), 'Failed');
    const [pod] = await jobPods(ctx, 'exit-three');
    assert.equal(pod?.status?.phase, 'Failed');
    const term = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    assert.equal(term?.exitCode, 3);
    assert.equal(term?.reason, 'Error');
  },
);

clusterTest('restartPolicy OnFailure restarts a failed container in the same pod', async (ctx) => {
  const batch = ctx.kc.makeApiClient(BatchV1Api);
  const body = job(
    ctx,
    'retry',
    {
      args: ['debug', 'fail-once', '/scratch/marker'],
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
    },
    { restartPolicy: 'OnFailure', volumes: [{ name: 'scratch', emptyDir: {} }] },
  );
  body.spec!.backoffLimit = 2;
  await batch.createNamespacedJob({ namespace: ctx.namespace, body });
  assert.equal(await jobCondition(ctx, 'retry'), 'Complete');
  const pods = await jobPods(ctx, 'retry');
  assert.equal(pods.length, 1, 'the retry happens inside the pod, not in a new pod');
  const status = pods[0]?.status?.containerStatuses?.[0];
  assert.equal(status?.restartCount, 1);
  assert.equal(status?.lastState?.terminated?.exitCode, 1);
});

clusterTest('RBAC applies to a pod through its projected ServiceAccount token', async (ctx) => {
  const batch = ctx.kc.makeApiClient(BatchV1Api);
  const rbac = ctx.kc.makeApiClient(RbacAuthorizationV1Api);
  await ctx.core.createNamespacedServiceAccount({
    namespace: ctx.namespace,
    body: { metadata: { name: 'reader' } },
  });
  const spec = { serviceAccountName: 'reader' };
  await batch.createNamespacedJob({
    namespace: ctx.namespace,
    body: job(ctx, 'denied', { args: ['debug', 'list-secrets'] }, spec),
  });
  assert.equal(await jobCondition(ctx, 'denied'), 'Failed');
  const [denied] = await jobPods(ctx, 'denied');
  assert.ok(denied);
  assert.match(logOf(ctx, denied), /HTTP 403/);
  assert.match(logOf(ctx, denied), new RegExp(`system:serviceaccount:${ctx.namespace}:reader`));

  await rbac.createNamespacedRole({
    namespace: ctx.namespace,
    body: {
      metadata: { name: 'secret-reader' },
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace: ctx.namespace,
    body: {
      metadata: { name: 'reader-can-list' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'secret-reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'reader', namespace: ctx.namespace }],
    },
  });
  await batch.createNamespacedJob({
    namespace: ctx.namespace,
    body: job(ctx, 'allowed', { args: ['debug', 'list-secrets'] }, spec),
  });
  assert.equal(await jobCondition(ctx, 'allowed'), 'Complete');
  const [allowed] = await jobPods(ctx, 'allowed');
  assert.ok(allowed);
  assert.match(logOf(ctx, allowed), /listed \d+ secrets/);
});
