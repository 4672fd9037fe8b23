import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SizeError, addSizes, formatSize, parseSize } from '../../../src/api/size.ts';

void describe('formatSize', () => {
  void test('shows counts up to 1024 bytes in bytes', () => {
    assert.equal(formatSize(0), '0 B');
    assert.equal(formatSize(512), '512 B');
    assert.equal(formatSize(1024), '1024 B');
  });

  void test('switches to a unit only above one of it', () => {
    assert.equal(formatSize(1025), '1.001 KiB');
    assert.equal(formatSize(1024 ** 2), '1024.000 KiB');
    assert.equal(formatSize(1024 ** 2 + 1), '1.000 MiB');
    assert.equal(formatSize(1024 ** 3 + 1), '1.000 GiB');
    assert.equal(formatSize(1024 ** 4 + 1), '1.000 TiB');
    assert.equal(formatSize(5 * 1024 ** 5), '5120.000 TiB');
  });

  void test('shows three decimals', () => {
    assert.equal(formatSize(1673527), '1.596 MiB');
    assert.equal(formatSize(12815695), '12.222 MiB');
  });

  void test('rounds an exact tie on the third decimal to even, as Go does', () => {
    assert.equal(formatSize(1088), '1.062 KiB'); // 1.0625
    assert.equal(formatSize(1152 + 64 + 1024), '2.188 KiB'); // 2.1875
  });

  void test('rounds a value just above a tie up', () => {
    assert.equal(formatSize(1024 * 1024 + 1024 * 1024 * 0.0625 + 1), '1.063 MiB');
  });

  void test('rejects counts that are not non-negative integers', () => {
    assert.throws(() => formatSize(-1), RangeError);
    assert.throws(() => formatSize(1.5), RangeError);
    assert.throws(() => formatSize(Number.NaN), RangeError);
  });
});

void describe('parseSize', () => {
  void test('reads every unit KubeStash writes', () => {
    assert.equal(parseSize('512 B'), 512);
    assert.equal(parseSize('1.5 KiB'), 1536);
    assert.equal(parseSize('2 MiB'), 2 * 1024 ** 2);
    assert.equal(parseSize('1 GiB'), 1024 ** 3);
    assert.equal(parseSize('1 TiB'), 1024 ** 4);
  });

  void test('truncates a fractional byte count toward zero', () => {
    assert.equal(parseSize('1.596 MiB'), 1673527);
    assert.equal(parseSize('0.9 B'), 0);
  });

  void test('reads back what formatSize writes, to within the shown precision', () => {
    for (const bytes of [0, 1000, 4097, 123456789, 9876543210123]) {
      const text = formatSize(bytes);
      assert.equal(formatSize(parseSize(text)), text);
    }
  });

  void test('tolerates surrounding whitespace and exponent notation', () => {
    assert.equal(parseSize('  3 KiB '), 3072);
    assert.equal(parseSize('1e3 B'), 1000);
  });

  void test('rejects unknown units with an error naming the accepted ones', () => {
    assert.throws(
      () => parseSize('3 KB'),
      (err: unknown) =>
        err instanceof SizeError &&
        err.input === '3 KB' &&
        /unknown unit "KB"/.test(err.message) &&
        /TiB, GiB, MiB, KiB, B/.test(err.message),
    );
  });

  void test('rejects text that is not a number followed by a unit', () => {
    for (const bad of ['', 'MiB', '1.5MiB', '-1 KiB', 'one KiB', '1 2 KiB']) {
      assert.throws(() => parseSize(bad), SizeError, bad);
    }
  });
});

void describe('addSizes', () => {
  void test('adds sizes in any units and formats the total', () => {
    assert.equal(addSizes(['1 MiB', '1 MiB', '512 B']), '2.000 MiB');
    assert.equal(addSizes([]), '0 B');
  });

  void test('fails on the first unreadable size', () => {
    assert.throws(() => addSizes(['1 MiB', 'lots']), SizeError);
  });
});
