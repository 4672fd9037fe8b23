// ResticRepository's own decisions (lock policy, init races, result parsing) against a scripted stand-in
// restic that logs every invocation; and the argv additions the library needs (cat, list locks, limits).

import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { backupCommand } from '../../../src/restic/argv-data.ts';
import { catCommand, listLocksCommand } from '../../../src/restic/argv-repository.ts';
import { snapshotsCommand } from '../../../src/restic/argv-snapshots.ts';
import { ResticRepository } from '../../../src/restic/repository.ts';
import { ResticError, ResticUsageError } from '../../../src/restic/errors.ts';
import { buildRepositoryTarget, type ResticTarget } from '../../../src/restic/target.ts';

const PASSWORD = 'zq-commands-password-3391';
const SNAPSHOT = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

// Logs its arguments, then acts by subcommand and scenario. State lives in $FAKE_DIR.
const FAKE = `#!/bin/sh
echo "$*" >> "$FAKE_DIR/calls"
n=$(cat "$FAKE_DIR/count-$1" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$FAKE_DIR/count-$1"
case "$FAKE_SCENARIO:$1" in
  stale-exclusive:backup)
    if [ "$n" = 1 ]; then
      echo '{"message_type":"exit_error","code":11,"message":"unable to create lock in backend: repository is already locked exclusively by PID 7 on vm by root (UID 0, GID 0)"}' >&2
      exit 11
    fi
    echo '{"message_type":"summary","files_new":3,"data_added":9,"snapshot_id":"${SNAPSHOT}"}' ;;
  locked-check:check)
    if [ "$n" = 1 ]; then
      echo '{"message_type":"exit_error","code":11,"message":"unable to create lock in backend: repository is already locked by PID 9 on vm by root (UID 0, GID 0)"}' >&2
      exit 11
    fi
    echo '{"message_type":"summary","num_errors":0}' ;;
  *:unlock) [ "$FAKE_SCENARIO" = stale-exclusive ] && echo "successfully removed 1 locks"; exit 0 ;;
  init-race:cat)
    if [ "$n" = 1 ]; then echo 'Fatal: repository does not exist' >&2; exit 10; fi
    printf '{\\n  "version": 2,\\n  "id": "abc123",\\n  "chunker_polynomial": "3d4af211ad1891"\\n}\\n' ;;
  init-race:init)
    echo '{"message_type":"exit_error","code":1,"message":"Fatal: create repository at r failed: config file already exists"}' >&2
    exit 1 ;;
  *:check) echo '{"message_type":"summary","num_errors":0}' ;;
  *:snapshots) echo '[{"id":"${SNAPSHOT}","short_id":"01234567","time":"2026-11-22T06:14:47Z","tree":"t","paths":["/d"],"hostname":"h","username":"u","tags":["a"],"summary":{"files_new":2,"data_added":5}}]' ;;
  *) echo "unexpected" >&2; exit 1 ;;
esac
`;

let work = '';
let fake = '';

before(() => {
  work = mkdtempSync(join(tmpdir(), 'cairn-commands-test-'));
  fake = join(work, 'fake-restic');
  writeFileSync(fake, FAKE);
  chmodSync(fake, 0o755);
});

after(() => rmSync(work, { recursive: true, force: true }));

function target(): ResticTarget {
  return buildRepositoryTarget({
    storage: { provider: 'local', local: { mountPath: '/data' } },
    encryptionSecret: { RESTIC_PASSWORD: PASSWORD },
    repositoryPath: 'repo',
    componentPath: 'repository/v1/s/manifest',
    secretsDir: join(work, 'secrets'),
  });
}

function scenario(name: string): { repo: ResticRepository; lines: () => string[]; calls: () => string[] } {
  const dir = mkdtempSync(join(work, `${name}-`));
  const repo = new ResticRepository(target(), {
    process: { binary: fake, env: { FAKE_DIR: dir, FAKE_SCENARIO: name } },
    lockWait: '45s',
  });
  const lines = (): string[] => readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n');
  return { repo, lines, calls: () => lines().map((line) => line.split(' ')[0] ?? '') };
}

describe('lock policy', () => {
  test('a shared command refused by a stale exclusive lock clears stale locks and runs once more', async () => {
    const { repo, calls } = scenario('stale-exclusive');
    const result = await repo.backup({ paths: ['/d'] });
    assert.equal(result.snapshotId, SNAPSHOT);
    assert.deepEqual(calls(), ['backup', 'unlock', 'backup']);
  });

  test('an exclusive command on an unlocked repository runs once, without unlock or waiting', async () => {
    const { repo, lines } = scenario('check');
    assert.equal((await repo.check()).ok, true);
    const [check, ...rest] = lines();
    assert.match(check ?? '', /^check /);
    assert.doesNotMatch(check ?? '', /--retry-lock/);
    assert.deepEqual(rest, []);
  });

  test('an exclusive command that finds a lock clears stale locks only, then waits with --retry-lock', async () => {
    const { repo, lines } = scenario('locked-check');
    assert.equal((await repo.check()).ok, true);
    const [first, unlock, second, ...rest] = lines();
    assert.doesNotMatch(first ?? '', /--retry-lock/);
    assert.match(unlock ?? '', /^unlock /);
    assert.doesNotMatch(unlock ?? '', /--remove-all/);
    assert.match(second ?? '', /^check .*--retry-lock 45s/);
    assert.deepEqual(rest, []);
  });
});

describe('init', () => {
  test('an init that loses a race to another init reads the repository back instead of failing', async () => {
    const { repo, calls } = scenario('init-race');
    assert.deepEqual(await repo.init(), { created: false, id: 'abc123' });
    assert.deepEqual(calls(), ['cat', 'init', 'cat']);
  });
});

describe('results', () => {
  test('snapshots are typed, with their summary', async () => {
    const { repo } = scenario('snapshots');
    const [snapshot] = await repo.snapshots();
    assert.deepEqual(snapshot, {
      id: SNAPSHOT,
      shortId: '01234567',
      time: '2026-11-22T06:14:47Z',
      tree: 't',
      paths: ['/d'],
      hostname: 'h',
      username: 'u',
      tags: ['a'],
      summary: {
        filesNew: 2,
        filesChanged: 0,
        filesUnmodified: 0,
        dataAdded: 5,
        dataAddedPacked: 0,
        totalFilesProcessed: 0,
        totalBytesProcessed: 0,
      },
    });
  });

  test('an unexpected failure keeps its kind and stays redacted', async () => {
    const { repo } = scenario('nothing');
    await assert.rejects(repo.prune(), (err: unknown) => {
      assert.ok(err instanceof ResticError);
      assert.equal(err.kind, 'failure');
      assert.equal(err.message.includes(PASSWORD), false);
      return true;
    });
  });
});

describe('argv additions', () => {
  test('cat config and cat lock put the object type first and never a secret', () => {
    const config = catCommand(target(), { type: 'config' }, { noLock: true });
    assert.deepEqual(config.args, [
      'cat',
      'config',
      '--repo',
      '/data/repo/repository/v1/s/manifest',
      '--no-lock',
    ]);
    assert.deepEqual(catCommand(target(), { type: 'lock', id: SNAPSHOT }).args.slice(0, 2), ['cat', 'lock']);
    assert.throws(() => catCommand(target(), { type: 'lock', id: '--remove-all' }), ResticUsageError);
    assert.equal(config.args.join(' ').includes(PASSWORD), false);
  });

  test('list locks takes no options of its own', () => {
    assert.deepEqual(listLocksCommand(target()).args, [
      'list',
      'locks',
      '--repo',
      '/data/repo/repository/v1/s/manifest',
    ]);
  });

  test('rate limits, pack size and the parent group are rendered and checked', () => {
    const args = backupCommand(
      target(),
      { paths: ['/d'], groupBy: 'host,tags' },
      { limitUpload: 4096, limitDownload: 1024, packSize: 8 },
    ).args;
    assert.deepEqual(args.slice(args.indexOf('--json')), [
      '--json',
      '--limit-upload',
      '4096',
      '--limit-download',
      '1024',
      '--pack-size',
      '8',
      '--group-by',
      'host,tags',
      '--',
      '/d',
    ]);
    assert.throws(() => snapshotsCommand(target(), {}, { limitUpload: 0 }), ResticUsageError);
    assert.throws(() => backupCommand(target(), { paths: ['/d'], groupBy: 'pid' }), ResticUsageError);
  });
});
