// Retention after each BackupSession in the dev cluster's in-process operator on MinIO:
// `successfulSnapshots.last: 2` over four runs leaves two Snapshots, two restic snapshots and two records;
// failed runs are kept per `failedSnapshots.last`; a WipeOut Snapshot's data is removed through its cleanup
// Job, and a Snapshot whose cleanup Job fails says why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { backupSessionName, snapshotName } from '../../../src/api/names.ts';
import { binaryPaths, requireBinary } from '../../../src/devcluster/toolchain.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { startMinio } from '../../harness/objectstores.ts';
import { assertApplied, BC, PASSWORD, REPO, run, setup, snapshotsOf, type Obj } from './fixture.ts';

const BUCKET = 'retention';

clusterTest(
  'retention after each run keeps the two newest successful Snapshots (objects, restic snapshots and records) and the newest failed one; the others are wiped out through their cleanup Jobs; a failing cleanup Job keeps its Snapshot, saying why, until deletionPolicy Delete releases it with its data kept',
  async ({ client, namespace }, t) => {
    const restic = requireBinary(binaryPaths().restic, 'restic');
    const work = mkdtempSync(join(tmpdir(), 'cairn-retention-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const s3 = await startMinio(t);
    await s3.createBucket(BUCKET);
    await setup(client, namespace, {
      spec: {
        provider: 's3',
        s3: {
          endpoint: s3.endpoint,
          bucket: BUCKET,
          prefix: namespace,
          region: s3.region,
          secretName: 's3-cred',
        },
      },
      secret: s3.secretData,
    });

    const base = Date.now() + 100_000; // names ahead of the clock: no collision with the initial runs
    const frequent: string[] = [];
    for (let i = 0; i < 4; i++) {
      const name = backupSessionName(BC, 'frequent', new Date(base + i * 1000));
      const done = await run(client, namespace, 'frequent', name);
      assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
      assertApplied(done);
      frequent.push(name);
    }
    const kept = frequent
      .slice(2)
      .map((bs) => snapshotName(REPO, bs))
      .sort();
    // The last run's Event names the Snapshot it dropped and why.
    const notes = (
      await client.list<Obj & { reason?: string; note?: string; regarding?: { name?: string } }>(K8S.events, {
        namespace,
      })
    ).items
      .filter((e) => e.reason === 'RetentionPolicyApplied' && e.regarding?.name === frequent[3])
      .map((e) => e.note ?? '');
    assert.match(
      notes.join('\n'),
      new RegExp(
        `${snapshotName(REPO, frequent[1] ?? '')} deleted \\(selected by no successfulSnapshots rule\\)`,
      ),
    );

    // Two Snapshot objects remain: the others' finalizers let go once their cleanup Jobs succeeded.
    await waitFor(
      async () => {
        const names = await snapshotsOf(client, namespace, 'frequent');
        if (names.join() === kept.join()) return true;
        throw new Error(`Snapshots of session frequent: ${names.join(', ')}`);
      },
      { what: 'two Snapshots of session frequent left', timeoutMs: 120_000 },
    );
    const wanted = new Set<string>();
    for (const name of kept) {
      const snap = await client.get<Obj>(KUBESTASH.snapshots, name, namespace);
      const stats = (
        snap.status?.components as Record<string, { resticStats: { summary: { id: string } }[] }>
      ).manifest?.resticStats;
      for (const s of stats ?? []) wanted.add(s.summary.id);
    }
    assert.equal(wanted.size, 2);

    // Two restic snapshots in the component repository, exactly those of the kept Snapshots.
    const component = `${namespace}/${namespace}/${REPO}/repository/v1/frequent/manifest`;
    const resticIds = (): string[] =>
      (
        JSON.parse(
          execFileSync(restic, ['snapshots', '--json', '--no-lock'], {
            env: {
              PATH: process.env.PATH ?? '',
              HOME: work,
              RESTIC_CACHE_DIR: join(work, 'cache'),
              RESTIC_PASSWORD: PASSWORD,
              RESTIC_REPOSITORY: `s3:${s3.endpoint}/${BUCKET}/${component}`,
              ...s3.resticEnv,
            },
          }).toString(),
        ) as { id: string }[]
      )
        .map((s) => s.id)
        .sort();
    assert.deepEqual(resticIds(), [...wanted].sort());

    // Two records in the bucket.
    const records = (await s3.keys(BUCKET, `${namespace}/${namespace}/${REPO}/snapshots/`))
      .map((k) => k.slice(k.lastIndexOf('/') + 1))
      .filter((k) => k.includes('-frequent-'))
      .sort();
    assert.deepEqual(
      records,
      kept.map((n) => `${n}.yaml`),
    );
    // The cleanup Jobs ran under their own identity and go with their Snapshots (the garbage collector
    // deletes them once their owner is gone, a moment later).
    await waitFor(
      async () => {
        const jobs = await client.list<Obj>(K8S.jobs, { namespace });
        const left = jobs.items.filter((j) => String(j.metadata?.name).startsWith('cleanup-snapshot-'));
        return left.length === 0 ? true : undefined;
      },
      { what: 'the cleanup Jobs to go with their Snapshots', timeoutMs: 60_000 },
    );

    // Failed runs: their retention is Applied too, and only the newest failed Snapshot stays.
    let last = '';
    for (let i = 0; i < 2; i++) {
      last = backupSessionName(BC, 'broken', new Date(base + 10_000 + i * 1000));
      const done = await run(client, namespace, 'broken', last);
      assert.equal(done.status?.phase, 'Failed', JSON.stringify(done.status));
      assertApplied(done);
    }
    await waitFor(
      async () => {
        const names = await snapshotsOf(client, namespace, 'broken');
        if (names.join() === snapshotName(REPO, last)) return true;
        throw new Error(`Snapshots of session broken: ${names.join(', ')}`);
      },
      { what: 'the newest failed Snapshot left', timeoutMs: 120_000 },
    );
    // The successful ones are untouched by the failed runs' retention.
    assert.deepEqual(await snapshotsOf(client, namespace, 'frequent'), kept);

    // A cleanup Job that cannot read the encryption Secret fails: the Snapshot keeps its finalizer and says
    // why; switching it to deletionPolicy Delete (the fix the condition offers) releases it, data kept.
    const victim = kept[0] ?? '';
    await client.delete(K8S.secrets, 'enc', { namespace });
    await client.patch(
      KUBESTASH.snapshots,
      victim,
      { spec: { deletionPolicy: 'WipeOut' } },
      { namespace, type: 'merge' },
    );
    await client.delete(KUBESTASH.snapshots, victim, { namespace });
    type Cond = { type: string; status: string; reason?: string; message?: string };
    const stuck = await waitFor(
      async () => {
        const s = await client.find<Obj>(KUBESTASH.snapshots, victim, namespace);
        const c = (s?.status?.conditions as Cond[] | undefined)?.find(
          (x) => x.type === 'SnapshotCleanupIncomplete',
        );
        return s && c?.status === 'True' ? { s, c } : undefined;
      },
      { what: `Snapshot ${victim} SnapshotCleanupIncomplete`, timeoutMs: 90_000 },
    );
    assert.equal(stuck.c.reason, 'SnapshotCleanupJobFailed');
    assert.match(stuck.c.message ?? '', /cleanup Job \S+\/cleanup-snapshot-\S+ of Snapshot .* failed/);
    assert.match(stuck.c.message ?? '', /kubectl logs job\/cleanup-snapshot-/);
    assert.ok(stuck.s.metadata?.deletionTimestamp);
    assert.ok(stuck.s.metadata?.finalizers?.includes('kubestash.com/cleanup'));
    // The Warning Event is recorded just after the condition is written: it is waited for, not read once.
    await waitFor(
      async () => {
        const events = await client.list<Obj & { reason?: string; regarding?: { name?: string } }>(
          K8S.events,
          { namespace },
        );
        return events.items.some(
          (e) => e.reason === 'SnapshotCleanupJobFailed' && e.regarding?.name === victim,
        )
          ? true
          : undefined;
      },
      { what: `a Warning Event about the failed cleanup of Snapshot ${victim}`, timeoutMs: 30_000 },
    );
    await client.patch(
      KUBESTASH.snapshots,
      victim,
      { spec: { deletionPolicy: 'Delete' } },
      { namespace, type: 'merge' },
    );
    await waitFor(
      async () => ((await client.find(KUBESTASH.snapshots, victim, namespace)) ? undefined : true),
      { what: `Snapshot ${victim} released`, timeoutMs: 30_000 },
    );
    assert.deepEqual(resticIds(), [...wanted].sort());
  },
  600_000,
);
