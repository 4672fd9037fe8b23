import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listMeta } from '../../../src/kube/raw-list.ts';

const page = (meta: unknown, first: 'metadata' | 'items' = 'metadata'): Buffer => {
  const items = [
    { metadata: { name: 'a "quoted" } ] { [', resourceVersion: '1' } },
    { data: { metadata: '{' } },
  ];
  const body =
    first === 'metadata'
      ? { kind: 'ConfigMapList', apiVersion: 'v1', metadata: meta, items }
      : { kind: 'ConfigMapList', items, apiVersion: 'v1', metadata: meta };
  return Buffer.from(JSON.stringify(body, null, first === 'items' ? 1 : 0));
};

test('the resourceVersion and continue token of a page are read from its list metadata', () => {
  assert.deepEqual(listMeta(page({ resourceVersion: '42', continue: 'abc', remainingItemCount: 5 })), {
    resourceVersion: '42',
    continue: 'abc',
    remainingItemCount: 5,
  });
});

test('the last page has no continue token, also when the server sends an empty one', () => {
  assert.deepEqual(listMeta(page({ resourceVersion: '7', continue: '' })), { resourceVersion: '7' });
  assert.deepEqual(listMeta(page({ resourceVersion: '7' })), { resourceVersion: '7' });
});

test('list metadata after the items (and brackets inside strings) is still found', () => {
  assert.deepEqual(listMeta(page({ resourceVersion: '9', continue: 'c' }, 'items')), {
    resourceVersion: '9',
    continue: 'c',
  });
});

test('a body without metadata gives an empty resourceVersion; a body that is not JSON throws', () => {
  assert.deepEqual(listMeta(Buffer.from('{"items":[]}')), { resourceVersion: '' });
  assert.throws(() => listMeta(Buffer.from('<html>bad gateway</html>')));
});
