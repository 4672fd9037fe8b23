import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Command } from 'commander';
import { storageTaskArgs } from '../../../../src/api/storage-task.ts';
import { registerStorageCommands } from '../../../../src/tasks/storage/command.ts';
import { runStorageOperation, StorageTaskError } from '../../../../src/tasks/storage/run.ts';

const work = mkdtempSync(join(tmpdir(), 'cairn-storage-task-'));
after(() => rmSync(work, { recursive: true, force: true }));
let n = 0;
function freshRoot(): string {
  const root = join(work, `root-${n++}`);
  mkdirSync(root);
  return root;
}

void describe('runStorageOperation', () => {
  void test('writes a file under the root, creating its directories', async () => {
    const root = freshRoot();
    const r = await runStorageOperation(
      root,
      { op: 'write', key: 'repo/repository.yaml' },
      Buffer.from('a: 1\n'),
    );
    assert.equal(r.written, true);
    assert.equal(readFileSync(join(root, 'repo/repository.yaml'), 'utf8'), 'a: 1\n');
  });

  void test('with ifAbsent keeps a file another cluster wrote', async () => {
    const root = freshRoot();
    writeFileSync(join(root, 'metadata.yaml'), 'theirs');
    const r = await runStorageOperation(
      root,
      { op: 'write', key: 'metadata.yaml', ifAbsent: true },
      Buffer.from('ours'),
    );
    assert.equal(r.written, false);
    assert.equal(readFileSync(join(root, 'metadata.yaml'), 'utf8'), 'theirs');
  });

  void test('removes a file, and removing a missing file succeeds', async () => {
    const root = freshRoot();
    writeFileSync(join(root, 'x.yaml'), 'x');
    await runStorageOperation(root, { op: 'remove', key: 'x.yaml' });
    assert.equal(existsSync(join(root, 'x.yaml')), false);
    await runStorageOperation(root, { op: 'remove', key: 'x.yaml' });
  });

  void test('removes a directory tree, or with an empty prefix everything under the root but the root', async () => {
    const root = freshRoot();
    mkdirSync(join(root, 'a/b'), { recursive: true });
    writeFileSync(join(root, 'a/b/f'), 'x');
    writeFileSync(join(root, 'keep'), 'x');
    assert.equal((await runStorageOperation(root, { op: 'remove-tree', prefix: 'a' })).removed, 1);
    assert.equal(existsSync(join(root, 'a')), false);
    assert.equal(existsSync(join(root, 'keep')), true);
    await runStorageOperation(root, { op: 'remove-tree', prefix: '' });
    assert.equal(existsSync(root), true);
    assert.equal(existsSync(join(root, 'keep')), false);
  });

  void test('refuses keys that escape the root, by ".." or by a symbolic link, and touches nothing', async () => {
    const root = freshRoot();
    const outside = freshRoot();
    writeFileSync(join(outside, 'f'), 'precious');
    symlinkSync(outside, join(root, 'link'));
    for (const key of ['../x', '/etc/passwd', 'a/../../x', 'link/f']) {
      await assert.rejects(
        runStorageOperation(root, { op: 'write', key }, Buffer.from('x')),
        StorageTaskError,
        key,
      );
      await assert.rejects(runStorageOperation(root, { op: 'remove', key }), StorageTaskError, key);
    }
    await assert.rejects(runStorageOperation(root, { op: 'remove-tree', prefix: '..' }), StorageTaskError);
    await runStorageOperation(root, { op: 'remove-tree', prefix: 'link' });
    assert.equal(readFileSync(join(outside, 'f'), 'utf8'), 'precious');
  });

  void test('refuses a root that does not exist: the volume is not mounted', async () => {
    await assert.rejects(
      runStorageOperation(join(work, 'missing'), { op: 'write', key: 'metadata.yaml' }, Buffer.from('x')),
      /is not a directory: is the volume mounted there\?/,
    );
  });
});

void describe('cairn storage', () => {
  async function run(args: string[], env: NodeJS.ProcessEnv, terminationLog?: string): Promise<string[]> {
    const lines: string[] = [];
    const program = new Command('cairn').exitOverride();
    registerStorageCommands(program, {
      env,
      out: (l) => lines.push(l),
      ...(terminationLog ? { terminationLog } : {}),
    });
    await program.parseAsync(args, { from: 'user' });
    return lines;
  }

  void test('writes the base64 content of the env var at the key, in the storage the roots env names', async () => {
    const root = freshRoot();
    const args = storageTaskArgs(
      { namespace: 'demo', name: 'local' },
      { op: 'write', key: 'metadata.yaml', ifAbsent: true },
    );
    const lines = await run(args, {
      CAIRN_LOCAL_STORAGE_ROOTS: `demo/local=${root}`,
      CAIRN_STORAGE_CONTENT: Buffer.from('hello: world\n').toString('base64'),
    });
    assert.equal(readFileSync(join(root, 'metadata.yaml'), 'utf8'), 'hello: world\n');
    assert.equal((JSON.parse(lines[0] ?? '{}') as { msg: string }).msg, 'file written');
  });

  void test('removes everything under the root with remove-tree --all', async () => {
    const root = freshRoot();
    writeFileSync(join(root, 'metadata.yaml'), 'x');
    await run(storageTaskArgs({ namespace: 'demo', name: 'local' }, { op: 'remove-tree', prefix: '' }), {
      CAIRN_LOCAL_STORAGE_ROOTS: `demo/local=${root}`,
    });
    assert.equal(existsSync(join(root, 'metadata.yaml')), false);
  });

  void test('a storage that is not mounted fails, and the message goes to the termination log', async () => {
    const log = join(work, 'termination-log');
    writeFileSync(log, '');
    await assert.rejects(
      run(
        ['storage', 'remove', '--storage=demo/other', '--key=x'],
        { CAIRN_LOCAL_STORAGE_ROOTS: 'demo/local=/x' },
        log,
      ),
      /BackupStorage demo\/other is not among the mounted local storages/,
    );
    assert.match(readFileSync(log, 'utf8'), /demo\/other/);
  });
});
