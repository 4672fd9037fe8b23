import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  componentAfterUpload,
  componentFailed,
  componentPath,
  goDuration,
  type SucceededInput,
} from '../../../../src/tasks/kubedump/backup-status.ts';
import type { BackupSummary } from '../../../../src/restic/results.ts';

const SUMMARY: BackupSummary = {
  dryRun: false,
  filesNew: 3,
  filesChanged: 0,
  filesUnmodified: 0,
  dirsNew: 2,
  dirsChanged: 0,
  dirsUnmodified: 0,
  dataBlobs: 3,
  treeBlobs: 2,
  dataAdded: 2048 + 512,
  dataAddedPacked: 1500,
  totalFilesProcessed: 3,
  totalBytesProcessed: 4096 + 1024,
  totalDuration: 0.5,
  backupStart: '2026-12-03T11:00:00.123456789Z',
  backupEnd: '2026-12-03T11:00:01.5Z',
};

function input(over: Partial<SucceededInput> = {}): SucceededInput {
  return {
    path: 'repository/v1/daily/manifest',
    durationMs: 7887.161125,
    backup: { snapshotId: 'a'.repeat(64), summary: SUMMARY, incomplete: false, errors: [] },
    check: {
      ok: true,
      numErrors: 0,
      brokenPacks: [],
      suggestRepairIndex: false,
      suggestPrune: false,
      errors: [],
    },
    stats: { totalSize: 1673527, snapshotsCount: 1 },
    hostPath: '/kubestash-tmp/manifest',
    startTime: new Date('2026-12-03T10:59:59Z'),
    endTime: new Date('2026-12-03T11:00:02Z'),
    ...over,
  };
}

void describe('the manifest component status', () => {
  void test('the component path is repository/<version>/<session>/manifest, v1 when the Snapshot names none', () => {
    assert.equal(componentPath('v1', 'daily'), 'repository/v1/daily/manifest');
    assert.equal(componentPath(undefined, 'daily'), 'repository/v1/daily/manifest');
  });

  void test('a clean upload is Succeeded with the restic snapshot id, sizes in KubeStash units and restic times', () => {
    assert.deepEqual(componentAfterUpload(input()), {
      path: 'repository/v1/daily/manifest',
      phase: 'Succeeded',
      driver: 'Restic',
      duration: '7.887161125s',
      integrity: true,
      size: '1.596 MiB',
      resticStats: [
        {
          summary: {
            id: 'a'.repeat(64),
            uploaded: '2.500 KiB',
            hostPath: '/kubestash-tmp/manifest',
            size: '5.000 KiB',
            startTime: '2026-12-03T11:00:00Z',
            endTime: '2026-12-03T11:00:01Z',
          },
        },
      ],
      error: null,
    });
  });

  void test('without restic times, the times measured around the upload are written', () => {
    const { backupStart: _s, backupEnd: _e, ...older } = SUMMARY;
    const status = componentAfterUpload(
      input({ backup: { snapshotId: 'b'.repeat(64), summary: older, incomplete: false, errors: [] } }),
    );
    const stats = status.resticStats as { summary: { startTime: string; endTime: string } }[];
    assert.equal(stats[0]?.summary.startTime, '2026-12-03T10:59:59Z');
    assert.equal(stats[0]?.summary.endTime, '2026-12-03T11:00:02Z');
  });

  void test('a check that finds errors fails the component and keeps integrity false and the statistics', () => {
    const status = componentAfterUpload(
      input({
        check: {
          ok: false,
          numErrors: 2,
          brokenPacks: ['p'],
          suggestRepairIndex: true,
          suggestPrune: false,
          errors: ['pack p: not referenced in any index'],
        },
      }),
    );
    assert.equal(status.phase, 'Failed');
    assert.equal(status.integrity, false);
    assert.equal(status.error, 'restic check found 2 error(s): pack p: not referenced in any index');
    assert.ok(Array.isArray(status.resticStats));
  });

  void test('a backup that could not read every file is Failed, naming the first unreadable item', () => {
    const status = componentAfterUpload(
      input({
        backup: {
          snapshotId: 'c'.repeat(64),
          summary: SUMMARY,
          incomplete: true,
          errors: [{ message: 'permission denied', item: '/kubestash-tmp/manifest/x.yaml' }],
        },
      }),
    );
    assert.equal(status.phase, 'Failed');
    assert.match(String(status.error), /could not read 1 item\(s\).*x\.yaml: permission denied/);
  });

  void test('a failure before restic reported clears the statistics of an earlier attempt', () => {
    assert.deepEqual(
      componentFailed('repository/v1/daily/manifest', 1500, 'Repository ns/r: restic backup failed'),
      {
        path: 'repository/v1/daily/manifest',
        phase: 'Failed',
        driver: 'Restic',
        duration: '1.5s',
        error: 'Repository ns/r: restic backup failed',
        resticStats: null,
        integrity: null,
        size: null,
      },
    );
  });
});

void describe('Go durations', () => {
  void test('durations print as Go prints time.Duration', () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(0.0005), '500ns');
    assert.equal(goDuration(0.25), '250µs');
    assert.equal(goDuration(12.5), '12.5ms');
    assert.equal(goDuration(1000), '1s');
    assert.equal(goDuration(62_500), '1m2.5s');
    assert.equal(goDuration(3_600_000 + 3000), '1h0m3s');
  });
});
