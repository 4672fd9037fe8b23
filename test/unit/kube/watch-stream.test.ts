import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { JsonLines, jsonLines } from '../../../src/kube/watch-stream.ts';

const events = [
  { type: 'ADDED', object: { metadata: { name: 'ä-ü-€-𝄞' } } },
  { type: 'MODIFIED', object: { data: { text: 'line\nbreak inside a string' } } },
  { type: 'DELETED', object: { metadata: { name: 'z' } } },
];
const bytes = Buffer.from(events.map((e) => JSON.stringify(e)).join('\n') + '\n');

test('events split at every byte boundary, also inside multi-byte characters, come out whole and in order', () => {
  for (let size = 1; size <= 7; size++) {
    const lines = new JsonLines();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i += size) out.push(...lines.push(bytes.subarray(i, i + size)));
    out.push(...lines.end());
    assert.deepEqual(out, events, `chunks of ${size} bytes`);
  }
});

test('a chunk holding several lines yields them all; blank lines and CRLF are ignored', () => {
  const lines = new JsonLines();
  const text = `${JSON.stringify(events[0])}\r\n\n${JSON.stringify(events[2])}\n`;
  assert.deepEqual(lines.push(Buffer.from(text)), [events[0], events[2]]);
  assert.deepEqual(lines.end(), []);
});

test('a last line without a newline is parsed at the end of the stream', async () => {
  const source = (): AsyncIterable<Buffer> =>
    Readable.from([
      Buffer.from('{"type":"ADDED",'),
      Buffer.from('"object":{}}\n{"type":"BOOK'),
      Buffer.from('MARK","object":{}}'),
    ]);
  const out: unknown[] = [];
  for await (const v of jsonLines(source())) out.push(v);
  assert.deepEqual(out, [
    { type: 'ADDED', object: {} },
    { type: 'BOOKMARK', object: {} },
  ]);
});

test('a line that is not JSON fails without quoting it', () => {
  const lines = new JsonLines();
  assert.throws(
    () => lines.push(Buffer.from('{"token":"s3cret"\n')),
    (err: Error) => {
      assert.match(err.message, /not JSON/);
      assert.doesNotMatch(err.message, /s3cret/);
      return true;
    },
  );
});
