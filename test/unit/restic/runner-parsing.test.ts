// Pure parts beside the runner: restic's backend retry lines, lock files, lock holders and the lock
// cleanup plan.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  classifyBackendCause,
  parseBackendRecovery,
  parseBackendRetry,
  parseGoDuration,
} from '../../../src/restic/backend-retries.ts';
import {
  parseLock,
  parseLockHolder,
  parseLockIds,
  planLockCleanup,
  type ResticLock,
} from '../../../src/restic/locks.ts';

describe('backend retry lines', () => {
  test('a retry line gives the operation, the delay and the cause', () => {
    assert.deepEqual(
      parseBackendRetry(
        'List(lock) returned error, retrying after 1m27.09630209s: Get "http://h/b": dial tcp: connect: connection refused',
      ),
      {
        operation: 'List(lock)',
        retryInMs: 87_096.30209,
        cause: 'Get "http://h/b": dial tcp: connect: connection refused',
      },
    );
  });

  test('a recovery line gives the number of retries', () => {
    assert.deepEqual(parseBackendRecovery('Save(<data/0a1b2c3d4e>) operation successful after 3 retries'), {
      operation: 'Save(<data/0a1b2c3d4e>)',
      retries: 3,
    });
  });

  test('other lines are neither', () => {
    assert.equal(parseBackendRetry('Fatal: wrong password or no key found'), undefined);
    assert.equal(parseBackendRecovery('successfully removed 1 locks'), undefined);
  });

  test('credential rejections of S3, GCS and Azure are auth causes', () => {
    for (const cause of [
      'Stat: The request signature we calculated does not match the signature you provided.',
      'Stat: The Access Key Id you provided does not exist in our records.',
      'Stat: Access Denied.',
      'googleapi: Error 403: x@y does not have storage.objects.get access',
      'googleapi: Error 401: Invalid Credentials, authError',
      'RESPONSE 403: AuthenticationFailed',
    ]) {
      assert.equal(classifyBackendCause(cause), 'auth', cause);
    }
  });

  test('a missing bucket and an invalid bucket name are their own causes; connection errors are transient', () => {
    assert.equal(classifyBackendCause('Stat: The specified bucket does not exist'), 'bucket-missing');
    assert.equal(classifyBackendCause('dial tcp 127.0.0.1:9000: connect: connection refused'), 'transient');
    assert.equal(classifyBackendCause('googleapi: Error 503: backend error'), 'transient');
    assert.equal(
      classifyBackendCause('client.GetObject: Bucket name cannot be shorter than 3 characters'),
      'invalid',
    );
  });

  test('Go durations are read to milliseconds', () => {
    assert.equal(parseGoDuration('950.433087ms'), 950.433087);
    assert.equal(parseGoDuration('1h2m3s'), 3_723_000);
    assert.ok(Number.isNaN(parseGoDuration('soon')));
  });
});

describe('locks', () => {
  const ID = 'a567af03389381f340a95f0eb701ea4d1b242cf5faf305cbef87fda075968226';

  test('a lock file as restic cat prints it', () => {
    const text =
      '{\n  "time": "2026-11-22T06:09:37.76800524Z",\n  "exclusive": false,\n  "hostname": "pod-old-1",\n  "username": "root",\n  "pid": 29839\n}';
    assert.deepEqual(parseLock(ID, text), {
      id: ID,
      time: '2026-11-22T06:09:37.76800524Z',
      exclusive: false,
      hostname: 'pod-old-1',
      username: 'root',
      pid: 29839,
    });
    assert.equal(parseLock(ID, 'not json'), undefined);
  });

  test('lock IDs are the 64-hex lines of restic list locks', () => {
    assert.deepEqual(parseLockIds(`${ID}\nwarning: something\n\n`), [ID]);
  });

  test('the holder of a refused lock is read from restic message', () => {
    const message =
      'unable to create lock in backend: repository is already locked exclusively by PID 29839 on pod-old-1 by root (UID 0, GID 0)\nlock was created at 2026-11-22 06:09:37 (1m10.4s ago)\nstorage ID a567af03';
    assert.deepEqual(parseLockHolder(message), {
      exclusive: true,
      pid: 29839,
      hostname: 'pod-old-1',
      username: 'root',
      ageMs: 70_400,
      storageId: 'a567af03',
    });
    assert.equal(parseLockHolder('Fatal: wrong password'), undefined);
  });

  test('only locks with evidence of a dead process are planned for removal', async () => {
    const now = new Date('2026-11-22T07:00:00Z');
    const lock = (hostname: string, minutesAgo: number): ResticLock => ({
      id: `${hostname}`.padEnd(64, '0'),
      time: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
      exclusive: false,
      hostname,
      username: 'root',
      pid: 7,
    });
    const plan = await planLockCleanup([lock('old', 31), lock('gone-pod', 2), lock('live-pod', 2)], {
      now,
      isHostGone: (host) => host === 'gone-pod',
    });
    assert.deepEqual(
      plan.map((j) => [j.lock.hostname, j.verdict]),
      [
        ['old', 'stale-by-age'],
        ['gone-pod', 'host-gone'],
        ['live-pod', 'keep'],
      ],
    );
  });
});
