import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { backupCommand, dumpCommand, restoreCommand } from '../../../src/restic/argv-data.ts';
import {
  checkCommand,
  initCommand,
  pruneCommand,
  unlockCommand,
} from '../../../src/restic/argv-repository.ts';
import {
  copyCommand,
  forgetIdsCommand,
  forgetPolicyCommand,
  snapshotsCommand,
  statsCommand,
} from '../../../src/restic/argv-snapshots.ts';
import { describeCommand } from '../../../src/restic/argv.ts';
import {
  keyAddCommand,
  keyListCommand,
  keyPasswdCommand,
  keyRemoveCommand,
} from '../../../src/restic/argv-keys.ts';
import { buildRepositoryTarget, type ResticTarget } from '../../../src/restic/target.ts';
import { ResticUsageError } from '../../../src/restic/errors.ts';

const COMPONENT = 'repository/v1/frequent-backup/manifest';
const ID = '4f2a9c1e7b3d5f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718';

function localTarget(): ResticTarget {
  return buildRepositoryTarget({
    storage: { provider: 'local', local: { mountPath: '/safe/data' } },
    encryptionSecret: { RESTIC_PASSWORD: 'pw-local-1234' },
    repositoryPath: 'repo',
    componentPath: COMPONENT,
    secretsDir: '/run/cairn/dst',
  });
}

const REPO = ['--repo', `/safe/data/repo/${COMPONENT}`];

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

describe('keys', () => {
  test('key list asks for JSON', () => {
    assert.deepEqual(keyListCommand(localTarget()).args, ['key', 'list', ...REPO, '--json']);
  });

  test('key add passes the new password as a private file, never as an argument', () => {
    const command = keyAddCommand(localTarget(), { newPassword: 'new-secret-pw', user: 'cairn', host: 'h' });
    assert.deepEqual(command.args, [
      'key',
      'add',
      ...REPO,
      '--new-password-file',
      '/run/cairn/dst/new-password',
      '--user',
      'cairn',
      '--host',
      'h',
    ]);
    assert.deepEqual(command.files, [
      { path: '/run/cairn/dst/new-password', contents: 'new-secret-pw', mode: 0o600 },
    ]);
    assert.ok(command.secrets.includes('new-secret-pw'));
    assert.ok(!command.args.some((arg) => arg.includes('new-secret-pw')));
  });

  test('key passwd uses the same private file', () => {
    const command = keyPasswdCommand(localTarget(), { newPassword: 'rotated-pw' });
    assert.deepEqual(command.args.slice(-2), ['--new-password-file', '/run/cairn/dst/new-password']);
  });

  test('an empty new password or one restic would trim is refused', () => {
    assert.throws(() => keyAddCommand(localTarget(), { newPassword: '' }), /is empty/);
    for (const newPassword of ['pw\n', ' pw', 'pw\t', '\uFEFFpw', 'pw\u0085']) {
      assert.throws(
        () => keyAddCommand(localTarget(), { newPassword }),
        /whitespace/,
        JSON.stringify(newPassword),
      );
    }
    for (const newPassword of ['inner space', 'p@ss:wörd/"\'$', 'x']) {
      assert.ok(keyAddCommand(localTarget(), { newPassword }), newPassword);
    }
  });

  test('key remove takes a hex key ID', () => {
    assert.deepEqual(keyRemoveCommand(localTarget(), 'a1b2c3d4').args, [
      'key',
      'remove',
      ...REPO,
      '--',
      'a1b2c3d4',
    ]);
    assert.throws(() => keyRemoveCommand(localTarget(), 'zz'), /key ID/);
  });
});

describe('copy', () => {
  function s3Target(dir: string, secretKey: string, password: string, prefix: string): ResticTarget {
    return buildRepositoryTarget({
      storage: { provider: 's3', s3: { endpoint: 'minio:9000', bucket: 'b', prefix, maxConnections: 4 } },
      storageSecret: {
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: secretKey,
        CA_CERT_DATA: `ca-${dir}`,
      },
      encryptionSecret: { RESTIC_PASSWORD: password },
      repositoryPath: 'repo',
      componentPath: COMPONENT,
      secretsDir: `/run/${dir}`,
    });
  }

  test('copy reads from --from-repo and passes the source password as RESTIC_FROM_PASSWORD', () => {
    const destination = s3Target('dst', 'shared-secret-key', 'dst-password', 'dst');
    const source = s3Target('src', 'shared-secret-key', 'src-password', 'src');
    const command = copyCommand(destination, source, { snapshots: [ID] });
    assert.deepEqual(command.args, [
      'copy',
      '--repo',
      `s3:minio:9000/b/dst/repo/${COMPONENT}`,
      '-o',
      's3.connections=4',
      '--cacert',
      '/run/dst/ca-cert.pem',
      '--cacert',
      '/run/src/ca-cert.pem',
      '--from-repo',
      `s3:minio:9000/b/src/repo/${COMPONENT}`,
      '--',
      ID,
    ]);
    assert.equal(command.env.RESTIC_PASSWORD, 'dst-password');
    assert.equal(command.env.RESTIC_FROM_PASSWORD, 'src-password');
    assert.equal(command.files.length, 2);
    assert.ok(command.secrets.includes('src-password') && command.secrets.includes('dst-password'));
  });

  test('copy refuses backends that need different credentials in one process', () => {
    const destination = s3Target('dst', 'secret-one', 'dst-password', 'dst');
    const source = s3Target('src', 'secret-two', 'src-password', 'src');
    assert.throws(
      () => copyCommand(destination, source),
      (err: unknown) => {
        assert.ok(err instanceof ResticUsageError);
        assert.match(err.message, /AWS_SECRET_ACCESS_KEY/);
        assert.doesNotMatch(err.message, /secret-one|secret-two/);
        return true;
      },
    );
  });

  test('copy refuses to turn off TLS verification for one side because the other needs it', () => {
    const destination = s3Target('dst', 'k', 'dst-password', 'dst');
    const source = { ...s3Target('src', 'k', 'src-password', 'src'), insecureTls: true };
    assert.throws(() => copyCommand(destination, source), /insecureTLS differs/);
  });

  test('copy refuses two different files at one path', () => {
    const destination = s3Target('same', 'k', 'dst-password', 'dst');
    const source = { ...s3Target('same', 'k', 'src-password', 'src') };
    source.files = [{ path: '/run/same/ca-cert.pem', contents: 'other', mode: 0o600 }];
    assert.throws(() => copyCommand(destination, source), /separate directories/);
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
