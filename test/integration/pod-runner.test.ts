import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchV1Api,
  RbacAuthorizationV1Api,
  Watch,
  type V1Container,
  type V1Job,
  type V1Pod,
  type V1PodSpec,
} from '@kubernetes/client-node';
import { clusterTest, waitForGone, waitForPod, type ClusterContext } from '../harness/cluster.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { containerLog } from '../../src/cli/devcluster.ts';
import { processesUnder } from '../harness/processes.ts';

function job(
  ctx: ClusterContext,
  name: string,
  container: Partial<V1Container>,
  spec: Partial<V1PodSpec> = {},
): V1Job {
  return {
    metadata: { name, namespace: ctx.namespace },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: `${ctx.image}:dev`, ...container }],
          ...spec,
        },
      },
    },
  };
}

async function jobCondition(
  ctx: ClusterContext,
  name: string,
  timeoutMs = 90_000,
): Promise<'Complete' | 'Failed'> {
  const batch = ctx.kc.makeApiClient(BatchV1Api);
  return waitFor(
    async () => {
      const j = await batch.readNamespacedJob({ name, namespace: ctx.namespace });
      const c = j.status?.conditions?.find(
        (x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True',
      );
      return c?.type as 'Complete' | 'Failed' | undefined;
    },
    { what: `job ${name} to finish`, timeoutMs },
  );
}

async function jobPods(ctx: ClusterContext, name: string): Promise<V1Pod[]> {
  const l = await ctx.core.listNamespacedPod({ namespace: ctx.namespace, labelSelector: `job-name=${name}` });
  return l.items;
}

function logOf(ctx: ClusterContext, pod: V1Pod, container = 'main'): string {
  return readFileSync(containerLog(ctx.dir, ctx.namespace, pod.metadata?.name ?? '', container), 'utf8');
}

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

clusterTest('activeDeadlineSeconds ends a running pod as Failed with DeadlineExceeded', async (ctx) => {
  await ctx.core.createNamespacedPod({
    namespace: ctx.namespace,
    body: {
      metadata: { name: 'slow' },
      spec: {
        restartPolicy: 'Never',
        activeDeadlineSeconds: 2,
        containers: [{ name: 'main', image: ctx.image, args: ['debug', 'sleep', '300'] }],
      },
    },
  });
  const pod = await waitForPod(ctx, 'slow', (p) => p.status?.phase === 'Failed', 30_000);
  assert.equal(pod.status?.reason, 'DeadlineExceeded');
});

clusterTest(
  'a pod with an image the runner does not know gets a clear condition and never runs',
  async (ctx) => {
    await ctx.core.createNamespacedPod({
      namespace: ctx.namespace,
      body: { metadata: { name: 'foreign' }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    });
    const pod = await waitForPod(
      ctx,
      'foreign',
      (p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled') ?? false,
    );
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(cond?.status, 'False');
    assert.match(cond?.message ?? '', /nginx:1\.27/);
    assert.equal(pod.spec?.nodeName, undefined);
    assert.equal(pod.status?.phase, 'Pending');
  },
);

clusterTest('deleting a namespace with running and finished pods completes', async (ctx) => {
  const ns = `${ctx.namespace}-del`;
  await ctx.core.createNamespace({ body: { metadata: { name: ns } } });
  const pod = (name: string, args: string[]): V1Pod => ({
    metadata: { name },
    spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: ctx.image, args }] },
  });
  await ctx.core.createNamespacedPod({ namespace: ns, body: pod('running', ['debug', 'sleep', '300']) });
  await ctx.core.createNamespacedPod({ namespace: ns, body: pod('finished', ['version']) });
  const other = { ...ctx, namespace: ns };
  await waitForPod(other, 'running', (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
  await waitForPod(other, 'finished', (p) => p.status?.phase === 'Succeeded');
  await ctx.core.deleteNamespace({ name: ns });
  await waitForGone(`namespace ${ns}`, () => ctx.core.readNamespace({ name: ns }), 90_000);
});

clusterTest(
  'a container waits with CreateContainerConfigError until its Secret exists, then runs',
  async (ctx) => {
    await ctx.core.createNamespacedPod({
      namespace: ctx.namespace,
      body: {
        metadata: { name: 'late' },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              image: ctx.image,
              args: ['debug', 'expect-env', 'TOKEN', 'arrived'],
              env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'late-secret', key: 'token' } } }],
            },
          ],
        },
      },
    });
    const waiting = await waitForPod(
      ctx,
      'late',
      (p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError',
    );
    assert.match(
      waiting.status?.containerStatuses?.[0]?.state?.waiting?.message ?? '',
      /secret "late-secret" not found/,
    );
    await ctx.core.createNamespacedSecret({
      namespace: ctx.namespace,
      body: { metadata: { name: 'late-secret' }, stringData: { token: 'arrived' } },
    });
    const done = await waitForPod(
      ctx,
      'late',
      (p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed',
    );
    assert.equal(done.status?.phase, 'Succeeded');
  },
);

/** Creates the pods, waits for each to end, and returns them by name. */
async function runPods(ctx: ClusterContext, pods: V1Pod[], timeoutMs = 90_000): Promise<Map<string, V1Pod>> {
  for (const body of pods) await ctx.core.createNamespacedPod({ namespace: ctx.namespace, body });
  const done = new Map<string, V1Pod>();
  for (const p of pods) {
    const name = p.metadata?.name ?? '';
    done.set(
      name,
      await waitForPod(
        ctx,
        name,
        (x) => x.status?.phase === 'Succeeded' || x.status?.phase === 'Failed',
        timeoutMs,
      ),
    );
  }
  return done;
}

function podOf(name: string, spec: Partial<V1PodSpec>): V1Pod {
  return {
    metadata: { name, labels: { app: 'probe' } },
    spec: { restartPolicy: 'Never', containers: [], ...spec },
  };
}

function assertSucceeded(ctx: ClusterContext, pods: Map<string, V1Pod>): void {
  for (const [name, pod] of pods) {
    const logs = (pod.spec?.containers ?? []).map((c) => `${c.name}: ${logOf(ctx, pod, c.name)}`).join('\n');
    assert.equal(pod.status?.phase, 'Succeeded', `pod ${name}:\n${logs}`);
  }
}

clusterTest(
  'configMap items, subPath, downwardAPI and hostPath volumes appear where the container expects them',
  async (ctx) => {
    await ctx.core.createNamespacedConfigMap({
      namespace: ctx.namespace,
      body: { metadata: { name: 'cfg' }, data: { 'app.conf': 'mode=fast', other: 'not-projected' } },
    });
    const host = mkdtempSync(join(tmpdir(), 'cairn-hostpath-'));
    writeFileSync(join(host, 'seed.txt'), 'from-the-host');
    const created = join(host, 'created', 'by-the-runner');
    try {
      const image = ctx.image;
      const volumes = [
        { name: 'cfg', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf' }] } },
        {
          name: 'info',
          downwardAPI: {
            items: [
              { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
              { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
              {
                path: 'mem-mi',
                resourceFieldRef: { containerName: 'main', resource: 'limits.memory', divisor: '1Mi' },
              },
            ],
          },
        },
        { name: 'seed', hostPath: { path: host, type: 'Directory' } },
        { name: 'out', hostPath: { path: created, type: 'DirectoryOrCreate' } },
      ];
      const one = (
        name: string,
        args: string[],
        mounts: { name: string; mountPath: string; subPath?: string }[],
      ) =>
        podOf(name, {
          volumes,
          containers: [
            { name: 'main', image, args, volumeMounts: mounts, resources: { limits: { memory: '96Mi' } } },
          ],
        });
      const pods = await runPods(ctx, [
        one(
          'cm-items',
          ['debug', 'expect-file', '/etc/cfg/conf/app.conf', 'mode=fast'],
          [{ name: 'cfg', mountPath: '/etc/cfg' }],
        ),
        one(
          'cm-subpath',
          ['debug', 'expect-file', '/etc/app.conf', 'mode=fast'],
          [{ name: 'cfg', mountPath: '/etc/app.conf', subPath: 'conf/app.conf' }],
        ),
        one(
          'downward-name',
          ['debug', 'expect-file', '/etc/podinfo/name', 'downward-name'],
          [{ name: 'info', mountPath: '/etc/podinfo' }],
        ),
        one(
          'downward-labels',
          ['debug', 'expect-file', '/etc/podinfo/labels', 'app="probe"'],
          [{ name: 'info', mountPath: '/etc/podinfo' }],
        ),
        one(
          'downward-memory',
          ['debug', 'expect-file', '/etc/podinfo/mem-mi', '96'],
          [{ name: 'info', mountPath: '/etc/podinfo' }],
        ),
        one(
          'hostpath-read',
          ['debug', 'expect-file', '/seed/seed.txt', 'from-the-host'],
          [{ name: 'seed', mountPath: '/seed' }],
        ),
        one(
          'hostpath-subpath',
          ['debug', 'expect-file', '/seed.txt', 'from-the-host'],
          [{ name: 'seed', mountPath: '/seed.txt', subPath: 'seed.txt' }],
        ),
      ]);
      assertSucceeded(ctx, pods);

      // Only the listed item is projected; and a container's writes to a hostPath land on the host.
      const negative = await runPods(ctx, [
        one(
          'cm-unlisted-key',
          ['debug', 'expect-file', '/etc/cfg/other', 'not-projected'],
          [{ name: 'cfg', mountPath: '/etc/cfg' }],
        ),
        one('hostpath-write', ['debug', 'fail-once', '/out/marker'], [{ name: 'out', mountPath: '/out' }]),
      ]);
      const unlisted = negative.get('cm-unlisted-key');
      assert.equal(unlisted?.status?.phase, 'Failed');
      assert.match(logOf(ctx, unlisted), /file \S+\/volumes\/cfg\/other: missing/);
      assert.equal(readFileSync(join(created, 'marker'), 'utf8'), 'ran\n');
    } finally {
      rmSync(host, { recursive: true, force: true });
    }
  },
);

clusterTest(
  'every container of a multi-container pod runs, and the pod fails when one of them fails',
  async (ctx) => {
    const pods = await runPods(ctx, [
      podOf('both-ok', {
        containers: [
          { name: 'slow', image: ctx.image, args: ['debug', 'sleep', '1'] },
          { name: 'quick', image: ctx.image, args: ['version'] },
        ],
      }),
      podOf('one-fails', {
        containers: [
          { name: 'ok', image: ctx.image, args: ['version'] },
          { name: 'bad', image: ctx.image, args: ['debug', 'exit', '4'] },
        ],
      }),
    ]);
    const ok = pods.get('both-ok')!;
    assert.equal(ok.status?.phase, 'Succeeded');
    assert.deepEqual(
      ok.status?.containerStatuses?.map((c) => [c.name, c.state?.terminated?.exitCode]),
      [
        ['slow', 0],
        ['quick', 0],
      ],
    );
    assert.match(logOf(ctx, ok, 'quick'), /^cairn \d+\.\d+\.\d+/m);
    const failed = pods.get('one-fails')!;
    assert.equal(failed.status?.phase, 'Failed');
    assert.deepEqual(
      failed.status?.containerStatuses?.map((c) => [c.name, c.state?.terminated?.exitCode]),
      [
        ['ok', 0],
        ['bad', 4],
      ],
    );
  },
);

clusterTest(
  'init containers run one after another to completion before the main containers start',
  async (ctx) => {
    const pods = await runPods(ctx, [
      podOf('ordered', {
        restartPolicy: 'OnFailure',
        volumes: [{ name: 'scratch', emptyDir: {} }],
        initContainers: [
          { name: 'slow', image: ctx.image, args: ['debug', 'sleep', '2'] },
          // Fails once, writing the marker; restarted under OnFailure until it succeeds.
          {
            name: 'writer',
            image: ctx.image,
            args: ['debug', 'fail-once', '/scratch/marker'],
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
          },
        ],
        containers: [
          {
            name: 'main',
            image: ctx.image,
            args: ['debug', 'expect-file', '/scratch/marker', 'ran\n'],
            volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
          },
        ],
      }),
    ]);
    assertSucceeded(ctx, pods);
    const status = pods.get('ordered')!.status!;
    const [slow, writer] = status.initContainerStatuses ?? [];
    const main = status.containerStatuses?.[0];
    const at = (t: Date | string | undefined): number => new Date(t ?? 0).getTime();
    assert.equal(slow?.state?.terminated?.exitCode, 0);
    assert.equal(writer?.state?.terminated?.exitCode, 0);
    assert.equal(writer?.restartCount, 1, 'the failed init container was restarted in place');
    assert.ok(
      at(slow?.state?.terminated?.finishedAt) - at(slow?.state?.terminated?.startedAt) >= 1000,
      'the first init container ran its full two seconds',
    );
    assert.ok(at(writer?.state?.terminated?.startedAt) >= at(slow?.state?.terminated?.finishedAt));
    assert.ok(at(main?.state?.terminated?.startedAt) >= at(writer?.state?.terminated?.finishedAt));
    assert.equal(status.conditions?.find((c) => c.type === 'Initialized')?.status, 'True');
  },
);

clusterTest(
  'a failing init container fails a restartPolicy Never pod; its main containers never run',
  async (ctx) => {
    const pods = await runPods(ctx, [
      podOf('init-fails', {
        initContainers: [{ name: 'setup', image: ctx.image, args: ['debug', 'exit', '2'] }],
        containers: [{ name: 'main', image: ctx.image, args: ['version'] }],
      }),
    ]);
    const pod = pods.get('init-fails')!;
    assert.equal(pod.status?.phase, 'Failed');
    assert.equal(pod.status?.initContainerStatuses?.[0]?.state?.terminated?.exitCode, 2);
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated, undefined);
    assert.ok(pod.status?.containerStatuses?.[0]?.state?.waiting, 'the main container is still waiting');
    assert.equal(pod.status?.conditions?.find((c) => c.type === 'Initialized')?.status, 'False');
    assert.throws(
      () => logOf(ctx, pod, 'main'),
      /has no container "main"/,
      'the main container never started',
    );
  },
);

clusterTest(
  'deleting a running pod with a grace period sends its process SIGTERM, then the pod and process are gone',
  async (ctx) => {
    await ctx.core.createNamespacedPod({
      namespace: ctx.namespace,
      body: {
        metadata: { name: 'graceful' },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'main', image: ctx.image, args: ['debug', 'sleep', '300'] }],
        },
      },
    });
    const running = await waitForPod(
      ctx,
      'graceful',
      (p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined,
    );
    const podDir = join(
      ctx.dir,
      'pods',
      ctx.namespace,
      `graceful-${(running.metadata?.uid ?? '').slice(0, 8)}`,
    );
    assert.ok(processesUnder(podDir).length > 0, 'the container runs as a local process');

    // The last status the runner writes before the pod object goes: seen through a watch.
    const seen: V1Pod[] = [];
    const watching = await new Watch(ctx.kc).watch(
      `/api/v1/namespaces/${ctx.namespace}/pods`,
      { fieldSelector: 'metadata.name=graceful' },
      (_type, obj: V1Pod) => void seen.push(obj),
      () => undefined,
    );
    try {
      const started = Date.now();
      await ctx.core.deleteNamespacedPod({
        name: 'graceful',
        namespace: ctx.namespace,
        gracePeriodSeconds: 30,
      });
      await waitForGone('pod graceful', () =>
        ctx.core.readNamespacedPod({ name: 'graceful', namespace: ctx.namespace }),
      );
      const tookMs = Date.now() - started;
      assert.ok(
        tookMs < 15_000,
        `SIGTERM ended the process well within the 30 s grace period (took ${tookMs} ms)`,
      );
      const last = seen
        .map((p) => p.status?.containerStatuses?.[0]?.state?.terminated)
        .filter((t) => t !== undefined)
        .at(-1);
      assert.equal(last?.exitCode, 143, 'exit code 128 + SIGTERM');
      assert.equal(last?.message, 'pod deleted');
      assert.deepEqual(processesUnder(podDir), [], 'no process of the pod is left');
    } finally {
      watching.abort();
    }
  },
);
