// Retention on a local BackupStorage in the dev cluster's in-process operator: the older Snapshot is wiped
// out through a cleanup Job that mounts the volume, leaving one restic snapshot and one record.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KUBESTASH } from '../../../src/api/resource-type.ts';
import { backupSessionName, snapshotName } from '../../../src/api/names.ts';
import { binaryPaths, requireBinary } from '../../../src/devcluster/toolchain.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { assertApplied, BC, PASSWORD, REPO, run, setup, snapshotsOf, type Obj } from './fixture.ts';

clusterTest(
  'on a local BackupStorage, retention wipes out the older Snapshot through a cleanup Job that mounts the volume: one restic snapshot and one record remain',
  async ({ client, namespace }, t) => {
    const restic = requireBinary(binaryPaths().restic, 'restic');
    const work = mkdtempSync(join(tmpdir(), 'cairn-retention-local-'));
    t.after(() => rmSync(work, { recursive: true, force: true }));
    const volume = join(work, 'volume');
    await setup(client, namespace, {
      spec: {
        provider: 'local',
        local: { mountPath: '/safe/data', hostPath: { path: volume, type: 'DirectoryOrCreate' } },
      },
    });
    await client.patch(
      KUBESTASH.retentionPolicies,
      'keep-two',
      { spec: { successfulSnapshots: { last: 1 } } },
      { namespace, type: 'merge' },
    );
    const base = Date.now() + 100_000;
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const name = backupSessionName(BC, 'frequent', new Date(base + i * 1000));
      const done = await run(client, namespace, 'frequent', name);
      assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
      assertApplied(done);
      names.push(name);
    }
    const kept = snapshotName(REPO, names[1] ?? '');
    await waitFor(
      async () => {
        const left = await snapshotsOf(client, namespace, 'frequent');
        if (left.join() === kept) return true;
        throw new Error(`Snapshots of session frequent: ${left.join(', ')}`);
      },
      { what: 'one Snapshot of session frequent left', timeoutMs: 120_000 },
    );
    const snap = await client.get<Obj>(KUBESTASH.snapshots, kept, namespace);
    const id = (snap.status?.components as Record<string, { resticStats: { summary: { id: string } }[] }>)
      .manifest?.resticStats[0]?.summary.id;
    const repoDir = join(volume, namespace, REPO);
    const listed = JSON.parse(
      execFileSync(restic, ['snapshots', '--json', '--no-lock'], {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: work,
          RESTIC_CACHE_DIR: join(work, 'cache'),
          RESTIC_PASSWORD: PASSWORD,
          RESTIC_REPOSITORY: join(repoDir, 'repository', 'v1', 'frequent', 'manifest'),
        },
      }).toString(),
    ) as { id: string }[];
    assert.deepEqual(
      listed.map((s) => s.id),
      [id],
    );
    const records = join(repoDir, 'snapshots');
    const files = existsSync(records) ? readdirSync(records).filter((f) => f.includes('-frequent-')) : [];
    assert.deepEqual(files, [`${kept}.yaml`]);
  },
  300_000,
);
