// The RestoreSession reconciler choosing what to restore: an invalid spec is Invalid; `latest` resolves to
// the newest Succeeded Snapshot and the restore Job carries its args, volumes and ServiceAccount; a missing
// Snapshot is reported and picked up once it exists, or fails the session when restoreTimeout passes.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { K8S } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { applyAll } from '../../harness/backup-manifests.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { FINAL, condition, restoreSession, sessionWhere, setup, snapshot, type JobObj } from './fixture.ts';

clusterTest(
  'a RestoreSession with a spec Cairn cannot run is Invalid and names the field to fix',
  async (ctx) => {
    const { client, namespace } = ctx;
    await applyAll(client, [
      restoreSession(namespace, 'pitr', {
        dataSource: { repository: 'repo', pitr: { targetTime: '2026-01-01T00:00:00Z' } },
      }),
    ]);
    const rs = await sessionWhere(client, namespace, 'pitr', 'Invalid', (r) => r.status?.phase === 'Invalid');
    const c = condition(rs, 'ValidationPassed');
    assert.equal(c?.status, 'False');
    assert.equal(c?.reason, 'ResourceValidationFailed');
    assert.match(c?.message ?? '', /spec\.dataSource\.pitr is not supported .*name a Snapshot/);
    assert.equal(await client.find(K8S.jobs, 'restore-pitr', namespace), undefined);
  },
);

clusterTest(
  'latest resolves to the newest Succeeded Snapshot and the restore Job carries its args, volumes and ServiceAccount',
  async (ctx) => {
    const { client, namespace } = ctx;
    await setup(ctx);
    await snapshot(client, namespace, 'repo-old', 'Succeeded', '2026-01-01T00:01:00Z');
    await snapshot(client, namespace, 'repo-new', 'Succeeded', '2026-01-01T00:02:00Z');
    await snapshot(client, namespace, 'repo-newest-failed', 'Failed', '2026-01-01T00:03:00Z');
    await applyAll(client, [
      restoreSession(namespace, 'rs', {
        target: { apiGroup: '', kind: 'Namespace', name: namespace },
        dataSource: { repository: 'repo', snapshot: 'latest' },
      }),
    ]);
    const job = await waitFor(() => client.find<JobObj>(K8S.jobs, 'restore-rs', namespace), {
      what: 'the restore Job',
      timeoutMs: 60_000,
    });
    const pod = job.spec?.template.spec;
    const c = pod?.containers[0];
    const args = c?.args ?? [];
    for (const a of [
      'kubedump',
      'restore',
      `--namespace=${namespace}`,
      '--restoresession=rs',
      '--snapshot=repo-new',
      `--include-namespaces=${namespace}`,
      '--scratch-dir=/kubestash-tmp',
    ]) {
      assert.ok(args.includes(a), `${a} in ${args.join(' ')}`);
    }
    assert.equal(job.spec?.backoffLimit, 0);
    assert.equal(pod?.serviceAccountName, 'restorer');
    assert.ok(pod?.volumes?.some((v) => v.name === 'kubestash-tmp-volume'));
    assert.ok(pod?.volumes?.some((v) => v.hostPath?.path === join(ctx.dir, 'restore-storage', namespace)));
    assert.ok(c?.volumeMounts?.some((m) => m.mountPath === '/safe/data'));
    assert.match(c?.env?.find((e) => e.name === 'CAIRN_LOCAL_STORAGE_ROOTS')?.value ?? '', /\/local=/);
    const binding = await client.get<KubeObject & { subjects?: unknown[] }>(
      K8S.roleBindings,
      'restore-rs',
      namespace,
    );
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'restorer', namespace }]);

    const rs = await sessionWhere(
      client,
      namespace,
      'rs',
      'executor ensured',
      (r) => condition(r, 'RestoreExecutorEnsured')?.status === 'True',
    );
    assert.equal(rs.status?.totalComponents, 1);
    assert.equal(rs.status?.targetFound, true);
    assert.deepEqual(
      rs.status?.dependencies?.map((d) => [d.kind, d.name, d.found]),
      [
        ['Snapshot', 'repo-new', true],
        ['Addon', 'kubedump-addon', true],
      ],
    );
    // Whatever the task does with a Snapshot that holds no data, the session ends with the final step.
    const ended = await sessionWhere(client, namespace, 'rs', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.equal(condition(ended, 'MetricsPushed')?.status, 'True');
    assert.ok(ended.status?.duration);
  },
);

clusterTest('a missing Snapshot is reported while waited for and restored once it exists', async (ctx) => {
  const { client, namespace } = ctx;
  await setup(ctx);
  await applyAll(client, [
    restoreSession(namespace, 'later', { dataSource: { repository: 'repo', snapshot: 'repo-later' } }),
  ]);
  const waiting = await sessionWhere(client, namespace, 'later', 'waiting', (r) =>
    /does not exist: waiting/.test(condition(r, 'RestoreExecutorEnsured')?.message ?? ''),
  );
  assert.equal(waiting.status?.phase, 'Pending');
  assert.equal(condition(waiting, 'RestoreExecutorEnsured')?.status, 'False');
  assert.deepEqual(waiting.status?.dependencies?.[0], {
    apiGroup: 'storage.kubestash.com',
    kind: 'Snapshot',
    namespace,
    name: 'repo-later',
    found: false,
  });
  const events = await client.list<KubeObject & { reason?: string; regarding?: { name?: string } }>(
    K8S.events,
    {
      namespace,
    },
  );
  assert.ok(events.items.some((e) => e.reason === 'RestoreWaiting' && e.regarding?.name === 'later'));
  assert.equal(await client.find(K8S.jobs, 'restore-later', namespace), undefined);

  await snapshot(client, namespace, 'repo-later', 'Succeeded', '2026-01-01T00:05:00Z');
  await waitFor(() => client.find(K8S.jobs, 'restore-later', namespace), {
    what: 'the restore Job once the Snapshot exists',
    timeoutMs: 60_000,
  });
  // The Snapshot is first seen without a phase (its status is written just after it), which is waited for
  // too; the Job ends that wait.
  const found = await sessionWhere(
    client,
    namespace,
    'later',
    'executor ensured',
    (r) => condition(r, 'RestoreExecutorEnsured')?.status === 'True',
  );
  assert.equal(found.status?.dependencies?.[0]?.found, true);
});

clusterTest(
  'a restore still waiting for its Snapshot when restoreTimeout passes ends Failed and says why',
  async (ctx) => {
    const { client, namespace } = ctx;
    await setup(ctx);
    await applyAll(client, [
      restoreSession(namespace, 'late', {
        restoreTimeout: '3s',
        dataSource: { repository: 'repo', snapshot: 'repo-never' },
      }),
    ]);
    const rs = await sessionWhere(client, namespace, 'late', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.equal(rs.status?.phase, 'Failed');
    const c = condition(rs, 'RestoreExecutorEnsured');
    assert.equal(c?.status, 'False');
    assert.match(
      c?.message ?? '',
      /spec\.restoreTimeout passed while waiting: Snapshot .*repo-never does not exist/,
    );
    assert.ok((rs.status as { restoreDeadline?: string }).restoreDeadline);
  },
);
