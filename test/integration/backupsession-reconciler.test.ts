// The BackupSession and Snapshot reconcilers in the dev cluster's in-process operator: a run takes one
// Snapshot per repository and creates the backup Job from the kubedump catalog's Addon and Function; a run
// started while another runs is Skipped; a Job that dies before the Snapshots report ends the run Failed.
import assert from 'node:assert/strict';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { backupSessionName, snapshotName } from '../../src/api/names.ts';
import { backupJobServiceAccountName } from '../../src/api/backup-names.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { clusterTest } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const PASSWORD = 'not-a-real-password-7f3a';

async function setup(
  client: KubeClient,
  namespace: string,
  s3: MinioServer,
): Promise<{ bc: string; repos: string[] }> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace });
  await create(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'enc', namespace },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  await create(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's3-cred', namespace },
    stringData: s3.secretData,
  });
  await s3.createBucket('sessions');
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'store', namespace },
    spec: {
      storage: {
        provider: 's3',
        s3: {
          endpoint: s3.endpoint,
          bucket: 'sessions',
          prefix: namespace,
          region: s3.region,
          secretName: 's3-cred',
        },
      },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
      deletionPolicy: 'Delete',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'keep', namespace },
    spec: { successfulSnapshots: { last: 3 } },
  });
  const repos = ['repo-a', 'repo-b'];
  const target = { apiGroup: '', kind: 'Namespace', name: namespace };
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'manifests', namespace },
    spec: {
      target,
      backends: [
        {
          name: 'main',
          storageRef: { name: 'store', namespace },
          retentionPolicy: { name: 'keep', namespace },
        },
      ],
      sessions: [
        {
          name: 'frequent',
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: {} },
          addon: {
            name: 'kubedump-addon',
            tasks: [
              {
                name: 'manifest-backup',
                params: { IncludeResources: 'configmaps,deployments.apps' },
                variables: [
                  {
                    name: 'RESTIC_PASSWORD',
                    valueFrom: { secretKeyRef: { name: 'enc', key: 'RESTIC_PASSWORD' } },
                  },
                ],
              },
            ],
          },
          repositories: repos.map((name) => ({
            name,
            backend: 'main',
            directory: `${namespace}/${name}`,
            encryptionSecret: { name: 'enc', namespace },
          })),
        },
        {
          // The backup container refuses this flag value and exits before reporting.
          name: 'broken',
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: {} },
          addon: {
            name: 'kubedump-addon',
            tasks: [{ name: 'manifest-backup', params: { IncludeClusterResources: 'maybe' } }],
          },
          repositories: repos.map((name) => ({
            name,
            backend: 'main',
            directory: `${namespace}/${name}`,
            encryptionSecret: { name: 'enc', namespace },
          })),
        },
      ],
    },
  });
  // The BackupConfiguration reconciler makes it Ready once its storage is (MinIO here) and creates the
  // Repositories; any it has not created within a few seconds are created here, as it would. Where that
  // reconciler is not registered (the BackupConfiguration gets no status at all), the phase is set through
  // the status subresource as it would set it.
  const started = Date.now();
  const phase = await waitFor(
    async () => {
      const bc = await client.get<Obj>(KUBESTASH.backupConfigurations, 'manifests', namespace);
      if (bc.status?.phase === 'Ready') return 'Ready';
      if (bc.status === undefined && Date.now() - started > 15_000) return 'none';
      return undefined;
    },
    { what: 'BackupConfiguration manifests Ready', timeoutMs: 60_000 },
  );
  if (phase === 'none') {
    await client.patchStatus(KUBESTASH.backupConfigurations, 'manifests', namespace, { phase: 'Ready' });
  }
  for (const name of repos) {
    const present = await waitFor(
      async () => ((await client.find(KUBESTASH.repositories, name, namespace)) ? true : undefined),
      { what: `Repository ${name}`, timeoutMs: 10_000 },
    ).catch(() => false);
    if (present) continue;
    await create(KUBESTASH.repositories, {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Repository',
      metadata: { name, namespace },
      spec: {
        appRef: target,
        storageRef: { name: 'store', namespace },
        path: `${namespace}/${name}`,
        encryptionSecret: { name: 'enc', namespace },
      },
    });
  }
  // The run the BackupConfiguration reconciler triggers when it first becomes Ready (through a trigger Job)
  // ends first (today's backup Job fails), so it cannot overlap the runs created below.
  const finished = (o: Obj, kinds: string[]): boolean =>
    ((o.status?.conditions ?? []) as { type: string; status: string }[]).some(
      (c) => kinds.includes(c.type) && c.status === 'True',
    );
  await waitFor(
    async () => {
      const jobs = await client.list<Obj>(K8S.jobs, { namespace });
      const runs = await client.list<Obj>(KUBESTASH.backupSessions, { namespace });
      const idle =
        jobs.items.every((j) => finished(j, ['Complete', 'Failed'])) &&
        runs.items.every((x) => ['Succeeded', 'Failed', 'Skipped'].includes(String(x.status?.phase)));
      if (idle && (phase === 'none' || runs.items.length > 0)) return true;
      throw new Error(
        `jobs ${jobs.items.map((j) => j.metadata?.name).join()}; runs ${runs.items
          .map((x) => `${x.metadata?.name}=${String(x.status?.phase)}`)
          .join()}`,
      );
    },
    { what: 'the initial run of the BackupConfiguration finished', timeoutMs: 90_000 },
  );
  return { bc: 'manifests', repos };
}

function backupSession(namespace: string, name: string): KubeObject {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupSession',
    metadata: { name, namespace },
    spec: {
      invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'manifests' },
      session: 'frequent',
    },
  };
}

clusterTest(
  'a BackupSession takes one Snapshot per repository, runs the catalog Function in a Job, skips a second run, ends Succeeded with the records uploaded, and ends Failed when its Job dies before the Snapshots report',
  async ({ client, namespace, image }, t) => {
    const s3 = await startMinio(t);
    const { bc, repos } = await setup(client, namespace, s3);
    const now = new Date();
    // Names ahead of the clock, so they cannot collide with the run the BackupConfiguration triggered.
    const first = backupSessionName(bc, 'frequent', new Date(now.getTime() + 100_000));
    const second = backupSessionName(bc, 'frequent', new Date(now.getTime() + 101_000));
    // Created back to back: the first cannot have finished, so the second must be Skipped.
    await client.create(KUBESTASH.backupSessions, backupSession(namespace, first), { namespace });
    await client.create(KUBESTASH.backupSessions, backupSession(namespace, second), { namespace });

    const skipped = await waitFor(
      async () => {
        const s = await client.get<Obj>(KUBESTASH.backupSessions, second, namespace);
        return s.status?.phase === 'Skipped' ? s : undefined;
      },
      { what: 'the second BackupSession Skipped', timeoutMs: 30_000 },
    );
    const skip = (skipped.status?.conditions as { type: string; reason?: string; message?: string }[]).find(
      (c) => c.type === 'BackupSkipped',
    );
    assert.equal(skip?.reason, 'PreRequisitesNotSatisfied');
    assert.match(skip?.message ?? '', new RegExp(`BackupSession ${namespace}/${first} .* still running`));

    // Snapshots: names, labels, owners, spec.
    for (const repo of repos) {
      const name = snapshotName(repo, first);
      const snap = await waitFor(() => client.find<Obj>(KUBESTASH.snapshots, name, namespace), {
        what: `Snapshot ${name}`,
        timeoutMs: 30_000,
      });
      assert.equal(snap.metadata?.labels?.['kubestash.com/repo-name'], repo);
      assert.equal(snap.metadata?.labels?.['kubestash.com/app-ref-kind'], 'Namespace');
      assert.equal(snap.metadata?.labels?.['kubestash.com/app-ref-name'], namespace);
      const owner = snap.metadata?.ownerReferences?.[0];
      assert.equal(owner?.kind, 'Repository');
      assert.equal(owner?.name, repo);
      assert.equal(owner?.controller, true);
      assert.equal(snap.spec?.repository, repo);
      assert.equal(snap.spec?.session, 'frequent');
      assert.equal(snap.spec?.backupSession, first);
      assert.equal(snap.spec?.deletionPolicy, 'Delete');
      assert.match(String(snap.spec?.snapshotID), /^[0-9A-HJKMNP-TV-Z]{26}$/);
    }

    // The Job: owned by the run, the Function's args resolved, the per-session ServiceAccount, no secret.
    const job = await waitFor(() => client.find<Obj>(K8S.jobs, first, namespace), {
      what: 'the backup Job',
      timeoutMs: 30_000,
    });
    assert.equal(job.metadata?.ownerReferences?.[0]?.kind, 'BackupSession');
    assert.equal(job.metadata?.labels?.['app.kubernetes.io/component'], 'kubestash-backup');
    assert.equal(job.metadata?.labels?.['kubestash.com/invoker-name'], bc);
    const pod = (job.spec?.template as { spec: Record<string, unknown> }).spec;
    const sa = backupJobServiceAccountName(bc, 'frequent');
    assert.equal(pod.serviceAccountName, sa);
    const [container] = pod.containers as {
      image: string;
      args: string[];
      env?: { name: string; value?: string; valueFrom?: unknown }[];
    }[];
    // The catalog Function runs Cairn's release image: the operator runs its own image (the pod runner's here).
    assert.equal(container?.image, image);
    assert.deepEqual(container?.args.slice(0, 4), [
      'kubedump',
      'backup',
      `--namespace=${namespace}`,
      `--backupsession=${first}`,
    ]);
    assert.ok(container?.args.includes('--include-resources=configmaps,deployments.apps'));
    assert.ok(container?.args.includes('--scratch-dir=/kubestash-tmp'));
    assert.deepEqual(container?.env, [
      { name: 'RESTIC_PASSWORD', valueFrom: { secretKeyRef: { name: 'enc', key: 'RESTIC_PASSWORD' } } },
    ]);
    assert.ok(!JSON.stringify(job).includes(PASSWORD), 'the Job spec holds the password');

    // The per-session identity.
    await client.get(K8S.serviceAccounts, sa, namespace);
    const role = await client.get<
      KubeObject & { rules: { resources: string[]; resourceNames?: string[] }[] }
    >(K8S.roles, sa, namespace);
    const secretRule = role.rules.find((r) => r.resources.includes('secrets'));
    assert.deepEqual(secretRule?.resourceNames, ['enc', 's3-cred']);
    const readers = await client.list<
      KubeObject & { roleRef: { name: string }; subjects: { namespace: string }[] }
    >(K8S.clusterRoleBindings);
    assert.ok(
      readers.items.some(
        (b) => b.roleRef.name === 'cairn-kubedump-reader' && b.subjects[0]?.namespace === namespace,
      ),
    );

    // The backup container dumps, uploads and reports its component: the run ends Succeeded, each Snapshot
    // Succeeded with its record uploaded to the repository's snapshots/ folder.
    const done = await waitFor(
      async () => {
        const s = await client.get<Obj>(KUBESTASH.backupSessions, first, namespace);
        if (['Failed', 'Succeeded'].includes(String(s.status?.phase))) return s;
        throw new Error(JSON.stringify(s.status));
      },
      { what: 'the first BackupSession finished', timeoutMs: 120_000 },
    );
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    const conditions = done.status?.conditions as { type: string; status: string }[];
    for (const type of [
      'SnapshotsEnsured',
      'BackupExecutorEnsured',
      'SessionHistoryCleaned',
      'MetricsPushed',
    ]) {
      assert.equal(conditions.find((c) => c.type === type)?.status, 'True', type);
    }
    assert.match(String(done.status?.duration), /^\d+(m\d+)?s$/);
    assert.equal(done.status?.totalSnapshots, 2);
    for (const s of done.status?.snapshots as { phase: string }[]) assert.equal(s.phase, 'Succeeded');
    const keys = await s3.keys('sessions');
    for (const repo of repos) {
      const name = snapshotName(repo, first);
      const snap = await client.get<Obj>(KUBESTASH.snapshots, name, namespace);
      assert.equal(snap.status?.phase, 'Succeeded');
      const uploaded = (snap.status?.conditions as { type: string; status: string }[]).find(
        (c) => c.type === 'SnapshotMetadataUploaded',
      );
      assert.equal(uploaded?.status, 'True');
      assert.ok(
        keys.some((k) => k.endsWith(`/${repo}/snapshots/${name}.yaml`)),
        `no record of ${name} among ${keys.join(', ')}`,
      );
    }
    // sessionHistoryLimit 1 (the default): the other finished runs of the session are deleted, with their Jobs.
    await waitFor(
      async () => {
        const list = await client.list<Obj>(KUBESTASH.backupSessions, { namespace });
        const names = list.items.filter((s) => s.spec?.session === 'frequent').map((s) => s.metadata?.name);
        return names.join() === first ? true : undefined;
      },
      { what: `only BackupSession ${first} of session frequent left`, timeoutMs: 30_000 },
    );

    // A run whose container exits before reporting (a flag value it refuses): the run ends Failed and its
    // Snapshots BackupIncomplete, naming the Job.
    const broken = backupSessionName(bc, 'broken', new Date(now.getTime() + 102_000));
    await client.create(
      KUBESTASH.backupSessions,
      {
        ...backupSession(namespace, broken),
        spec: { ...(backupSession(namespace, broken).spec as object), session: 'broken' },
      },
      { namespace },
    );
    const failed = await waitFor(
      async () => {
        const s = await client.get<Obj>(KUBESTASH.backupSessions, broken, namespace);
        if (['Failed', 'Succeeded', 'Skipped'].includes(String(s.status?.phase))) return s;
        throw new Error(JSON.stringify(s.status));
      },
      { what: 'the broken BackupSession finished', timeoutMs: 90_000 },
    );
    assert.equal(failed.status?.phase, 'Failed', JSON.stringify(failed.status));
    for (const repo of repos) {
      const snap = await client.get<Obj>(KUBESTASH.snapshots, snapshotName(repo, broken), namespace);
      assert.equal(snap.status?.phase, 'Failed');
      const incomplete = (
        snap.status?.conditions as { type: string; status: string; reason: string; message: string }[]
      ).find((c) => c.type === 'BackupIncomplete');
      assert.equal(incomplete?.status, 'True', JSON.stringify(snap.status));
      assert.equal(incomplete?.reason, 'BackupExecutorTerminatedBeforeCompletion');
      assert.match(incomplete?.message ?? '', new RegExp(`Job ${namespace}/${broken} failed`));
    }
  },
  300_000,
);
