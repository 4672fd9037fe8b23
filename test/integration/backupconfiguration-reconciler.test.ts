// The BackupConfiguration reconciler of the dev cluster's operator, on a BackupStorage the BackupStorage
// reconciler made Ready on MinIO: the Repository and the trigger CronJob (schedule, labels, owner,
// least-privilege identity) are written, the first backup is triggered once, `paused` suspends the CronJob,
// a Job made from the CronJob (as `kubectl create job --from=cronjob/…`) runs `cairn trigger-backup` in the
// pod runner and creates a BackupSession, and bad references are named in conditions and recover when fixed.
import assert from 'node:assert/strict';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { clusterTest, waitForGone, type ClusterContext } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

interface Cond {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface BcStatus {
  phase?: string;
  conditions?: Cond[];
  sessions?: { name?: string; nextSchedule?: string; conditions?: Cond[] }[];
  repositories?: { name?: string; reason?: string }[];
  dependencies?: { name: string; found?: boolean }[];
}
type Bc = KubeObject & { status?: BcStatus };
type CronJob = KubeObject & {
  spec: {
    schedule: string;
    suspend?: boolean;
    successfulJobsHistoryLimit?: number;
    jobTemplate: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> };
  };
};

const BC = 'cluster-backup';
const SESSION = 'frequent-backup';
const CRONJOB = `trigger-${BC}-${SESSION}`;

const b64 = (s: string): string => Buffer.from(s).toString('base64');

async function backends(ctx: ClusterContext, s3: MinioServer, bucket: string, storageName = 'minio') {
  const ns = ctx.namespace;
  await ctx.client
    .create(
      K8S.secrets,
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's3-secret', namespace: ns },
        data: Object.fromEntries(Object.entries(s3.secretData).map(([k, v]) => [k, b64(v)])),
      },
      { namespace: ns },
    )
    .catch(() => undefined);
  await ctx.client.create(
    KUBESTASH.backupStorages,
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'BackupStorage',
      metadata: { name: storageName, namespace: ns },
      spec: {
        storage: {
          provider: 's3',
          s3: { endpoint: s3.endpoint, bucket, prefix: 'demo', region: s3.region, secretName: 's3-secret' },
        },
        usagePolicy: { allowedNamespaces: { from: 'Same' } },
        deletionPolicy: 'Delete',
      },
    },
    { namespace: ns },
  );
}

async function basics(ctx: ClusterContext) {
  const ns = ctx.namespace;
  await ctx.client.create(
    KUBESTASH.retentionPolicies,
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'RetentionPolicy',
      metadata: { name: 'keep', namespace: ns },
      spec: { maxRetentionPeriod: '30d', successfulSnapshots: { last: 5 } },
    },
    { namespace: ns },
  );
  await ctx.client.create(
    K8S.secrets,
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'encrypt-secret', namespace: ns },
      data: { RESTIC_PASSWORD: b64('integration-test-password') },
    },
    { namespace: ns },
  );
}

function configuration(
  ns: string,
  o: { storage?: string; addon?: string; paused?: boolean } = {},
): KubeObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: BC, namespace: ns },
    spec: {
      target: { kind: 'Namespace', name: ns },
      backends: [
        {
          name: 's3-backend',
          storageRef: { name: o.storage ?? 'minio', namespace: ns },
          retentionPolicy: { name: 'keep', namespace: ns },
        },
      ],
      sessions: [
        {
          name: SESSION,
          scheduler: {
            schedule: '0 3 * * *',
            jobTemplate: { backoffLimit: 1 },
            successfulJobsHistoryLimit: 2,
          },
          repositories: [
            {
              name: 's3-repo',
              backend: 's3-backend',
              directory: '/ns-manifests',
              encryptionSecret: { name: 'encrypt-secret', namespace: ns },
            },
            {
              name: 'kept-repo',
              backend: 's3-backend',
              directory: '/kept',
              encryptionSecret: { name: 'encrypt-secret', namespace: ns },
              deletionPolicy: 'Retain',
            },
          ],
          addon: { name: o.addon ?? 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
        },
      ],
      ...(o.paused ? { paused: true } : {}),
    },
  };
}

const cond = (list: Cond[] | undefined, type: string) => list?.find((c) => c.type === type);

async function waitBc(ctx: ClusterContext, what: string, ok: (bc: Bc) => boolean, timeoutMs = 90_000) {
  return waitFor(
    async () => {
      const bc = await ctx.client.find<Bc>(KUBESTASH.backupConfigurations, BC, ctx.namespace);
      return bc && ok(bc) ? bc : undefined;
    },
    { what, timeoutMs },
  );
}

async function backupSessions(ctx: ClusterContext): Promise<KubeObject[]> {
  const list = await ctx.client.list(KUBESTASH.backupSessions, {
    namespace: ctx.namespace,
    labelSelector: `kubestash.com/invoker-name=${BC}`,
  });
  return list.items;
}

clusterTest(
  'a BackupConfiguration on a Ready BackupStorage gets its Repository and trigger CronJob, triggers its first backup once, pauses, and a Job from the CronJob creates a BackupSession',
  async (ctx, t) => {
    const ns = ctx.namespace;
    const s3 = await startMinio(t);
    await s3.createBucket('bc-reconciler');
    await basics(ctx);
    await backends(ctx, s3, 'bc-reconciler');
    await ctx.client.create(KUBESTASH.backupConfigurations, configuration(ns), { namespace: ns });

    const ready = await waitBc(ctx, 'BackupConfiguration Ready', (bc) => bc.status?.phase === 'Ready');
    const session = ready.status?.sessions?.[0];
    assert.equal(cond(session?.conditions, 'SchedulerEnsured')?.status, 'True');
    assert.match(session?.nextSchedule ?? '', /T03:00:00Z$/);
    assert.equal(cond(ready.status?.conditions, 'ValidationPassed')?.status, 'True');

    const repo = await ctx.client.get<KubeObject & { spec: Record<string, unknown> }>(
      KUBESTASH.repositories,
      's3-repo',
      ns,
    );
    assert.deepEqual(repo.spec.storageRef, { name: 'minio', namespace: ns });
    assert.equal(repo.spec.path, '/ns-manifests');
    assert.deepEqual(repo.spec.appRef, { kind: 'Namespace', name: ns });
    assert.deepEqual(repo.spec.encryptionSecret, { name: 'encrypt-secret', namespace: ns });
    assert.equal(repo.metadata?.ownerReferences, undefined, 'KubeStash gives a Repository no owner');

    const cj = await ctx.client.get<CronJob>(K8S.cronJobs, CRONJOB, ns);
    assert.equal(cj.spec.schedule, '0 3 * * *');
    assert.equal(cj.spec.suspend, false);
    assert.equal(cj.spec.successfulJobsHistoryLimit, 2);
    assert.equal(cj.metadata?.labels?.['kubestash.com/invoker-name'], BC);
    assert.equal(cj.metadata?.labels?.['kubestash.com/session-name'], SESSION);
    assert.equal(cj.metadata?.labels?.['app.kubernetes.io/managed-by'], 'kubestash.com');
    const owner = cj.metadata?.ownerReferences?.[0];
    assert.equal(owner?.kind, 'BackupConfiguration');
    assert.equal(owner?.uid, ready.metadata?.uid);
    assert.equal(owner?.controller, true);
    const podSpec = (cj.spec.jobTemplate.spec.template as { spec: Record<string, unknown> }).spec;
    assert.equal(podSpec.serviceAccountName, CRONJOB);
    assert.equal(cj.spec.jobTemplate.spec.backoffLimit, 1);

    // The first backup: triggered once through the CronJob's own Job, which ran `cairn trigger-backup`.
    const first = await waitFor(
      async () => {
        const items = await backupSessions(ctx);
        return items.length > 0 ? items : undefined;
      },
      { what: 'the first BackupSession', timeoutMs: 90_000 },
    );
    assert.equal(first.length, 1);
    const bs = first[0] as KubeObject & { spec: Record<string, unknown> };
    assert.deepEqual(bs.spec.invoker, {
      apiGroup: 'core.kubestash.com',
      kind: 'BackupConfiguration',
      name: BC,
    });
    assert.equal(bs.spec.session, SESSION);
    assert.equal(bs.metadata?.labels?.['kubestash.com/session-name'], SESSION);
    assert.match(bs.metadata?.name ?? '', new RegExp(`^${BC}-${SESSION}-\\d+$`));
    const triggered = await waitBc(
      ctx,
      'InitialBackupTriggered=True',
      (bc) => cond(bc.status?.sessions?.[0]?.conditions, 'InitialBackupTriggered')?.status === 'True',
    );
    assert.equal(triggered.status?.phase, 'Ready');

    // A Job from the CronJob, as `kubectl create job --from=cronjob/…` makes it, triggers another run.
    await ctx.client.create(
      K8S.jobs,
      {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: {
          name: 'manual-trigger',
          namespace: ns,
          annotations: { 'cronjob.kubernetes.io/instantiate': 'manual' },
          labels: cj.spec.jobTemplate.metadata?.labels ?? {},
          ownerReferences: [
            {
              apiVersion: 'batch/v1',
              kind: 'CronJob',
              name: CRONJOB,
              uid: cj.metadata?.uid ?? '',
              controller: true,
            },
          ],
        },
        spec: cj.spec.jobTemplate.spec,
      },
      { namespace: ns },
    );
    // (Finished runs beyond sessionHistoryLimit may be deleted meanwhile: look for a new name, not a count.)
    const firstName = bs.metadata?.name;
    await waitFor(
      async () =>
        (await backupSessions(ctx)).some((x) => x.metadata?.name !== firstName) ? true : undefined,
      { what: 'a second BackupSession from the manual Job', timeoutMs: 90_000 },
    );
    const seen = new Set((await backupSessions(ctx)).map((x) => x.metadata?.name));
    seen.add(firstName);

    // paused: the CronJob is suspended and no next run is shown.
    await ctx.client.patch(
      KUBESTASH.backupConfigurations,
      BC,
      { spec: { paused: true } },
      { type: 'merge', namespace: ns },
    );
    await waitFor(
      async () =>
        (await ctx.client.get<CronJob>(K8S.cronJobs, CRONJOB, ns)).spec.suspend === true ? true : undefined,
      { what: 'the CronJob suspended', timeoutMs: 30_000 },
    );
    await waitBc(
      ctx,
      'no nextSchedule while paused',
      (bc) => bc.status?.sessions?.[0]?.nextSchedule === undefined,
    );
    assert.deepEqual(
      (await backupSessions(ctx)).filter((x) => !seen.has(x.metadata?.name)),
      [],
      'pausing triggers nothing',
    );
  },
  300_000,
);

clusterTest(
  'a missing BackupStorage and an unknown Addon are named in conditions with the fix, the configuration recovers once both are fixed, and deleting it deletes its Repositories except the Retain ones',
  async (ctx, t) => {
    const ns = ctx.namespace;
    await basics(ctx);
    await ctx.client.create(
      KUBESTASH.backupConfigurations,
      configuration(ns, { storage: 'absent', addon: 'no-such-addon' }),
      { namespace: ns },
    );
    const bad = await waitBc(
      ctx,
      'conditions naming the storage and the Addon',
      (bc) =>
        cond(bc.status?.conditions, 'BackendsReady')?.status === 'False' &&
        cond(bc.status?.conditions, 'DependenciesFound')?.status === 'False',
    );
    assert.equal(bad.status?.phase, 'NotReady');
    assert.match(
      cond(bad.status?.conditions, 'BackendsReady')?.message ?? '',
      new RegExp(
        `BackupStorage "${ns}/absent" of backend "s3-backend" does not exist: create it, or correct spec.backends\\[\\].storageRef`,
      ),
    );
    assert.match(
      cond(bad.status?.conditions, 'DependenciesFound')?.message ?? '',
      /Addon "no-such-addon" of session "frequent-backup" does not exist: install it/,
    );
    assert.deepEqual(bad.status?.dependencies, [
      { apiGroup: 'addons.kubestash.com', kind: 'Addon', name: 'no-such-addon', found: false },
    ]);
    assert.equal(cond(bad.status?.sessions?.[0]?.conditions, 'SchedulerEnsured')?.status, 'False');
    assert.equal(await ctx.client.find(K8S.cronJobs, CRONJOB, ns), undefined);
    assert.equal(await ctx.client.find(KUBESTASH.repositories, 's3-repo', ns), undefined);

    // Fix both: the storage appears (and becomes Ready), the Addon name is corrected.
    const s3 = await startMinio(t);
    await s3.createBucket('bc-recover');
    await backends(ctx, s3, 'bc-recover', 'absent');
    await ctx.client.patch(
      KUBESTASH.backupConfigurations,
      BC,
      [{ op: 'replace', path: '/spec/sessions/0/addon/name', value: 'kubedump-addon' }],
      { type: 'json', namespace: ns },
    );
    const fixed = await waitBc(ctx, 'Ready after the fixes', (bc) => bc.status?.phase === 'Ready');
    assert.equal(cond(fixed.status?.conditions, 'BackendsReady')?.status, 'True');
    assert.equal(cond(fixed.status?.conditions, 'DependenciesFound')?.status, 'True');
    assert.ok(await ctx.client.find(K8S.cronJobs, CRONJOB, ns));
    assert.ok(await ctx.client.find(KUBESTASH.repositories, 's3-repo', ns));
    assert.ok(fixed.metadata?.finalizers?.includes('kubestash.com/cleanup'));

    // Deleting it deletes the Repository of a Delete repository and keeps the Retain one.
    await ctx.client.delete(KUBESTASH.backupConfigurations, BC, { namespace: ns });
    await waitForGone(`BackupConfiguration ${BC}`, () =>
      ctx.client.get(KUBESTASH.backupConfigurations, BC, ns),
    );
    await waitForGone('Repository s3-repo', () => ctx.client.get(KUBESTASH.repositories, 's3-repo', ns));
    assert.ok(await ctx.client.find(KUBESTASH.repositories, 'kept-repo', ns), 'Retain keeps the Repository');
  },
  300_000,
);
