import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { ResticOutputParser, parseResticLine } from '../../../src/restic/json-lines.ts';
import type { ResticEvent } from '../../../src/restic/events.ts';

const STATUS =
  '{"message_type":"status","seconds_elapsed":2,"seconds_remaining":3,"percent_done":0.4,"total_files":10,' +
  '"files_done":4,"total_bytes":1000,"bytes_done":400,"error_count":1,"current_files":["/d/a.yaml"]}';
const SUMMARY =
  '{"message_type":"summary","files_new":3,"files_changed":1,"files_unmodified":6,"dirs_new":2,' +
  '"dirs_changed":0,"dirs_unmodified":4,"data_blobs":4,"tree_blobs":3,"data_added":2048,"data_added_packed":900,' +
  '"total_files_processed":10,"total_bytes_processed":4096,"total_duration":1.25,' +
  '"backup_start":"2026-07-01T10:00:00.1Z","backup_end":"2026-07-01T10:00:01.35Z",' +
  '"snapshot_id":"4f2a9c1e7b3d5f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718"}';

function feedAll(parser: ResticOutputParser, chunks: [string, 'stdout' | 'stderr'][]): ResticEvent[] {
  const events: ResticEvent[] = [];
  for (const [chunk, stream] of chunks) events.push(...parser.push(chunk, stream));
  events.push(...parser.end());
  return events;
}

describe('backup output', () => {
  test('a status line becomes a typed progress event', () => {
    assert.deepEqual(parseResticLine(STATUS), {
      type: 'status',
      stream: 'stdout',
      secondsElapsed: 2,
      secondsRemaining: 3,
      percentDone: 0.4,
      totalFiles: 10,
      filesDone: 4,
      totalBytes: 1000,
      bytesDone: 400,
      errorCount: 1,
      currentFiles: ['/d/a.yaml'],
    });
  });

  test('the summary carries the snapshot ID, file counts, sizes and times', () => {
    const event = parseResticLine(SUMMARY);
    assert.equal(event?.type, 'summary');
    assert.ok(event?.type === 'summary');
    assert.equal(event.snapshotId, '4f2a9c1e7b3d5f60a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718');
    assert.equal(event.filesNew, 3);
    assert.equal(event.filesChanged, 1);
    assert.equal(event.filesUnmodified, 6);
    assert.equal(event.dataAdded, 2048);
    assert.equal(event.dataAddedPacked, 900);
    assert.equal(event.totalBytesProcessed, 4096);
    assert.equal(event.totalDuration, 1.25);
    assert.equal(event.backupStart, '2026-07-01T10:00:00.1Z');
    assert.equal(event.backupEnd, '2026-07-01T10:00:01.35Z');
    assert.equal(event.dryRun, false);
  });

  test('fields restic omits because they are zero read as zero, and a skipped snapshot has no ID', () => {
    const event = parseResticLine('{"message_type":"summary","dry_run":true,"total_duration":0.1}');
    assert.ok(event?.type === 'summary');
    assert.equal(event.filesNew, 0);
    assert.equal(event.snapshotId, undefined);
    assert.equal(event.backupStart, undefined);
    assert.equal(event.dryRun, true);
  });

  test('mistyped fields read as defaults instead of throwing', () => {
    const event = parseResticLine('{"message_type":"status","percent_done":"half","current_files":[1,"/x"]}');
    assert.ok(event?.type === 'status');
    assert.equal(event.percentDone, 0);
    assert.deepEqual(event.currentFiles, ['/x']);
  });

  test('a backup error names the item and what restic was doing', () => {
    assert.deepEqual(
      parseResticLine(
        '{"message_type":"error","error":{"message":"open /d/x: permission denied"},"during":"archival","item":"/d/x"}',
        'stderr',
      ),
      {
        type: 'error',
        stream: 'stderr',
        message: 'open /d/x: permission denied',
        during: 'archival',
        item: '/d/x',
      },
    );
  });

  test('a verbose status reports the action on one item', () => {
    const event = parseResticLine(
      '{"message_type":"verbose_status","action":"new","item":"/d/a.yaml","duration":0.01,"data_size":120,' +
        '"data_size_in_repo":80,"metadata_size":0,"metadata_size_in_repo":0,"total_files":1}',
    );
    assert.ok(event?.type === 'verbose_status');
    assert.equal(event.action, 'new');
    assert.equal(event.item, '/d/a.yaml');
    assert.equal(event.dataSizeInRepo, 80);
  });
});

describe('other commands', () => {
  test("the exit error carries restic's exit code and message", () => {
    assert.deepEqual(
      parseResticLine(
        '{"message_type":"exit_error","code":12,"message":"Fatal: wrong password or no key found"}',
        'stderr',
      ),
      { type: 'exit_error', stream: 'stderr', code: 12, message: 'Fatal: wrong password or no key found' },
    );
  });

  test('init reports the new repository ID', () => {
    assert.deepEqual(parseResticLine('{"message_type":"initialized","id":"5e2f","repository":"/r"}'), {
      type: 'initialized',
      stream: 'stdout',
      id: '5e2f',
      repository: '/r',
    });
  });

  test('a check summary is recognised by its fields or by the command hint', () => {
    const line =
      '{"message_type":"summary","num_errors":2,"broken_packs":["ab12"],"suggest_repair_index":true,"suggest_prune":false}';
    const expected = {
      type: 'check_summary',
      stream: 'stdout',
      numErrors: 2,
      brokenPacks: ['ab12'],
      suggestRepairIndex: true,
      suggestPrune: false,
    };
    assert.deepEqual(parseResticLine(line), expected);
    assert.deepEqual(parseResticLine('{"message_type":"summary"}', 'stdout', 'check'), {
      ...expected,
      numErrors: 0,
      brokenPacks: [],
      suggestRepairIndex: false,
    });
  });

  test('a check error carries its message at the top level', () => {
    assert.deepEqual(parseResticLine('{"message_type":"error","message":"pack ab12: not found"}', 'stderr'), {
      type: 'error',
      stream: 'stderr',
      message: 'pack ab12: not found',
    });
  });

  test('restore status and summary are told apart from backup ones', () => {
    const status = parseResticLine(
      '{"message_type":"status","seconds_elapsed":1,"percent_done":0.5,"total_files":4,"files_restored":2,"total_bytes":10,"bytes_restored":5}',
    );
    assert.equal(status?.type, 'restore_status');
    const summary = parseResticLine('{"message_type":"summary","total_files":4}', 'stdout', 'restore');
    assert.ok(summary?.type === 'restore_summary');
    assert.equal(summary.totalFiles, 4);
    assert.equal(summary.filesRestored, 0);
  });

  test('with a backup hint a summary is a backup summary whatever its fields', () => {
    assert.equal(
      parseResticLine('{"message_type":"summary","files_restored":1}', 'stdout', 'backup')?.type,
      'summary',
    );
  });

  test('JSON without a known message type is surfaced as raw JSON', () => {
    assert.deepEqual(parseResticLine('[{"id":"ab"}]'), {
      type: 'json',
      stream: 'stdout',
      value: [{ id: 'ab' }],
    });
    assert.deepEqual(parseResticLine('{"message_type":"change","path":"/a","modifier":"+"}'), {
      type: 'json',
      stream: 'stdout',
      messageType: 'change',
      value: { message_type: 'change', path: '/a', modifier: '+' },
    });
  });
});

describe('text and framing', () => {
  test('a line that is not JSON is a text event, never an exception', () => {
    for (const line of [
      'created restic repository 5e2f at /r',
      '{not json',
      '[0:00] 100.00%  1 / 1 packs',
      'null',
    ]) {
      assert.deepEqual(parseResticLine(line, 'stderr'), { type: 'text', stream: 'stderr', line }, line);
    }
  });

  test('blank lines produce no event', () => {
    assert.equal(parseResticLine('   '), undefined);
    assert.deepEqual(new ResticOutputParser().push('\n\r\n\n'), []);
  });

  test('a line split across chunks is parsed once, when complete', () => {
    const parser = new ResticOutputParser();
    const cut = 37;
    assert.deepEqual(parser.push(STATUS.slice(0, cut)), []);
    const events = parser.push(`${STATUS.slice(cut)}\n${SUMMARY.slice(0, 10)}`);
    assert.deepEqual(
      events.map((event) => event.type),
      ['status'],
    );
    assert.deepEqual(
      parser.push(`${SUMMARY.slice(10)}\n`).map((event) => event.type),
      ['summary'],
    );
  });

  test('several lines in one chunk come out in order', () => {
    const events = new ResticOutputParser().push(`${STATUS}\nplain text\n${SUMMARY}\n`);
    assert.deepEqual(
      events.map((event) => event.type),
      ['status', 'text', 'summary'],
    );
  });

  test('stdout and stderr are framed independently', () => {
    const parser = new ResticOutputParser();
    const events = feedAll(parser, [
      ['{"message_type":"err', 'stderr'],
      [`${STATUS}\n`, 'stdout'],
      ['or","message":"x"}\n', 'stderr'],
    ]);
    assert.deepEqual(
      events.map((event) => `${event.stream}:${event.type}`),
      ['stdout:status', 'stderr:error'],
    );
  });

  test('CRLF line endings are accepted', () => {
    const events = new ResticOutputParser().push(`${STATUS}\r\nhello\r\n`);
    assert.equal(events[0]?.type, 'status');
    assert.deepEqual(events[1], { type: 'text', stream: 'stdout', line: 'hello' });
  });

  test('end() flushes a last line without a newline', () => {
    const parser = new ResticOutputParser();
    assert.deepEqual(parser.push(SUMMARY), []);
    assert.deepEqual(
      parser.end().map((event) => event.type),
      ['summary'],
    );
    assert.deepEqual(parser.end(), []);
  });

  test('an over-long line is cut to the limit, flagged, and the parser recovers at the next line', () => {
    const parser = new ResticOutputParser({ maxLineLength: 16 });
    const events = [
      ...parser.push('x'.repeat(10)),
      ...parser.push('y'.repeat(20)),
      ...parser.push('z\nok\n'),
    ];
    assert.deepEqual(events, [
      { type: 'text', stream: 'stdout', line: `${'x'.repeat(10)}${'y'.repeat(6)}`, truncated: true },
      { type: 'text', stream: 'stdout', line: 'ok' },
    ]);
  });

  test('an over-long line that arrives whole is cut as well', () => {
    const events = new ResticOutputParser({ maxLineLength: 4 }).push('abcdefgh\n');
    assert.deepEqual(events, [{ type: 'text', stream: 'stdout', line: 'abcd', truncated: true }]);
  });

  test('an invalid line limit is refused', () => {
    assert.throws(() => new ResticOutputParser({ maxLineLength: 0 }), RangeError);
  });
});
