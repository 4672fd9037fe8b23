import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planLockCleanup, processGone, type ResticLock } from '../../../src/restic/locks.ts';

const NOW = new Date('2026-12-03T12:00:00Z');
const HERE = 'dev-machine';

function lock(hostname: string, pid: number, minutesAgo: number): ResticLock {
  return {
    id: `${hostname}-${pid}`.padEnd(64, '0'),
    time: new Date(NOW.getTime() - minutesAgo * 60_000).toISOString(),
    exclusive: false,
    hostname,
    username: 'root',
    pid,
  };
}

void describe('stale restic locks', () => {
  void test('a lock of this hostname is judged by its PID alone, and a lock of another host never by a local PID', async () => {
    const dead = new Set([101, 202]);
    const asked: string[] = [];
    const plan = await planLockCleanup(
      [
        lock(HERE, 101, 1), // this machine, process gone
        lock(HERE, 102, 1), // this machine, process alive
        lock(HERE, 0, 1), // this machine, no PID recorded
        lock('backup-pod-abcde', 202, 1), // another host whose PID happens to be dead here
        lock('gone-pod', 303, 1),
        lock(HERE, 104, 31), // older than 30 minutes whatever its PID
        lock('', 202, 1),
      ],
      {
        now: NOW,
        localHostname: HERE,
        isProcessGone: (pid) => dead.has(pid),
        isHostGone: (host) => {
          asked.push(host);
          return host === 'gone-pod';
        },
      },
    );
    assert.deepEqual(
      plan.map((j) => [j.lock.hostname, j.lock.pid, j.verdict]),
      [
        [HERE, 101, 'process-gone'],
        [HERE, 102, 'keep'],
        [HERE, 0, 'keep'],
        ['backup-pod-abcde', 202, 'keep'],
        ['gone-pod', 303, 'host-gone'],
        [HERE, 104, 'stale-by-age'],
        ['', 202, 'keep'],
      ],
    );
    assert.deepEqual(
      asked,
      ['backup-pod-abcde', 'gone-pod'],
      'this machine is never asked whether it is gone',
    );
  });

  void test('isHostGone is handed the lock, so it can compare its time', async () => {
    const seen: string[] = [];
    await planLockCleanup([lock('pod-x', 5, 2)], {
      now: NOW,
      localHostname: HERE,
      isHostGone: (_host, l) => {
        seen.push(l.time);
        return false;
      },
    });
    assert.deepEqual(seen, ['2026-12-03T11:58:00.000Z']);
  });

  void test('a process that exists is not gone, one that does not is, and no PID addresses a group', () => {
    assert.equal(processGone(process.pid), false);
    assert.equal(processGone(1), false, 'PID 1 exists (EPERM or not, it is alive)');
    assert.equal(processGone(0), false);
    assert.equal(processGone(-1), false);
    assert.equal(processGone(1.5), false);
    // The kernel's pid_max is at most 2^22: a PID above it never exists.
    assert.equal(processGone(2 ** 22 + 1), true);
  });

  void test('without a local hostname given, the machine hostname is the local one', async () => {
    const { hostname } = await import('node:os');
    const plan = await planLockCleanup([lock(hostname(), 2 ** 22 + 1, 1), lock(hostname(), process.pid, 1)], {
      now: NOW,
    });
    assert.deepEqual(
      plan.map((j) => j.verdict),
      ['process-gone', 'keep'],
    );
  });
});
