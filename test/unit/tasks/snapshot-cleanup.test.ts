import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentSnapshotIds } from '../../../src/tasks/snapshot-cleanup/plan.ts';

void test("a Snapshot's restic snapshot ids are read per component from both shapes of resticStats", () => {
  const ids = componentSnapshotIds({
    status: {
      components: {
        manifest: {
          path: 'repository/v1/frequent/manifest',
          resticStats: [{ summary: { id: 'a'.repeat(64) } }, { summary: { id: 'a'.repeat(64) } }],
        },
        dump: { path: 'repository/v1/frequent/dump', resticStats: [{ id: 'b'.repeat(8) }] },
      },
    },
  });
  assert.deepEqual(ids, [
    { component: 'dump', path: 'repository/v1/frequent/dump', ids: ['b'.repeat(8)] },
    { component: 'manifest', path: 'repository/v1/frequent/manifest', ids: ['a'.repeat(64)] },
  ]);
});

void test('a component that failed before restic wrote a snapshot has nothing to forget', () => {
  assert.deepEqual(
    componentSnapshotIds({
      status: {
        components: {
          manifest: { path: 'repository/v1/frequent/manifest', resticStats: [] },
          other: { resticStats: [{ summary: { id: 'c'.repeat(64) } }] },
        },
      },
    }),
    [],
  );
  assert.deepEqual(componentSnapshotIds({}), []);
});
