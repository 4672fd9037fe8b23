// The local pod runner's volumes (configMap items, subPath, downwardAPI, hostPath) and pods of several
// containers: multi-container pods and init containers, in order and when one fails.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterTest } from '../../harness/cluster.ts';
import { assertSucceeded, logOf, podOf, runPods } from './fixture.ts';

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
