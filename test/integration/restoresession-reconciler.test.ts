// The RestoreSession reconciler in the dev cluster's in-process operator: an invalid spec is Invalid; `latest`
// resolves to the newest Succeeded Snapshot and the restore Job carries its args, volumes and ServiceAccount;
// a missing Snapshot is reported and picked up once it exists; a Job deleted mid-way leaves the session
// Failed with RestoreIncomplete. The Snapshots are written by hand (with the status a backup leaves), so no
// test here depends on the restore task itself succeeding.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { Condition } from '../../src/api/conditions.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import {
  applyAll,
  backupConfiguration,
  firstSessionEnded,
  localStorage,
  retentionPolicy,
  secret,
  restorerAccount,
} from '../harness/backup-manifests.ts';
import { clusterTest, type ClusterContext } from '../harness/cluster.ts';

interface RsStatus {
  phase?: string;
  duration?: string;
  totalComponents?: number;
  targetFound?: boolean;
  dependencies?: { kind?: string; name: string; found?: boolean }[];
  conditions?: Condition[];
  components?: Record<string, { phase?: string }>;
}
type Rs = KubeObject & { status?: RsStatus };
type JobObj = KubeObject & {
  spec?: {
    backoffLimit?: number;
    template: {
      spec: {
        serviceAccountName?: string;
        volumes?: { name: string; hostPath?: { path: string } }[];
        containers: {
          args?: string[];
          env?: { name: string; value?: string }[];
          volumeMounts?: { mountPath: string }[];
        }[];
      };
    };
  };
};

const PASSWORD = 'not-a-real-password-5c1e';
const FINAL = ['Succeeded', 'Failed', 'Unknown', 'Invalid'];

/** A local BackupStorage, the encryption Secret, a Repository `repo` on it, and ServiceAccount `restorer`. */
async function setup(ctx: ClusterContext): Promise<void> {
  const { client, namespace } = ctx;
  await applyAll(client, [
    secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
    localStorage(namespace, 'local', join(ctx.dir, 'restore-storage', namespace)),
    [
      K8S.serviceAccounts,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'restorer', namespace } },
    ],
    [
      KUBESTASH.repositories,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'repo', namespace },
        spec: {
          storageRef: { name: 'local', namespace },
          path: 'repo',
          encryptionSecret: { name: 'enc', namespace },
          deletionPolicy: 'Delete',
        },
      },
    ],
  ]);
}

/** A Snapshot of `repo` with the status a finished backup leaves (its record uploaded). */
async function snapshot(
  client: KubeClient,
  namespace: string,
  name: string,
  phase: string,
  time: string,
): Promise<void> {
  await client.create(
    KUBESTASH.snapshots,
    {
      apiVersion: 'storage.kubestash.com/v1alpha1',
      kind: 'Snapshot',
      metadata: { name, namespace },
      spec: {
        snapshotID: '01HHKQQ59XN4979HMDFNCANA9V',
        type: 'FullBackup',
        repository: 'repo',
        session: 'frequent',
        backupSession: `bc-frequent-${name}`,
        version: 'v1',
        deletionPolicy: 'Delete',
      },
    },
    { namespace },
  );
  await client.patchStatus(KUBESTASH.snapshots, name, namespace, {
    phase,
    snapshotTime: time,
    totalComponents: 1,
    components: { manifest: { phase, driver: 'Restic', path: 'repository/v1/frequent/manifest' } },
    conditions: [
      {
        type: 'SnapshotMetadataUploaded',
        status: 'True',
        reason: 'SuccessfullyUploadedSnapshotMetadata',
        message: 'Metadata uploaded to backend successfully',
        lastTransitionTime: time,
      },
    ],
  });
}

function restoreSession(
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
): [typeof KUBESTASH.restoreSessions, KubeObject] {
  return [
    KUBESTASH.restoreSessions,
    {
      apiVersion: 'core.kubestash.com/v1alpha1',
      kind: 'RestoreSession',
      metadata: { name, namespace },
      spec: {
        addon: {
          name: 'kubedump-addon',
          tasks: [{ name: 'manifest-restore', params: { IncludeNamespaces: namespace } }],
          jobTemplate: { spec: { serviceAccountName: 'restorer' } },
        },
        ...spec,
      },
    },
  ];
}

const condition = (rs: Rs | undefined, type: string) => rs?.status?.conditions?.find((c) => c.type === type);

function sessionWhere(
  client: KubeClient,
  namespace: string,
  name: string,
  what: string,
  ok: (rs: Rs) => boolean,
): Promise<Rs> {
  return waitFor(
    async () => {
      const rs = await client.find<Rs>(KUBESTASH.restoreSessions, name, namespace);
      return rs && ok(rs) ? rs : undefined;
    },
    { what: `RestoreSession ${namespace}/${name}: ${what}`, timeoutMs: 60_000 },
  );
}

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
  'a restore Job deleted mid-way leaves the session Failed with RestoreIncomplete and says how to finish',
  async (ctx) => {
    const { client, namespace } = ctx;
    await setup(ctx);
    await snapshot(client, namespace, 'repo-one', 'Succeeded', '2026-01-01T00:01:00Z');
    await applyAll(client, [
      restoreSession(namespace, 'cut', { dataSource: { repository: 'repo', snapshot: 'repo-one' } }),
    ]);
    await waitFor(() => client.find(K8S.jobs, 'restore-cut', namespace), {
      what: 'the restore Job',
      timeoutMs: 60_000,
      fixedInterval: true,
      intervalMs: 50,
    });
    await client.delete(K8S.jobs, 'restore-cut', { namespace, propagationPolicy: 'Background' });
    const rs = await sessionWhere(client, namespace, 'cut', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.equal(rs.status?.phase, 'Failed');
    const c = condition(rs, 'RestoreIncomplete');
    assert.equal(c?.status, 'True');
    assert.equal(c?.reason, 'RestoreExecutorTerminatedBeforeCompletion');
    // The Job may have failed on its own a moment before it was deleted: either way the message says so.
    assert.match(c?.message ?? '', /(was deleted|failed) .*before the restore reported its components/);
    assert.match(c?.message ?? '', /create a new RestoreSession/);
    const events = await client.list<KubeObject & { reason?: string; regarding?: { name?: string } }>(
      K8S.events,
      {
        namespace,
      },
    );
    assert.ok(events.items.some((e) => e.reason === 'RestoreFailed' && e.regarding?.name === 'cut'));
  },
);

clusterTest(
  'a restore pauses the backups of its target while it runs and resumes only those it paused',
  async (ctx) => {
    const { client, namespace } = ctx;
    await setup(ctx);
    await snapshot(client, namespace, 'repo-one', 'Succeeded', '2026-01-01T00:01:00Z');
    const bc = (name: string, paused: boolean) =>
      backupConfiguration({
        namespace,
        name,
        target: namespace,
        backends: { main: 'local' },
        retentionPolicy: 'keep',
        repositories: { [`${name}-repo`]: 'main' },
        encryptionSecret: 'enc',
        session: { name: 'frequent' },
        paused,
      });
    await applyAll(client, [
      retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 1 } }),
      bc('running', false),
      bc('held', true),
    ]);
    await applyAll(client, [
      restoreSession(namespace, 'rs', {
        target: { apiGroup: '', kind: 'Namespace', name: namespace },
        dataSource: { repository: 'repo', snapshot: 'repo-one' },
      }),
    ]);
    type Bc = KubeObject & { spec?: { paused?: boolean } };
    const paused = await waitFor(
      async () => {
        const o = await client.get<Bc>(KUBESTASH.backupConfigurations, 'running', namespace);
        return o.spec?.paused ? o : undefined;
      },
      {
        what: 'BackupConfiguration running paused by the restore',
        timeoutMs: 60_000,
        fixedInterval: true,
        intervalMs: 50,
      },
    );
    assert.equal(paused.metadata?.annotations?.['restore.cairn.dev/paused-by'], `${namespace}/rs`);
    const ended = await sessionWhere(client, namespace, 'rs', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.deepEqual((ended.status as { pausedBackups?: unknown }).pausedBackups, [
      { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', namespace, name: 'running' },
    ]);
    const resumed = await waitFor(
      async () => {
        const o = await client.get<Bc>(KUBESTASH.backupConfigurations, 'running', namespace);
        return o.spec?.paused === false ? o : undefined;
      },
      { what: 'BackupConfiguration running resumed', timeoutMs: 30_000 },
    );
    assert.equal(resumed.metadata?.annotations?.['restore.cairn.dev/paused-by'], undefined);
    const held = await client.get<Bc>(KUBESTASH.backupConfigurations, 'held', namespace);
    assert.equal(held.spec?.paused, true);
    const rs = await waitFor(
      async () => {
        const o = await client.get<Rs>(KUBESTASH.restoreSessions, 'rs', namespace);
        return o.metadata?.finalizers?.length ? undefined : o;
      },
      { what: 'the resume finalizer removed', timeoutMs: 30_000 },
    );
    assert.equal(rs.metadata?.finalizers, undefined);
  },
);

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

clusterTest(
  'a namespace backed up for real and then emptied is restored by a RestoreSession of its latest Snapshot, which ends Succeeded',
  async (ctx, t) => {
    const { client, namespace } = ctx;
    const app = `${namespace}-app`;
    const admin = `restorer-${namespace}`;
    await client.create(K8S.namespaces, { metadata: { name: app } });
    t.after(async () => {
      await client.delete(K8S.namespaces, app);
      await client.delete(K8S.clusterRoleBindings, admin);
    });
    await client.create(
      K8S.configMaps,
      { metadata: { name: 'settings', namespace: app }, data: { mode: 'restored' } },
      { namespace: app },
    );
    await applyAll(client, [
      secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
      localStorage(namespace, 'local', join(ctx.dir, 'restore-storage', namespace)),
      retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 3 } }),
      backupConfiguration({
        namespace,
        name: 'app',
        target: app,
        backends: { main: 'local' },
        retentionPolicy: 'keep',
        repositories: { 'app-repo': 'main' },
        encryptionSecret: 'enc',
        session: { name: 'frequent' },
      }),
      // The restore writes what it restores as the user's ServiceAccount, as KubeStash's guides grant it.
      ...restorerAccount(namespace, 'restorer', admin),
    ]);
    const backup = await firstSessionEnded(client, namespace);
    assert.equal(backup.status?.phase, 'Succeeded');
    await client.delete(K8S.configMaps, 'settings', { namespace: app });
    await waitFor(async () => ((await client.find(K8S.configMaps, 'settings', app)) ? undefined : true), {
      what: 'ConfigMap settings deleted',
      timeoutMs: 30_000,
    });

    const [resource, rs] = restoreSession(namespace, 'back', {
      target: { apiGroup: '', kind: 'Namespace', name: app },
      dataSource: { repository: 'app-repo', snapshot: 'latest' },
    });
    (rs.spec as { addon: { tasks: { params: Record<string, string> }[] } }).addon.tasks[0]!.params = {
      IncludeNamespaces: app,
    };
    await applyAll(client, [[resource, rs]]);
    const ended = await sessionWhere(client, namespace, 'back', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.equal(
      ended.status?.phase,
      'Succeeded',
      JSON.stringify({ conditions: ended.status?.conditions, components: ended.status?.components }),
    );
    assert.equal(ended.status?.components?.manifest?.phase, 'Succeeded');
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
      K8S.configMaps,
      'settings',
      app,
    );
    assert.deepEqual(cm.data, { mode: 'restored' });
    const bc = await client.get<KubeObject & { spec?: { paused?: boolean } }>(
      KUBESTASH.backupConfigurations,
      'app',
      namespace,
    );
    assert.equal(bc.spec?.paused, false);
  },
  300_000,
);
