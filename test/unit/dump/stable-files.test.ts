import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { StableTree } from '../../../src/dump/stable-files.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'stable-'));
  dirs.push(d);
  return d;
};
const b = (s: string): Buffer => Buffer.from(s);

test('a new file is written owner-only; the same bytes again leave it untouched', async () => {
  const root = tmp();
  const first = new StableTree(root);
  assert.equal(first.put('a/b/c.yaml', b('one')), 'written');
  await first.sweep();
  const file = join(root, 'a/b/c.yaml');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const before = statSync(file, { bigint: true });
  const second = new StableTree(root);
  assert.equal(second.put('a/b/c.yaml', b('one')), 'unchanged');
  await second.sweep();
  const after = statSync(file, { bigint: true });
  assert.equal(after.ino, before.ino);
  assert.equal(after.mtimeNs, before.mtimeNs);
  assert.equal(after.ctimeNs, before.ctimeNs);
  assert.deepEqual(second.counts, { written: 0, unchanged: 1, deleted: 0, bytes: 3 });
});

test('changed bytes rewrite the file in place', () => {
  const root = tmp();
  new StableTree(root).put('x.yaml', b('one'));
  const tree = new StableTree(root);
  assert.equal(tree.put('x.yaml', b('two!')), 'written');
  assert.equal(readFileSync(join(root, 'x.yaml'), 'utf8'), 'two!');
  assert.equal(tree.counts.written, 1);
});

test('the sweep deletes unclaimed dump files and empty directories, and leaves other files', async () => {
  const root = tmp();
  const first = new StableTree(root);
  first.put('keep/ns/a.yaml', b('a'));
  first.put('gone/ns/b.yaml', b('b'));
  first.put('keep/ns/c.yaml', b('c'));
  writeFileSync(join(root, 'notes.txt'), 'mine');
  mkdirSync(join(root, 'empty/deeper'), { recursive: true });
  const second = new StableTree(root);
  second.put('keep/ns/a.yaml', b('a'));
  await second.sweep();
  assert.ok(existsSync(join(root, 'keep/ns/a.yaml')));
  assert.ok(!existsSync(join(root, 'keep/ns/c.yaml')));
  assert.ok(!existsSync(join(root, 'gone')));
  assert.ok(!existsSync(join(root, 'empty')));
  assert.ok(existsSync(join(root, 'notes.txt')));
  assert.ok(existsSync(root));
  assert.equal(second.counts.deleted, 2);
});

test('released claims are swept unless claimed again', async () => {
  const root = tmp();
  const tree = new StableTree(root);
  tree.put('t/a.yaml', b('a'));
  tree.put('t/b.yaml', b('bb'));
  tree.release(['t/a.yaml', 't/b.yaml']);
  assert.equal(tree.counts.bytes, 0);
  assert.equal(tree.claimed('t/a.yaml'), false);
  tree.put('t/a.yaml', b('a'));
  await tree.sweep();
  assert.ok(existsSync(join(root, 't/a.yaml')));
  assert.ok(!existsSync(join(root, 't/b.yaml')));
  assert.equal(tree.counts.bytes, 1);
});

test('a dump directory that does not exist yet is created', async () => {
  const root = join(tmp(), 'manifest');
  const tree = new StableTree(root);
  await tree.sweep();
  tree.put('a.yaml', b('a'));
  assert.equal(readFileSync(join(root, 'a.yaml'), 'utf8'), 'a');
});
