// A backup Job killed in the middle of its restic backup: the session ends Failed with BackupIncomplete and
// leaves restic's lock in the repository; the next session removes that lock by itself (no unlock by
// anyone) and succeeds. The kill is made deterministic by freezing the pod's processes (SIGSTOP) only once
// restic's backup runs and its lock is in the bucket, then killing them (SIGKILL, which restic cannot
// clean up after), as a node that dies or an OOM kill would.
// The pod runner's pods all share this machine's hostname, so their locks are judged by PID (restic's own
// rule). In a cluster each pod writes its own name, and a killed pod is often deleted: that case is made
// here by a restic run under the killed pod's name (in a UTS namespace of its own), killed while it holds
// its lock, and the deletion of that pod.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { KUBESTASH, K8S } from '../../src/api/resource-type.ts';
import { backupSessionName } from '../../src/api/names.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { KubeClient } from '../../src/kube/types.ts';
import {
  backupSession,
  condition,
  createBackupObjects,
  PASSWORD,
  REPOSITORY,
  resticLocks,
  waitForTerminal,
  type Obj,
} from '../harness/backup-setup.ts';
import { clusterTest, waitForGone } from '../harness/cluster.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';
import { processes, type Proc } from '../harness/processes.ts';

/** The process group the pod runner started for the backup container of `namespace` (its own group). */
function backupContainerGroup(namespace: string): number | undefined {
  const task = processes().find(
    (p) =>
      p.pid === p.pgid &&
      p.argv.includes('kubedump') &&
      p.argv.includes('backup') &&
      p.argv.includes(`--namespace=${namespace}`),
  );
  return task?.pgid;
}

/** The running `restic backup` of a process group, if any. */
function resticBackup(pgid: number): Proc | undefined {
  return processes().find(
    (p) => p.pgid === pgid && p.argv[0]?.endsWith('restic') && p.argv.includes('backup') && p.state !== 'Z',
  );
}

const signalGroup = (pgid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, sig);
  } catch {
    // the group is gone
  }
};

/**
 * Waits for restic's backup in the container of `namespace` to hold its lock in the bucket, with the
 * container frozen at that moment, then kills the container's processes. Resolves with restic's PID.
 */
async function killMidBackup(namespace: string, s3: MinioServer, bucket: string): Promise<number> {
  const pgid = await waitFor(() => backupContainerGroup(namespace), {
    what: `the backup container of ${namespace}`,
    timeoutMs: 120_000,
    intervalMs: 50,
  });
  try {
    const restic = await waitFor(
      async () => {
        if (!resticBackup(pgid)) return undefined;
        signalGroup(pgid, 'SIGSTOP');
        const locked = (await s3.keys(bucket, namespace)).some((k) => k.includes('/manifest/locks/'));
        // Frozen with its lock written and not exited: restic is mid-run and cannot finish any more.
        const frozen = resticBackup(pgid);
        if (locked && frozen) return frozen;
        signalGroup(pgid, 'SIGCONT');
        return undefined;
      },
      // A fixed short interval: the window to catch restic holding its lock is short.
      { what: 'restic backup holding its lock', timeoutMs: 120_000, intervalMs: 25, fixedInterval: true },
    );
    signalGroup(pgid, 'SIGKILL');
    return restic.pid;
  } finally {
    signalGroup(pgid, 'SIGCONT');
  }
}

/**
 * Leaves a lock in the component repository `repoKey` written under the hostname `host`, as restic in a pod
 * of that name writes it: `restic backup --stdin` in a UTS namespace of its own takes its lock and then
 * waits on its open stdin, so it is killed (SIGKILL) at a moment that is certain. Resolves with its PID.
 */
async function plantLockAs(
  host: string,
  s3: MinioServer,
  bucket: string,
  repoKey: string,
  restic: string,
): Promise<number> {
  const unshare = [['--uts'], ['--user', '--map-root-user', '--uts']].find(
    (flags) => spawnSync('unshare', [...flags, 'true']).status === 0,
  );
  assert.ok(unshare, 'unshare cannot create a UTS namespace here (needs root or user namespaces)');
  const locks = async (): Promise<string[]> =>
    (await s3.keys(bucket, `${repoKey}/locks/`)).filter((k) => k.startsWith(`${repoKey}/locks/`));
  const before = new Set(await locks());
  const child = spawn(
    'unshare',
    [
      ...unshare,
      'sh',
      '-c',
      `hostname ${host} && exec "$0" "$@"`,
      restic,
      '--repo',
      `s3:${s3.endpoint}/${bucket}/${repoKey}`,
      '--no-cache',
      'backup',
      '--stdin',
      '--stdin-filename',
      'planted',
    ],
    {
      env: { PATH: process.env.PATH, ...s3.resticEnv, RESTIC_PASSWORD: PASSWORD },
      stdio: ['pipe', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(async () => ((await locks()).some((k) => !before.has(k)) ? true : undefined), {
      what: `the lock of restic as ${host}`,
      timeoutMs: 30_000,
      intervalMs: 50,
      abortIf: () => (child.exitCode !== null ? `restic exited: ${stderr}` : undefined),
    });
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  return child.pid ?? 0;
}

/** The lines of every container log the pod runner kept for `namespace`. */
function containerLogs(dir: string, namespace: string): string {
  const root = join(dir, 'pods', namespace);
  const texts: string[] = [];
  for (const pod of readdirSync(root)) {
    const logs = join(root, pod, 'logs');
    const files = existsSync(logs) ? readdirSync(logs) : [];
    for (const f of files) texts.push(readFileSync(join(root, pod, 'logs', f), 'utf8'));
  }
  return texts.join('\n');
}

async function bigConfigMaps(client: KubeClient, namespace: string): Promise<void> {
  for (const i of [1, 2]) {
    await client.create(
      K8S.configMaps,
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: `bulk-${i}`, namespace },
        data: { blob: randomBytes(450_000).toString('base64') },
      },
      { namespace },
    );
  }
}

clusterTest(
  'a backup Job killed mid-upload leaves its session Failed with BackupIncomplete and a stale lock; the next session removes it and the lock of the deleted pod by itself, and succeeds',
  async ({ client, namespace, dir }, t) => {
    const restic = requireBinary(binaryPaths().restic, 'restic');
    const s3 = await startMinio(t);
    await bigConfigMaps(client, namespace);
    const { bucket, bc } = await createBackupObjects(client, namespace, s3);

    // The first run is the one the BackupConfiguration triggers once Ready; it is killed mid-backup.
    const killedPid = await killMidBackup(namespace, s3, bucket);
    const [killed] = (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items;
    assert.ok(killed?.metadata?.name, 'the first run exists');
    const failed = await waitForTerminal(client, namespace, killed.metadata.name);
    assert.equal(failed.status?.phase, 'Failed', JSON.stringify(failed.status));
    const [snapshot] = (await client.list<Obj>(KUBESTASH.snapshots, { namespace })).items;
    const incomplete = condition(snapshot ?? {}, 'BackupIncomplete');
    assert.equal(incomplete?.status, 'True', JSON.stringify(snapshot?.status));
    assert.equal(incomplete?.reason, 'BackupExecutorTerminatedBeforeCompletion');

    const [machineLock] = await resticLocks(client, namespace, REPOSITORY, restic);
    assert.deepEqual(
      [machineLock?.hostname, machineLock?.pid],
      [hostname(), killedPid],
      'the killed restic left its lock behind',
    );

    // The same, as a cluster shows it: a lock under the pod's own name, and the pod deleted.
    const [pod] = (
      await client.list<Obj>(K8S.pods, {
        namespace,
        labelSelector: `batch.kubernetes.io/job-name=${killed.metadata.name}`,
      })
    ).items;
    const podName = pod?.metadata?.name ?? '';
    assert.ok(podName, 'the killed pod exists');
    const keys = await s3.keys(bucket, namespace);
    const lockKey = keys.find((k) => k.includes('/manifest/locks/')) ?? '';
    const repoKey = lockKey.slice(0, lockKey.indexOf('/locks/'));
    const plantedPid = await plantLockAs(podName, s3, bucket, repoKey, restic);
    await client.delete(K8S.pods, podName, { namespace });
    await waitForGone(`pod ${podName}`, () => client.get(K8S.pods, podName, namespace));
    const left = await resticLocks(client, namespace, REPOSITORY, restic);
    assert.deepEqual(
      left.map((l) => [l.hostname, l.pid]).sort(),
      [
        [hostname(), killedPid],
        [podName, plantedPid],
      ].sort(),
      'both locks are in the repository',
    );

    // The next run: no one unlocks anything.
    const next = backupSessionName(bc, 'frequent', new Date(Date.now() + 100_000));
    const started = performance.now();
    await client.create(KUBESTASH.backupSessions, backupSession(namespace, bc, next), { namespace });
    const done = await waitForTerminal(client, namespace, next);
    t.diagnostic(
      `the next run ended ${String(done.status?.phase)} after ${Math.round(performance.now() - started)} ms`,
    );
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    assert.deepEqual(await resticLocks(client, namespace, REPOSITORY, restic), [], 'no lock is left');
    const logs = containerLogs(dir, namespace);
    const removed = logs
      .split('\n')
      .filter((l) => l.includes('"stale locks removed"'))
      .map((l) => (JSON.parse(l) as { locks: string[] }).locks);
    assert.deepEqual(
      removed.map((ids) => [...ids].sort()),
      [left.map((l) => l.id).sort()],
      'the next run removed exactly the two stale locks',
    );
  },
  300_000,
);
