// restic argv builders, pure: snapshots and forget (by ID and by keep policy), and the repository
// commands prune, check, restore, dump, stats and unlock.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { dumpCommand, restoreCommand } from '../../../../src/restic/argv-data.ts';
import { checkCommand, pruneCommand, unlockCommand } from '../../../../src/restic/argv-repository.ts';
import {
  forgetIdsCommand,
  forgetPolicyCommand,
  snapshotsCommand,
  statsCommand,
} from '../../../../src/restic/argv-snapshots.ts';
import { ResticUsageError } from '../../../../src/restic/errors.ts';
import { ID, REPO, localTarget } from './fixture.ts';

describe('snapshots and forget', () => {
  test('snapshots filters by host, all tags together and path, and lists given IDs', () => {
    const { args } = snapshotsCommand(localTarget(), {
      host: 'host-0',
      tags: ['a', 'b'],
      paths: ['/kubestash-tmp/manifest'],
      latest: 1,
      groupBy: 'host,paths',
      ids: ['latest'],
    });
    assert.deepEqual(args.slice(REPO.length + 2), [
      '--host',
      'host-0',
      '--tag',
      'a,b',
      '--path',
      '/kubestash-tmp/manifest',
      '--latest',
      '1',
      '--group-by',
      'host,paths',
      '--',
      'latest',
    ]);
  });

  test('forget by IDs removes exactly those snapshots and can prune', () => {
    const { args } = forgetIdsCommand(localTarget(), [ID, ID.slice(0, 8)], { prune: true });
    assert.deepEqual(args, ['forget', ...REPO, '--prune', '--', ID, ID.slice(0, 8)]);
  });

  test('forget by IDs refuses an empty list, "latest" and non-hex IDs', () => {
    assert.throws(() => forgetIdsCommand(localTarget(), []), /at least one snapshot ID/);
    assert.throws(() => forgetIdsCommand(localTarget(), ['latest']), ResticUsageError);
    assert.throws(() => forgetIdsCommand(localTarget(), ['--keep-last=0']), ResticUsageError);
    assert.throws(() => forgetIdsCommand(localTarget(), ['ABCDEF12']), ResticUsageError);
  });

  test('forget by policy renders every keep rule in a fixed order', () => {
    const { args } = forgetPolicyCommand(
      localTarget(),
      { yearly: 1, monthly: 'unlimited', weekly: 4, daily: 7, hourly: 24, last: 5, within: '1y6m' },
      { prune: true, groupBy: '' },
    );
    assert.deepEqual(args.slice(REPO.length + 2), [
      '--keep-last',
      '5',
      '--keep-hourly',
      '24',
      '--keep-daily',
      '7',
      '--keep-weekly',
      '4',
      '--keep-monthly',
      'unlimited',
      '--keep-yearly',
      '1',
      '--keep-within',
      '1y6m',
      '--group-by',
      '',
      '--prune',
    ]);
  });

  test('a keep policy that keeps nothing is refused, so nothing is wiped by mistake', () => {
    assert.throws(() => forgetPolicyCommand(localTarget(), {}), /must keep something/);
    assert.throws(() => forgetPolicyCommand(localTarget(), { last: 0, daily: 0 }), /must keep something/);
  });

  test('negative or fractional keep counts and malformed keep-within are refused', () => {
    assert.throws(() => forgetPolicyCommand(localTarget(), { last: -1 }), /non-negative integer/);
    assert.throws(() => forgetPolicyCommand(localTarget(), { daily: 1.5 }), /non-negative integer/);
    assert.throws(() => forgetPolicyCommand(localTarget(), { within: '2mo' }), /units y, m = months/);
  });

  test('an unknown group-by field is refused', () => {
    assert.throws(() => forgetPolicyCommand(localTarget(), { last: 1 }, { groupBy: 'host,user' }), /groupBy/);
  });
});

describe('prune, check, restore, dump, stats, unlock', () => {
  test('prune passes max-unused and does not ask for JSON', () => {
    assert.deepEqual(pruneCommand(localTarget(), { maxUnused: '5%' }).args, [
      'prune',
      ...REPO,
      '--max-unused',
      '5%',
    ]);
    assert.throws(() => pruneCommand(localTarget(), { maxUnused: 'lots' }), ResticUsageError);
  });

  test('check reads a subset of the data when asked', () => {
    assert.deepEqual(checkCommand(localTarget(), { readDataSubset: '1/5' }).args, [
      'check',
      ...REPO,
      '--json',
      '--read-data-subset',
      '1/5',
    ]);
    for (const subset of ['10%', '2.5%', '500M', '3/3']) {
      assert.ok(checkCommand(localTarget(), { readDataSubset: subset }).args.includes(subset), subset);
    }
  });

  test('check refuses impossible subsets and conflicting read options', () => {
    for (const subset of ['0/5', '6/5', '0%', '101%', 'half']) {
      assert.throws(() => checkCommand(localTarget(), { readDataSubset: subset }), ResticUsageError, subset);
    }
    assert.throws(
      () => checkCommand(localTarget(), { readData: true, readDataSubset: '1/2' }),
      /cannot be combined/,
    );
  });

  test('restore puts the snapshot after -- and renders target and includes', () => {
    const { args } = restoreCommand(localTarget(), {
      snapshot: ID,
      target: '/kubestash-tmp/restore',
      include: ['/kubestash-tmp/manifest/configmaps'],
      exclude: ['*.bak'],
      verify: true,
    });
    assert.deepEqual(args.slice(REPO.length + 1), [
      '--json',
      '--target',
      '/kubestash-tmp/restore',
      '--include',
      '/kubestash-tmp/manifest/configmaps',
      '--exclude',
      '*.bak',
      '--verify',
      '--',
      ID,
    ]);
  });

  test('restore of a subfolder uses the <id>:<subfolder> form', () => {
    const { args } = restoreCommand(localTarget(), {
      snapshot: 'latest',
      subfolder: '/kubestash-tmp',
      target: '/r',
    });
    assert.equal(args.at(-1), 'latest:/kubestash-tmp');
  });

  test('restore without a target is refused', () => {
    assert.throws(() => restoreCommand(localTarget(), { snapshot: ID, target: '' }), /restore target/);
  });

  test('dump names the snapshot and the file after --', () => {
    assert.deepEqual(dumpCommand(localTarget(), { snapshot: ID, file: '/m/a.yaml', archive: 'tar' }).args, [
      'dump',
      ...REPO,
      '--archive',
      'tar',
      '--',
      ID,
      '/m/a.yaml',
    ]);
  });

  test('stats selects a mode and snapshots', () => {
    assert.deepEqual(statsCommand(localTarget(), { mode: 'raw-data' }).args, [
      'stats',
      ...REPO,
      '--json',
      '--mode',
      'raw-data',
    ]);
    assert.deepEqual(statsCommand(localTarget(), { snapshots: ['latest'] }).args.slice(-2), ['--', 'latest']);
  });

  test('unlock removes only stale locks unless asked to remove all', () => {
    assert.deepEqual(unlockCommand(localTarget()).args, ['unlock', ...REPO]);
    assert.deepEqual(unlockCommand(localTarget(), { removeAll: true }).args, [
      'unlock',
      ...REPO,
      '--remove-all',
    ]);
  });
});
