// restic argv builders, pure: init, backup, the flags every command shares (retry-lock, cache, options,
// JSON) and the copy-pastable rendering of a command.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { backupCommand } from '../../../../src/restic/argv-data.ts';
import { initCommand, pruneCommand, unlockCommand } from '../../../../src/restic/argv-repository.ts';
import { snapshotsCommand } from '../../../../src/restic/argv-snapshots.ts';
import { describeCommand } from '../../../../src/restic/argv.ts';
import { buildRepositoryTarget } from '../../../../src/restic/target.ts';
import { ResticUsageError } from '../../../../src/restic/errors.ts';
import { COMPONENT, ID, REPO, localTarget } from './fixture.ts';

describe('init', () => {
  test('init asks for JSON so the initialized message can be read', () => {
    assert.deepEqual(initCommand(localTarget()).args, ['init', ...REPO, '--json']);
  });

  test('init can pin the repository format', () => {
    assert.deepEqual(initCommand(localTarget(), { repositoryVersion: 2 }).args, [
      'init',
      ...REPO,
      '--json',
      '--repository-version',
      '2',
    ]);
  });
});

describe('backup', () => {
  test('backup renders host, tags, parent and puts paths after --', () => {
    const command = backupCommand(localTarget(), {
      paths: ['/kubestash-tmp/manifest'],
      host: 'host-0',
      tags: ['session=frequent-backup', 'cairn'],
      parent: ID.slice(0, 8),
    });
    assert.deepEqual(command.args, [
      'backup',
      ...REPO,
      '--json',
      '--host',
      'host-0',
      '--tag',
      'session=frequent-backup',
      '--tag',
      'cairn',
      '--parent',
      ID.slice(0, 8),
      '--',
      '/kubestash-tmp/manifest',
    ]);
    assert.deepEqual(command.env, { RESTIC_PASSWORD: 'pw-local-1234' });
  });

  test('a path that starts with a dash is still a path', () => {
    const command = backupCommand(localTarget(), { paths: ['--dry-run'] });
    assert.deepEqual(command.args.slice(-2), ['--', '--dry-run']);
  });

  test('excludes, skip-if-unchanged and dry-run are rendered as flags', () => {
    const { args } = backupCommand(localTarget(), {
      paths: ['/d'],
      excludes: ['*.tmp'],
      skipIfUnchanged: true,
      dryRun: true,
    });
    assert.deepEqual(args.slice(REPO.length + 2), [
      '--exclude',
      '*.tmp',
      '--skip-if-unchanged',
      '--dry-run',
      '--',
      '/d',
    ]);
  });

  test('backup without paths, with a comma in a tag or a malformed parent is refused', () => {
    assert.throws(() => backupCommand(localTarget(), { paths: [] }), /at least one path/);
    assert.throws(
      () => backupCommand(localTarget(), { paths: ['/d'], tags: ['a,b'] }),
      /must not contain ","/,
    );
    assert.throws(() => backupCommand(localTarget(), { paths: ['/d'], parent: 'latest' }), ResticUsageError);
    assert.throws(() => backupCommand(localTarget(), { paths: ['/d'], host: '' }), /host must not be empty/);
  });

  test('duplicate tags are rendered once', () => {
    const { args } = backupCommand(localTarget(), { paths: ['/d'], tags: ['a', 'a'] });
    assert.equal(args.filter((arg) => arg === '--tag').length, 1);
  });
});

describe('common flags', () => {
  test('retry-lock, cache dir, quiet, compression and extra options are rendered', () => {
    const { args, env } = snapshotsCommand(
      localTarget(),
      {},
      {
        retryLock: '5m',
        cacheDir: '/kubestash-tmp/restic-cache',
        cleanupCache: true,
        quiet: true,
        compression: 'max',
        options: { 'local.layout': 'default' },
        progressFps: 1 / 60,
      },
    );
    assert.deepEqual(args, [
      'snapshots',
      ...REPO,
      '-o',
      'local.layout=default',
      '--json',
      '--quiet',
      '--retry-lock',
      '5m',
      '--cache-dir',
      '/kubestash-tmp/restic-cache',
      '--cleanup-cache',
      '--compression',
      'max',
    ]);
    assert.equal(env.RESTIC_PROGRESS_FPS, String(1 / 60));
  });

  test('--no-cache replaces the cache directory and the two cannot be combined', () => {
    assert.ok(snapshotsCommand(localTarget(), {}, { noCache: true }).args.includes('--no-cache'));
    assert.throws(
      () => snapshotsCommand(localTarget(), {}, { noCache: true, cacheDir: '/c' }),
      /cannot be combined/,
    );
  });

  test('an extra option overrides the same option of the target', () => {
    const target = buildRepositoryTarget({
      storage: { provider: 's3', s3: { bucket: 'b', maxConnections: 5 } },
      encryptionSecret: { RESTIC_PASSWORD: 'pw-local-1234' },
      repositoryPath: 'r',
      componentPath: COMPONENT,
      secretsDir: '/run/x',
    });
    const { args } = unlockCommand(target, {}, { options: { 's3.connections': '9' } });
    assert.deepEqual(args.slice(3), ['-o', 's3.connections=9']);
  });

  test('json can be switched off or on per call', () => {
    assert.ok(!backupCommand(localTarget(), { paths: ['/d'] }, { json: false }).args.includes('--json'));
    assert.ok(pruneCommand(localTarget(), {}, { json: true }).args.includes('--json'));
  });

  test('a malformed retry-lock duration or option name is refused', () => {
    assert.throws(() => unlockCommand(localTarget(), {}, { retryLock: '5 minutes' }), /Go duration/);
    assert.throws(() => unlockCommand(localTarget(), {}, { options: { 'bad key': 'x' } }), /option name/);
    assert.throws(() => unlockCommand(localTarget(), {}, { progressFps: 0 }), /positive/);
  });

  test('a fractional Go duration is accepted for retry-lock', () => {
    assert.ok(unlockCommand(localTarget(), {}, { retryLock: '1h2.5m' }).args.includes('1h2.5m'));
  });
});

describe('describeCommand', () => {
  test('renders a copy-pastable line, quoting arguments with spaces or quotes', () => {
    assert.equal(
      describeCommand({ args: ['backup', '--tag', "it's here", '--', '/a b'] }),
      `restic backup --tag 'it'\\''s here' -- '/a b'`,
    );
  });
});
