// Retention over KubeStash's objects (src/api/retention.ts): the candidate a Snapshot object makes, and the
// RetentionPolicies of KubeStash's guides applied to ten hourly sessions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { RetentionPolicySpec } from '../../../src/api/kinds/retentionpolicy.ts';
import type { Snapshot } from '../../../src/api/kinds/snapshot.ts';
import { applyRetention, retentionCandidate } from '../../../src/api/retention.ts';
import { projectRoot } from '../../../src/devcluster/toolchain.ts';
import { NOW, snap } from './retention-fixture.ts';

void describe('retentionCandidate', () => {
  const base = {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Snapshot',
    metadata: { name: 'gcs-repo-bc-frequent-backup-1708694700', creationTimestamp: '2024-02-23T13:25:00Z' },
    spec: { repository: 'gcs-repo', session: 'frequent-backup' },
  } as Snapshot;

  void test('takes the time from status.snapshotTime when the Snapshot has one', () => {
    const c = retentionCandidate({
      ...base,
      status: { phase: 'Succeeded', snapshotTime: '2024-02-23T13:25:07Z' },
    });
    assert.deepEqual(c, {
      name: 'gcs-repo-bc-frequent-backup-1708694700',
      repository: 'gcs-repo',
      session: 'frequent-backup',
      phase: 'Succeeded',
      time: new Date('2024-02-23T13:25:07Z'),
    });
  });

  void test('falls back to the creation time, and counts a status-less Snapshot as in progress', () => {
    const c = retentionCandidate(base);
    assert.deepEqual(c.time, new Date('2024-02-23T13:25:00Z'));
    assert.equal(c.phase, undefined);
    assert.deepEqual(applyRetention({ successfulSnapshots: { last: 1 } }, [c], NOW).decisions[0]?.keep, true);
  });
});

void describe("the RetentionPolicies of KubeStash's guides", () => {
  const docs = process.env.CAIRN_KUBESTASH_DOCS ?? join(projectRoot, '..', 'shared', 'kubestash-docs');
  const files = [
    'kubedump-v1/cluster/02-retentionpolicy.yaml',
    'kubedump-v1/namespace/02-retentionpolicy.yaml',
    'kubedump-v1/application/02-retentionpolicy.yaml',
    'cluster-resources/full-cluster-backup-and-restore/03-retentionpolicy.inline.yaml',
    'cluster-resources/filtering-demonstration/05-retentionpolicy.yaml',
  ];
  for (const file of files) {
    void test(`${file} keeps its last successful and failed Snapshots of ten hourly sessions`, () => {
      const policy = (parse(readFileSync(join(docs, file), 'utf8')) as { spec: RetentionPolicySpec }).spec;
      const runs = Array.from({ length: 10 }, (_, i) =>
        snap(`run-${i}`, `2026-03-15T0${i}:00:00Z`, i % 3 === 1 ? 'Failed' : 'Succeeded'),
      );
      const result = applyRetention(policy, runs, NOW);
      const keptOf = (phase: string) =>
        result.decisions.filter((d, i) => d.keep && runs[i]?.phase === phase).map((d) => d.name);
      const last = policy.successfulSnapshots?.last ?? 0;
      const failedLast = policy.failedSnapshots?.last ?? 1;
      assert.deepEqual(
        keptOf('Succeeded'),
        ['run-0', 'run-2', 'run-3', 'run-5', 'run-6', 'run-8', 'run-9'].slice(-last),
      );
      assert.deepEqual(keptOf('Failed'), ['run-1', 'run-4', 'run-7'].slice(-failedLast));
    });
  }
});
