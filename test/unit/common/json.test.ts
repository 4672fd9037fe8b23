import assert from 'node:assert/strict';
import { test } from 'node:test';
import { holds } from '../../../src/common/json.ts';

void test('an object holds what it would be applied with, whatever else it carries', () => {
  const desired = {
    metadata: { name: 'r', labels: { a: '1' } },
    spec: { path: '/x', storageRef: { name: 's' } },
  };
  const live = {
    metadata: { name: 'r', uid: 'u', labels: { a: '1', b: '2' }, resourceVersion: '7' },
    spec: { path: '/x', storageRef: { name: 's', namespace: 'n' }, deletionPolicy: 'Delete' },
    status: { phase: 'Ready' },
  };
  assert.equal(holds(live, desired), true);
});

void test('a changed, missing or differently shaped field is not held', () => {
  const desired = { spec: { path: '/x', list: [1, 2] } };
  assert.equal(holds({ spec: { path: '/y', list: [1, 2] } }, desired), false);
  assert.equal(holds({ spec: { list: [1, 2] } }, desired), false);
  assert.equal(holds({ spec: { path: '/x', list: [1, 2, 3] } }, desired), false, 'a longer list');
  assert.equal(holds({ spec: { path: '/x', list: [2, 1] } }, desired), false, 'another order');
  assert.equal(holds({ spec: 'x' }, desired), false);
  assert.equal(holds(undefined, desired), false);
});

void test('list items hold what they are applied with, whatever defaults the server added to them', () => {
  const desired = { spec: { containers: [{ name: 'c', image: 'i', args: ['a', 'b'] }] } };
  const live = {
    spec: {
      containers: [
        {
          name: 'c',
          image: 'i',
          args: ['a', 'b'],
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
        },
      ],
    },
  };
  assert.equal(holds(live, desired), true);
  assert.equal(
    holds({ spec: { containers: [{ name: 'c', image: 'j', args: ['a', 'b'] }] } }, desired),
    false,
  );
  assert.equal(holds({ spec: { containers: [{ name: 'c', image: 'i', args: ['a'] }] } }, desired), false);
  assert.equal(holds({ spec: { containers: {} } }, desired), false);
});
