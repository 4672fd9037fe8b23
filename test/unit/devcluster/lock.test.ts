import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import {
  acquireDirLock,
  DirLockedError,
  formatLock,
  holderAlive,
  LOCK_FILE,
  lockHolder,
  parseLock,
  processStartTime,
} from '../../../src/devcluster/lock.ts';

/** A PID that belonged to a process which has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('state directory lock', () => {
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a lock names its holder by PID and start time; a bare PID from older versions still reads', () => {
    assert.deepEqual(parseLock(formatLock({ pid: 42, startTime: '9001' })), { pid: 42, startTime: '9001' });
    assert.deepEqual(parseLock('42\n'), { pid: 42 });
    assert.equal(parseLock('not a pid'), undefined);
    assert.match(processStartTime(process.pid) ?? '', /^\d+$/);
  });

  test('a holder is alive only while its PID runs with the start time it recorded', () => {
    const probe = (alive: boolean, startTime?: string) => ({
      isAlive: () => alive,
      startTime: () => startTime,
    });
    assert.equal(holderAlive({ pid: 7, startTime: '100' }, probe(true, '100')), true);
    assert.equal(holderAlive({ pid: 7, startTime: '100' }, probe(true, '250')), false, 'the PID was reused');
    assert.equal(holderAlive({ pid: 7, startTime: '100' }, probe(false)), false);
    assert.equal(holderAlive({ pid: 7 }, probe(true, '250')), true);
  });

  test('a second start on a directory held by a live process is refused, naming the holder and the fix', () => {
    const parent = { pid: process.ppid, startTime: processStartTime(process.ppid) };
    writeFileSync(join(dir, LOCK_FILE), formatLock(parent));
    assert.throws(
      () => acquireDirLock(dir),
      (err: Error) =>
        err instanceof DirLockedError &&
        err.message.includes(`already runs on ${dir} (pid ${process.ppid})`) &&
        err.message.includes(`cairn down --dir ${dir}`),
    );
    assert.equal(readFileSync(join(dir, LOCK_FILE), 'utf8'), formatLock(parent), 'the holder keeps its lock');
  });

  test('a lock left by a dead process is stale: taken over with a notice, and released only by its holder', () => {
    const dead = deadPid();
    writeFileSync(join(dir, LOCK_FILE), formatLock({ pid: dead, startTime: '1' }));
    assert.equal(lockHolder(dir), undefined, 'a stale lock reads as no holder');
    const stale: number[] = [];
    const lock = acquireDirLock(dir, (h) => stale.push(h.pid));
    assert.deepEqual(stale, [dead]);
    assert.equal(lockHolder(dir)?.pid, process.pid);
    lock.release();
    assert.equal(lockHolder(dir), undefined);

    const mine = acquireDirLock(dir);
    writeFileSync(join(dir, LOCK_FILE), formatLock({ pid: process.ppid }));
    mine.release();
    assert.equal(lockHolder(dir)?.pid, process.ppid, 'a lock someone else took over is left alone');
  });
});
