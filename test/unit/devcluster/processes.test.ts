import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startProcess, tailFile } from '../../../src/devcluster/processes.ts';

void test("a restarted component's failure is read from its own output, not from the runs before it", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-procs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logFile = join(dir, 'etcd.log');
  const run = (line: string) =>
    startProcess({ name: 'etcd', command: 'sh', args: ['-c', `echo '${line}'; exit 1`], logFile });

  const first = run('listen tcp 127.0.0.1:2379: bind: address already in use');
  assert.equal(first.logOffset, 0);
  await first.exited;
  const second = run('member directory is locked');
  await second.exited;

  assert.ok(second.logOffset > 0);
  assert.equal(tailFile(logFile, 30, second.logOffset), 'member directory is locked');
  assert.match(tailFile(logFile, 30), /address already in use\nmember directory is locked$/);
});
