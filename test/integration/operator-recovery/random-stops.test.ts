// The backup flow survives its operator going away: `cairn operator` processes killed (SIGKILL) or stopped
// (SIGTERM) at random points of ten sessions, in a dev environment of the file's own (see fixture.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupSessionName, snapshotName } from '../../../src/api/names.ts';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { ManagedProcess } from '../../../src/devcluster/processes.ts';
import { binaryPaths, requireBinary } from '../../../src/devcluster/toolchain.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import { openComponentRepositories } from '../../../src/repository/open.ts';
import { RepositoryObjects } from '../../../src/repository/objects.ts';
import { resolveRepository } from '../../../src/repository/resolve.ts';
import { SecretBook } from '../../../src/repository/secret-book.ts';
import {
  backupSession,
  COMPONENT_PATH,
  createBackupObjects,
  REPOSITORY,
  SESSION,
  TERMINAL,
  waitForTerminal,
  type Obj,
} from '../../harness/backup-setup.ts';
import { startMinio } from '../../harness/objectstores.ts';
import {
  endOperatorProcess,
  startOperatorProcess,
  TIMEOUT,
  useOperatorEnvironment,
  withNamespace,
} from './fixture.ts';

useOperatorEnvironment();

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
