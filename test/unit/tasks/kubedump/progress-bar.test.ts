import assert from 'node:assert/strict';
import { test } from 'node:test';
import { progressBar, terminalLog } from '../../../../src/tasks/kubedump/progress-bar.ts';

test('the bar fills with the share of types done and names types, objects and MiB', () => {
  assert.equal(
    progressBar({ typesDone: 10, typesTotal: 40, objects: 3210, bytes: 4.1 * 1048576 }, 8),
    '[##------]  10/40 types  3,210 objects  4.1 MiB',
  );
  assert.equal(
    progressBar({ typesDone: 0, typesTotal: 0, objects: 0, bytes: 0 }, 4),
    '[----]  0/0 types  0 objects  0.0 MiB',
  );
  assert.equal(
    progressBar({ typesDone: 5, typesTotal: 5, objects: 1, bytes: 0 }, 4),
    '[####]  5/5 types  1 objects  0.0 MiB',
  );
});

test('on a terminal, progress redraws one line and the next event starts on a line of its own as JSON', () => {
  const out: string[] = [];
  const log = terminalLog(
    (s) => out.push(s),
    () => new Date('2026-12-03T00:00:00Z'),
  );
  log({ msg: 'dump progress', typesDone: 1, typesTotal: 2, objects: 5, bytes: 0, type: 'configmaps' });
  log({ msg: 'dump progress', typesDone: 2, typesTotal: 2, objects: 9, bytes: 0, type: 'secrets' });
  log({ msg: 'dump finished', objects: 9 });
  log({ msg: 'upload finished' });
  const text = out.join('');
  assert.equal((text.match(/\n/g) ?? []).length, 3, text);
  assert.ok(text.startsWith('\r['), 'the bar is redrawn in place');
  assert.ok(text.includes('2/2 types  9 objects'));
  assert.ok(text.includes('\n{"time":"2026-12-03T00:00:00.000Z","msg":"dump finished","objects":9}\n'));
  assert.ok(text.endsWith('{"time":"2026-12-03T00:00:00.000Z","msg":"upload finished"}\n'));
});
