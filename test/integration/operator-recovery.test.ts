// The backup flow survives its operator and its API server going away. These tests stop and start the
// operator, so they cannot share the suite's cluster, whose operator runs in the global setup's process and
// reconciles every namespace: they start a dev environment of their own without an operator (etcd, API
// server, controller manager, pod runner, CRDs, catalog and RBAC of deploy/) and run Cairn's operator as
// its admin, with leader election on a short Lease and its webhooks installed by URL: as `cairn operator`
// processes that are killed (SIGKILL, a crash) or stopped (SIGTERM) at random points, and in this process
// where the test needs to see that it is the same operator throughout.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { backupSessionName, backupTriggerCronJobName, snapshotName } from '../../src/api/names.ts';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { createFileLog } from '../../src/common/log.ts';
import { startDevEnvironment, type DevEnvironment } from '../../src/devcluster/environment.ts';
import { applyAll, manifests } from '../../src/devcluster/manifests.ts';
import { freePort } from '../../src/devcluster/ports.ts';
import { probe, waitFor } from '../../src/devcluster/probe.ts';
import { startProcess, type ManagedProcess } from '../../src/devcluster/processes.ts';
import { binaryPaths, projectRoot, requireBinary } from '../../src/devcluster/toolchain.ts';
import { kubeClient } from '../../src/kube/connect.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { startOperator, type Operator } from '../../src/operator/operator.ts';
import { servingNames } from '../../src/operator/settings.ts';
import { openComponentRepositories } from '../../src/repository/open.ts';
import { RepositoryObjects } from '../../src/repository/objects.ts';
import { resolveRepository } from '../../src/repository/resolve.ts';
import { SecretBook } from '../../src/repository/secret-book.ts';
import {
  MUTATING_CONFIGURATION,
  VALIDATING_CONFIGURATION,
  webhookConfigurations,
} from '../../src/webhooks/configurations.ts';
import { DEPLOY_NAMESPACE, DEPLOY_SERVICE } from '../../src/webhooks/deploy-manifest.ts';
import { startRestartableApiserver } from '../harness/apiserver-restart.ts';
import {
  backupSession,
  COMPONENT_PATH,
  createBackupObjects,
  REPOSITORY,
  repositoryOf,
  SESSION,
  TERMINAL,
  waitForTerminal,
  type Obj,
} from '../harness/backup-setup.ts';
import { failureReport } from '../harness/cluster.ts';
import { TEST_IMAGE } from '../harness/global.ts';
import { startMinio } from '../harness/objectstores.ts';

let env: DevEnvironment | undefined;
let dir = '';
/** The webhook port every operator of this file serves on, so the installed configurations stay right. */
let webhookPort = 0;
let starts = 0;
const TIMEOUT = 600_000;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cairn-operator-recovery-'));
  env = await startDevEnvironment({ dir, images: [TEST_IMAGE], operator: false });
  const deploy = join(projectRoot, 'deploy');
  // The backup Jobs' identity binds the ClusterRole of deploy/rbac; the operator's namespace holds its Lease.
  await applyAll(env.client, [
    ...manifests(join(deploy, 'operator')).filter((x) => x.kind === 'Namespace'),
    ...manifests(join(deploy, 'rbac')),
  ]);
  webhookPort = await freePort();
  await applyAll(
    env.client,
    webhookConfigurations({ url: `https://127.0.0.1:${webhookPort}` }) as unknown as KubeObject[],
  );
});

after(async () => {
  await env?.stop();
  if (dir && !process.exitCode && !process.env.CAIRN_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
});

/** Starts an operator against `kubeconfig` (default the environment's API server) and waits until ready. */
async function startTestOperator(kubeconfig?: string): Promise<Operator> {
  const n = ++starts;
  const file = createFileLog(join(dir, 'logs', `operator-${n}.log`));
  const operator = await startOperator({
    client: kubeClient({ kubeconfig: kubeconfig ?? env?.cluster.info.kubeconfig ?? '' }),
    log: file.log,
    webhookListen: { host: '127.0.0.1', port: webhookPort },
    probeListen: { host: '127.0.0.1', port: 0 },
    certs: {
      secret: { namespace: DEPLOY_NAMESPACE, name: 'cairn-webhook-cert' },
      names: servingNames({ namespace: DEPLOY_NAMESPACE, name: DEPLOY_SERVICE }),
      caValidityMs: 24 * 3600_000,
      servingValidityMs: 24 * 3600_000,
    },
    configurations: { mutating: MUTATING_CONFIGURATION, validating: VALIDATING_CONFIGURATION },
    // A new replica each time, as a restarted pod is: it must take the Lease its predecessor released.
    leaderElection: {
      namespace: DEPLOY_NAMESPACE,
      identity: `operator-${n}`,
      leaseDurationMs: 3000,
      renewDeadlineMs: 2000,
      retryPeriodMs: 250,
    },
    image: TEST_IMAGE,
    signal: AbortSignal.timeout(60_000),
  });
  const stop = operator.stop.bind(operator);
  operator.stop = async () => {
    await stop();
    file.close();
  };
  await waitFor(() => (operator.notReadyReason() === undefined && operator.leading() ? true : undefined), {
    what: `operator ${n} ready and leading`,
    timeoutMs: 30_000,
  });
  return operator;
}

const cliMain = join(projectRoot, 'src', 'cli', 'main.ts');

/** The leader's identity in the operator's Lease, if any. */
async function leaseHolder(): Promise<string | undefined> {
  const lease = await env!.client.find<{ spec?: { holderIdentity?: string } }>(
    K8S.leases,
    'cairn-operator',
    DEPLOY_NAMESPACE,
  );
  return lease?.spec?.holderIdentity;
}

/**
 * Starts `cairn operator` as a process of its own, named in the Lease as a pod is (POD_NAME). With `ready`,
 * resolves once it admits (/readyz) and holds the Lease; otherwise at once.
 */
async function startOperatorProcess(ready = true): Promise<{ identity: string; proc: ManagedProcess }> {
  const identity = `operator-${++starts}`;
  const probePort = await freePort();
  const proc = startProcess({
    name: identity,
    command: process.execPath,
    args: [
      '--disable-warning=ExperimentalWarning',
      cliMain,
      'operator',
      `--kubeconfig=${env!.cluster.info.kubeconfig}`,
      `--webhook-bind-address=127.0.0.1:${webhookPort}`,
      `--probe-bind-address=127.0.0.1:${probePort}`,
      `--cert-secret-namespace=${DEPLOY_NAMESPACE}`,
      '--ca-validity=24h',
      '--cert-validity=24h',
      '--lease-duration=3s',
      '--renew-deadline=2s',
      '--retry-period=250ms',
      `--image=${TEST_IMAGE}`,
    ],
    env: { ...process.env, POD_NAME: identity },
    logFile: join(dir, 'logs', `${identity}.log`),
  });
  if (ready) {
    await waitFor(
      async () =>
        (await probe(`http://127.0.0.1:${probePort}/readyz`)).status === 200 &&
        (await leaseHolder()) === identity
          ? true
          : undefined,
      {
        what: `operator process ${identity} ready and leading`,
        timeoutMs: 60_000,
        abortIf: () => (proc.hasExited() ? 'it exited' : undefined),
      },
    );
  }
  return { identity, proc };
}

/** Ends an operator process: SIGKILL (a crash: no reconcile finishes, the Lease is not released) or SIGTERM. */
async function endOperatorProcess(proc: ManagedProcess, crash: boolean): Promise<void> {
  if (crash) {
    process.kill(-proc.pid, 'SIGKILL');
    await proc.exited;
  } else {
    await proc.stop(10_000);
  }
}

async function withNamespace(t: TestContext, fn: (client: KubeClient, namespace: string) => Promise<void>) {
  const client = env!.client;
  const namespace = `t-${t.name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 30)
    .replace(/-+$/, '')}`;
  await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  try {
    await fn(client, namespace);
  } catch (err) {
    t.diagnostic(failureReport(dir, namespace));
    throw err;
  }
}

/** mulberry32: a small seeded generator, so a failing order of stops can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Stage = 'created' | 'snapshot' | 'job' | 'running' | 'reported' | 'job-ended' | 'ended';
const STAGES: Stage[] = ['created', 'snapshot', 'job', 'running', 'reported', 'job-ended', 'ended'];

const jobEnded = (job: Obj | undefined): boolean =>
  ((job?.status?.conditions ?? []) as { type: string; status: string }[]).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );

/** Whether the run `name` has reached `stage` (or gone past it). */
async function reached(client: KubeClient, namespace: string, name: string, stage: Stage): Promise<boolean> {
  const session = await client.get<Obj>(KUBESTASH.backupSessions, name, namespace);
  if (TERMINAL.includes(String(session.status?.phase))) return true;
  const snap = await client.find<Obj>(KUBESTASH.snapshots, snapshotName(REPOSITORY, name), namespace);
  const job = await client.find<Obj>(K8S.jobs, name, namespace);
  switch (stage) {
    case 'created':
      return true;
    case 'snapshot':
      return snap !== undefined;
    case 'job':
      return job !== undefined;
    case 'running': {
      const pods = await client.list<Obj>(K8S.pods, {
        namespace,
        labelSelector: `batch.kubernetes.io/job-name=${name}`,
      });
      return pods.items.some((p) => ['Running', 'Succeeded', 'Failed'].includes(String(p.status?.phase)));
    }
    case 'reported':
      return (snap?.status?.components as Record<string, { phase?: string }> | undefined)?.manifest?.phase
        ? true
        : false;
    case 'job-ended':
      return jobEnded(job);
    case 'ended':
      return false;
  }
}

void test(
  'the operator killed or stopped at random points during ten sessions and started again leaves every session ended, one Snapshot per repository and no orphan Job',
  { timeout: TIMEOUT },
  async (t) => {
    const restic = requireBinary(binaryPaths().restic, 'restic');
    const seed = Number(process.env.CAIRN_TEST_SEED ?? Date.now() % 1_000_000);
    t.diagnostic(`seed ${seed} (CAIRN_TEST_SEED=${seed} replays this order of stops)`);
    const rand = random(seed);
    const s3 = await startMinio(t);
    let operator: ManagedProcess | undefined = (await startOperatorProcess()).proc;
    t.after(() => operator?.stop(2000));
    await withNamespace(t, async (client, namespace) => {
      const { bc } = await createBackupObjects(client, namespace, s3);
      // The first run, which the configuration triggers once Ready, ends before the stops begin.
      const first = await waitFor(
        async () => (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items[0],
        { what: 'the first run', timeoutMs: 60_000 },
      );
      await waitForTerminal(client, namespace, first.metadata?.name ?? '');

      const names: string[] = [];
      const log: string[] = [];
      const base = Date.now() + 100_000;
      for (let i = 0; i < 10; i++) {
        const name = backupSessionName(bc, SESSION, new Date(base + i * 1000));
        names.push(name);
        operator ??= (await startOperatorProcess()).proc;
        await client.create(KUBESTASH.backupSessions, backupSession(namespace, bc, name), { namespace });
        const stage = STAGES[Math.floor(rand() * STAGES.length)] ?? 'created';
        await waitFor(async () => ((await reached(client, namespace, name, stage)) ? true : undefined), {
          what: `run ${i} to reach ${stage}`,
          timeoutMs: 120_000,
          intervalMs: 20,
        });
        // A random moment after the stage, not a wait for anything: the end may land inside a reconcile.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 300)));
        const crash = rand() < 0.6;
        const t0 = performance.now();
        await endOperatorProcess(operator, crash);
        operator = undefined;
        // Half of the stops last until the Job has ended, so the operator finds a finished Job on its return.
        const untilJobEnded = rand() < 0.5;
        if (untilJobEnded && (await client.find(K8S.jobs, name, namespace))) {
          await waitFor(
            async () => (jobEnded(await client.find<Obj>(K8S.jobs, name, namespace)) ? true : undefined),
            {
              what: `the Job of run ${i} to end while the operator is down`,
              timeoutMs: 120_000,
            },
          );
        }
        // Some starts crash before the operator settles (loading, syncing its informers, taking the Lease).
        let cut = '';
        if (rand() < 0.3) {
          const early = await startOperatorProcess(false);
          const afterMs = 500 + Math.floor(rand() * 3000);
          await new Promise((resolve) => setTimeout(resolve, afterMs));
          await endOperatorProcess(early.proc, true);
          cut = `, a start killed after ${afterMs} ms`;
        }
        operator = (await startOperatorProcess()).proc;
        log.push(
          `run ${i}: ${crash ? 'killed' : 'stopped'} at ${stage}, down ${Math.round(performance.now() - t0)} ms${untilJobEnded ? ' until the Job ended' : ''}${cut}`,
        );
        await waitForTerminal(client, namespace, name, 180_000);
      }
      t.diagnostic(log.join('\n'));

      const sessions = (await client.list<Obj>(KUBESTASH.backupSessions, { namespace })).items;
      const phases = sessions.map((s) => `${s.metadata?.name}=${String(s.status?.phase)}`);
      for (const name of names) {
        const s = sessions.find((x) => x.metadata?.name === name);
        assert.equal(s?.status?.phase, 'Succeeded', `${name}: ${JSON.stringify(s?.status)}`);
      }
      assert.ok(
        sessions.every((s) => TERMINAL.includes(String(s.status?.phase))),
        phases.join(', '),
      );
      const snapshots = (await client.list<Obj>(KUBESTASH.snapshots, { namespace })).items;
      for (const s of sessions) {
        const mine = snapshots.filter((x) => x.spec?.backupSession === s.metadata?.name);
        assert.equal(
          mine.length,
          1,
          `Snapshots of ${s.metadata?.name}: ${mine.map((x) => x.metadata?.name).join()}`,
        );
      }
      const jobs = (
        await client.list<Obj>(K8S.jobs, {
          namespace,
          labelSelector: 'app.kubernetes.io/component=kubestash-backup',
        })
      ).items;
      const sessionNames = new Set(sessions.map((s) => s.metadata?.name));
      for (const job of jobs) {
        const owner = job.metadata?.ownerReferences?.find((o) => o.kind === 'BackupSession' && o.controller);
        assert.ok(
          owner && sessionNames.has(owner.name),
          `Job ${job.metadata?.name} has no BackupSession owner`,
        );
      }
      assert.equal(jobs.length, sessions.length, 'one Job per run');
      // Each Job ran its backup once: the repository holds one restic snapshot per run.
      const book = new SecretBook();
      const resolved = await resolveRepository(
        new RepositoryObjects(client),
        { namespace, name: REPOSITORY },
        book,
      );
      const repos = await openComponentRepositories(resolved, book, { process: { binary: restic } });
      try {
        const restics = await (await repos.open(COMPONENT_PATH)).snapshots();
        assert.equal(restics.length, sessions.length, 'restic snapshots');
      } finally {
        await repos.close();
      }
    });
  },
);

void test(
  'the operator keeps reconciling across a restart of its kube-apiserver, without restarting',
  { timeout: TIMEOUT },
  async (t) => {
    const s3 = await startMinio(t);
    // An API server of the environment's own (same etcd, same flags) that this test may restart.
    const api = await startRestartableApiserver([], dir);
    let stopOperator = (): Promise<void> => Promise.resolve();
    // The operator first: it would otherwise see its API server go away once more.
    t.after(async () => {
      await stopOperator();
      await api.stop();
    });
    const op = await startTestOperator(api.kubeconfig);
    stopOperator = () => op.stop();
    await withNamespace(t, async (client, namespace) => {
      const children = async (bc: string): Promise<void> => {
        await waitFor(
          async () => {
            const repo = await client.find(KUBESTASH.repositories, repositoryOf(bc), namespace);
            const cron = await client.find(K8S.cronJobs, backupTriggerCronJobName(bc, SESSION), namespace);
            return repo && cron ? true : undefined;
          },
          { what: `the Repository and CronJob of ${bc}`, timeoutMs: 60_000 },
        );
      };
      const t1 = performance.now();
      await createBackupObjects(client, namespace, s3, { bc: 'before', paused: true });
      await children('before');
      t.diagnostic(
        `a BackupConfiguration created before the restart got its children in ${Math.round(performance.now() - t1)} ms`,
      );

      await api.stop();
      await api.start();
      const t0 = performance.now();
      await createBackupObjects(client, namespace, s3, { bc: 'after', paused: true });
      await children('after');
      t.diagnostic(
        `a BackupConfiguration created after the restart got its children in ${Math.round(performance.now() - t0)} ms`,
      );
      assert.ok(op.leading(), 'the same operator still leads');
    });
  },
);
