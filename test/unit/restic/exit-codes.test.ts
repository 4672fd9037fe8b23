import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { classifyExit } from '../../../src/restic/exit-codes.ts';

describe('classifyExit', () => {
  test('exit 0 is success and nothing to retry', () => {
    const exit = classifyExit(0);
    assert.equal(exit.kind, 'ok');
    assert.equal(exit.success, true);
    assert.equal(exit.retryable, false);
  });

  test('exit 1 is a failure worth retrying, since backend errors are usually transient', () => {
    assert.deepEqual(
      { ...classifyExit(1) },
      {
        kind: 'failure',
        code: 1,
        signal: null,
        success: false,
        retryable: true,
        description: 'restic failed',
      },
    );
  });

  test('exit 2 is a Go runtime error', () => {
    assert.equal(classifyExit(2).kind, 'runtime-error');
    assert.equal(classifyExit(2).retryable, true);
  });

  test('exit 3 is an incomplete result that must not be repeated', () => {
    const exit = classifyExit(3);
    assert.equal(exit.kind, 'incomplete');
    assert.equal(exit.success, false);
    assert.equal(exit.retryable, false);
  });

  test('exit 10 means the repository does not exist and is terminal', () => {
    assert.equal(classifyExit(10).kind, 'repository-missing');
    assert.equal(classifyExit(10).retryable, false);
  });

  test('exit 11 means the repository is locked and is retryable', () => {
    assert.equal(classifyExit(11).kind, 'lock-failed');
    assert.equal(classifyExit(11).retryable, true);
  });

  test('exit 12 means a wrong password and is never retried', () => {
    assert.equal(classifyExit(12).kind, 'wrong-password');
    assert.equal(classifyExit(12).retryable, false);
  });

  test('exit 130 means cancelled and is terminal', () => {
    assert.equal(classifyExit(130).kind, 'cancelled');
    assert.equal(classifyExit(130).retryable, false);
  });

  test('an undocumented exit code is a terminal failure that names the code', () => {
    for (const code of [4, 9, 13, 255, -1]) {
      const exit = classifyExit(code);
      assert.equal(exit.kind, 'failure', String(code));
      assert.equal(exit.success, false);
      assert.equal(exit.retryable, false);
      assert.match(exit.description, new RegExp(`undocumented exit code ${code}`));
    }
  });

  test('ending by SIGINT or SIGTERM is a cancellation', () => {
    assert.equal(classifyExit(null, 'SIGTERM').kind, 'cancelled');
    assert.equal(classifyExit(null, 'SIGINT').kind, 'cancelled');
  });

  test('ending by SIGKILL (out of memory, node loss) is retryable and names the signal', () => {
    const exit = classifyExit(null, 'SIGKILL');
    assert.equal(exit.kind, 'killed');
    assert.equal(exit.retryable, true);
    assert.equal(exit.signal, 'SIGKILL');
    assert.match(exit.description, /SIGKILL/);
  });

  test('every outcome is exactly one of success, retryable or terminal', () => {
    for (const code of [0, 1, 2, 3, 10, 11, 12, 130, 77]) {
      const exit = classifyExit(code);
      assert.ok(!(exit.success && exit.retryable), String(code));
      assert.equal(typeof exit.description, 'string');
    }
  });
});
