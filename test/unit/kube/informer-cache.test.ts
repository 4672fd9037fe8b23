import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { ObjectCache, objectKey, type Delta } from '../../../src/kube/cache.ts';
import type { KubeObject } from '../../../src/kube/types.ts';

const obj = (
  name: string,
  uid: string,
  rv: string,
  extra: Partial<KubeObject['metadata']> = {},
): KubeObject => ({
  metadata: { name, namespace: 'ns', uid, resourceVersion: rv, ...extra },
});

/** Deltas as short strings, e.g. `updated a 1→2`. */
const show = (deltas: Delta<KubeObject>[]): string[] =>
  deltas.map((d) =>
    d.type === 'updated'
      ? `updated ${d.oldObj.metadata?.name} ${d.oldObj.metadata?.resourceVersion}→${d.newObj.metadata?.resourceVersion}`
      : `${d.type} ${d.obj.metadata?.name} ${d.obj.metadata?.uid}`,
  );

describe('ObjectCache', () => {
  test('a watch upsert adds, updates only on a new resourceVersion, and splits a new UID into delete + add', () => {
    const c = new ObjectCache<KubeObject>();
    assert.deepEqual(show(c.upsert(obj('a', 'u1', '1'))), ['added a u1']);
    assert.deepEqual(show(c.upsert(obj('a', 'u1', '2'))), ['updated a 1→2']);
    assert.deepEqual(show(c.upsert(obj('a', 'u1', '2'))), []);
    assert.deepEqual(show(c.upsert(obj('a', 'u2', '3'))), ['deleted a u1', 'added a u2']);
    assert.equal(c.get('a', 'ns')?.metadata?.uid, 'u2');
    assert.equal(c.size, 1);
  });

  test('a watch delete delivers the final state of the cached object and forgets it', () => {
    const c = new ObjectCache<KubeObject>();
    c.upsert(obj('a', 'u1', '1'));
    const final = obj('a', 'u1', '5', { deletionTimestamp: 'now' });
    const deltas = c.remove(final);
    assert.deepEqual(show(deltas), ['deleted a u1']);
    assert.equal(deltas[0]?.type === 'deleted' && deltas[0].obj, final);
    assert.equal(c.get('a', 'ns'), undefined);
    assert.deepEqual(c.remove(final), [], 'a second delete changes nothing');
  });

  test('a relist reports what changed since the last fill: added, updated, recreated and deleted', () => {
    const c = new ObjectCache<KubeObject>();
    c.replace([
      obj('same', 'u1', '1'),
      obj('changed', 'u2', '1'),
      obj('recreated', 'u3', '1'),
      obj('gone', 'u4', '1'),
    ]);
    const deltas = c.replace([
      obj('same', 'u1', '1'),
      obj('changed', 'u2', '7'),
      obj('recreated', 'u9', '8'),
      obj('new', 'u5', '9'),
    ]);
    assert.deepEqual(show(deltas), [
      'updated changed 1→7',
      'deleted recreated u3',
      'added recreated u9',
      'added new u5',
      'deleted gone u4',
    ]);
    assert.deepEqual(c.list().map(objectKey).sort(), ['ns/changed', 'ns/new', 'ns/recreated', 'ns/same']);
  });

  test('objects are found by namespace and name, and cluster-scoped ones by name alone', () => {
    const c = new ObjectCache<KubeObject>();
    c.upsert({ metadata: { name: 'x', namespace: 'a', uid: '1', resourceVersion: '1' } });
    c.upsert({ metadata: { name: 'x', namespace: 'b', uid: '2', resourceVersion: '1' } });
    c.upsert({ metadata: { name: 'node1', uid: '3', resourceVersion: '1' } });
    assert.equal(c.get('x', 'b')?.metadata?.uid, '2');
    assert.equal(c.get('node1')?.metadata?.uid, '3');
    assert.deepEqual(
      c.list('a').map((o) => o.metadata?.uid),
      ['1'],
    );
    assert.equal(c.list().length, 3);
    assert.deepEqual(c.list('nowhere'), []);
  });

  test('indexes follow every add, change, delete and relist', () => {
    const byApp = (o: KubeObject): string[] => [o.metadata?.labels?.app ?? ''].filter(Boolean);
    const c = new ObjectCache<KubeObject>({ app: byApp });
    const names = (v: string): string[] =>
      c
        .byIndex('app', v)
        .map((o) => o.metadata?.name ?? '')
        .sort();
    c.upsert(obj('a', 'u1', '1', { labels: { app: 'web' } }));
    c.upsert(obj('b', 'u2', '1', { labels: { app: 'web' } }));
    assert.deepEqual(names('web'), ['a', 'b']);
    c.upsert(obj('a', 'u1', '2', { labels: { app: 'db' } }));
    assert.deepEqual(names('web'), ['b']);
    assert.deepEqual(names('db'), ['a']);
    c.remove(obj('b', 'u2', '3'));
    assert.deepEqual(names('web'), []);
    c.replace([obj('c', 'u3', '4', { labels: { app: 'db' } })]);
    assert.deepEqual(names('db'), ['c']);
  });

  test('an object listed under several values of one index is found under each', () => {
    const c = new ObjectCache<KubeObject>({ finalizer: (o) => o.metadata?.finalizers ?? [] });
    c.upsert(obj('a', 'u1', '1', { finalizers: ['f1', 'f2', 'f1'] }));
    assert.equal(c.byIndex('finalizer', 'f1').length, 1);
    assert.equal(c.byIndex('finalizer', 'f2').length, 1);
  });

  test('an unknown index is an error naming it, and an index function that throws is reported', () => {
    const errors: unknown[] = [];
    const c = new ObjectCache<KubeObject>(
      {
        bad: () => {
          throw new Error('boom');
        },
      },
      (err) => errors.push(err),
    );
    c.upsert(obj('a', 'u1', '1'));
    assert.equal(c.get('a', 'ns')?.metadata?.uid, 'u1', 'the object is cached even so');
    assert.equal(errors.length, 1);
    assert.deepEqual(c.byIndex('bad', 'x'), []);
    assert.throws(() => c.byIndex('missing', 'x'), /no index named 'missing'/);
  });
});
