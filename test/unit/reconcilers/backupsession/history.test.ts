import assert from 'node:assert/strict';
import { test } from 'node:test';
import { historyToDelete } from '../../../../src/reconcilers/backupsession/history.ts';
import type { SessionObject } from '../../../../src/reconcilers/backupsession/plan.ts';

const run = (name: string, second: number, phase?: string, session = 'frequent'): SessionObject => ({
  metadata: {
    name,
    namespace: 'demo',
    creationTimestamp: `2026-01-01T00:00:${String(second).padStart(2, '0')}Z`,
  },
  spec: { invoker: { name: 'bc' }, session },
  ...(phase ? { status: { phase } } : {}),
});

void test('the finishing run and the newest finished ones up to the limit are kept; older finished ones are deleted', () => {
  const runs = [run('a', 1, 'Succeeded'), run('b', 2, 'Failed'), run('c', 3, 'Skipped'), run('d', 4)];
  assert.deepEqual(historyToDelete(run('d', 4), runs, 2), ['b', 'a']);
  assert.deepEqual(historyToDelete(run('d', 4), runs), ['c', 'b', 'a']);
});

void test('runs in progress and runs of other sessions are never deleted', () => {
  const runs = [run('a', 1), run('b', 2, 'Failed', 'hourly'), run('c', 3, 'Failed')];
  assert.deepEqual(historyToDelete(run('d', 4), runs, 1), ['c']);
  assert.deepEqual(historyToDelete(run('d', 4), runs, 0), ['c']);
});
