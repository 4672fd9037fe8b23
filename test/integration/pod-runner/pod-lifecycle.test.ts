// The local pod runner over a pod's life: deadlines, images it does not know, a Secret that arrives late,
// namespace deletion, and graceful deletion of a running pod (SIGTERM, then nothing left behind).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Watch, type V1Pod } from '@kubernetes/client-node';
import { clusterTest, waitForGone, waitForPod } from '../../harness/cluster.ts';
import { processesUnder } from '../../harness/processes.ts';

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
