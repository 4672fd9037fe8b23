import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { snapshotIntegrity, snapshotSize } from '../../../src/api/snapshot-summary.ts';

void describe('Snapshot integrity', () => {
  void test('is true when every component is intact', () => {
    assert.equal(snapshotIntegrity({ a: { integrity: true }, b: { integrity: true } }), true);
  });

  void test('is false when any component is not intact', () => {
    assert.equal(snapshotIntegrity({ a: { integrity: true }, b: { integrity: false } }), false);
  });

  void test('is unknown while a restic component has not reported integrity', () => {
    assert.equal(snapshotIntegrity({ a: { integrity: true }, b: { resticStats: [] } }), undefined);
  });

  void test('skips components that are not restic and report no integrity', () => {
    assert.equal(snapshotIntegrity({ a: { integrity: true }, b: {} }), true);
  });

  void test('is unknown with no components or no integrity anywhere', () => {
    assert.equal(snapshotIntegrity(undefined), undefined);
    assert.equal(snapshotIntegrity({}), undefined);
    assert.equal(snapshotIntegrity({ a: {} }), undefined);
  });
});

void describe('Snapshot size', () => {
  void test('adds component sizes and formats the total', () => {
    assert.equal(snapshotSize({ a: { size: '1.000 MiB' }, b: { size: '512 B' } }), '1.000 MiB');
    assert.equal(snapshotSize({ a: { size: '1.5 MiB' }, b: { size: '0.5 MiB' } }), '2.000 MiB');
  });

  void test('is unknown while a restic component has no size', () => {
    assert.equal(snapshotSize({ a: { size: '1 KiB' }, b: { resticStats: [{}], size: '' } }), undefined);
  });

  void test('is unknown when a size cannot be read', () => {
    assert.equal(snapshotSize({ a: { size: '12 parsecs' } }), undefined);
  });

  void test('skips components that are not restic and report no size', () => {
    assert.equal(snapshotSize({ a: { size: '2048 B' }, b: {} }), '2.000 KiB');
  });

  void test('is unknown with no components or no sizes anywhere', () => {
    assert.equal(snapshotSize(undefined), undefined);
    assert.equal(snapshotSize({ a: {} }), undefined);
  });
});
