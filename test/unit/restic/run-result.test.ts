// The pure half of a restic run: what is kept of its events, and how an ended process becomes a result or
// an error of which kind.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { classifyExit } from '../../../src/restic/exit-codes.ts';
import { decideOutcome, foldEvent, type RunEnd, type RunResult } from '../../../src/restic/run-result.ts';

const end = (over: Partial<RunEnd>): RunEnd => ({
  verb: 'restic backup',
  binary: 'restic',
  exit: classifyExit(0),
  code: 0,
  signal: null,
  stopDetail: '',
  ...over,
});

const empty = (): RunResult => ({
  exit: classifyExit(0),
  stdout: '',
  errors: [],
  textLines: [],
  stderrTail: '',
  durationMs: 0,
});

describe('the exit decision', () => {
  test('a binary that does not exist is spawn-failed, naming the binary', () => {
    const outcome = decideOutcome(
      end({ spawnError: { missing: true, message: 'ENOENT' }, binary: '/x/restic' }),
    );
    assert.deepEqual(outcome, {
      ok: false,
      logKind: 'spawn-failed',
      kind: 'spawn-failed',
      retryable: false,
      message: 'restic backup: the restic binary "/x/restic" was not found',
    });
  });

  test('a stop the runner caused wins over the exit the signal produced', () => {
    const outcome = decideOutcome(
      end({
        exit: classifyExit(null, 'SIGINT'),
        code: null,
        signal: 'SIGINT',
        stopReason: 'backend-auth',
        stopDetail: '403',
      }),
    );
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.kind, 'backend-auth');
    assert.equal(!outcome.ok && outcome.message, 'restic backup: the backend rejected the credentials: 403');
    assert.equal(outcome.logKind, 'backend-auth');
  });

  test("an exit the caller accepts is a result; otherwise the exit is classified with restic's last words", () => {
    const incomplete = end({ exit: classifyExit(3), code: 3, detail: 'some files could not be read' });
    assert.deepEqual(decideOutcome({ ...incomplete, acceptExit: (exit) => exit.kind === 'incomplete' }), {
      ok: true,
      logKind: 'incomplete',
    });
    const refused = decideOutcome(incomplete);
    assert.equal(!refused.ok && refused.kind, 'incomplete');
    assert.match(
      !refused.ok ? refused.message : '',
      /^restic backup: .*\(exit 3\): some files could not be read$/,
    );
  });

  test('a failed output stream fails a run that exited 0', () => {
    const outcome = decideOutcome(end({ outputError: 'output exceeded 10 bytes' }));
    assert.equal(!outcome.ok && outcome.kind, 'output-invalid');
  });
});

describe('folding events', () => {
  test('summaries are kept, stdout text is collected, stderr goes to the tail without carriage returns', () => {
    const result = empty();
    const tail: string[] = [];
    foldEvent(result, tail, { type: 'text', stream: 'stdout', line: 'saved' });
    foldEvent(result, tail, { type: 'text', stream: 'stderr', line: '\r\rwarning' });
    foldEvent(result, tail, { type: 'exit_error', stream: 'stderr', code: 1, message: 'Fatal: boom' });
    foldEvent(result, tail, { type: 'error', stream: 'stderr', message: 'unreadable', item: '/a' });
    assert.deepEqual(result.textLines, ['saved']);
    assert.equal(result.exitError, 'Fatal: boom');
    assert.deepEqual(tail, ['warning', 'Fatal: boom', '/a: unreadable']);
    for (let i = 0; i < 30; i++)
      foldEvent(result, tail, { type: 'text', stream: 'stderr', line: `line ${i}` });
    assert.equal(tail.length, 20);
    assert.equal(tail.at(-1), 'line 29');
  });
});
