import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderYaml } from '../../../src/dump/render.ts';

test('the same object in any key order renders to the same bytes, keys sorted', () => {
  const a = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', labels: { z: '1', a: '2' } } };
  const b = { metadata: { labels: { a: '2', z: '1' }, name: 'x' }, apiVersion: 'v1', kind: 'ConfigMap' };
  assert.equal(renderYaml(a), renderYaml(b));
  assert.equal(
    renderYaml(a),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels:\n    a: "2"\n    z: "1"\n  name: x\n',
  );
});

test('strings that look like other YAML types, long lines, non-ASCII and shared values round-trip', () => {
  const shared = { k: 'v' };
  const value = {
    data: {
      yes: 'yes',
      num: '0123',
      empty: '',
      nul: 'null',
      multi: 'line 1\nline 2\n',
      long: 'x '.repeat(200),
      unicode: 'données 名前 🙂',
      colon: 'a: b',
    },
    a: shared,
    b: shared,
    list: [1, true, null, { '': 'empty key' }],
  };
  const text = renderYaml(value);
  assert.deepEqual(parse(text), value);
  assert.doesNotMatch(text, /[&*]\w/);
});
