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
    list: [1, true, null, { '': 'empty key' }, 1e21, 1e-7, -2.5e30],
  };
  const text = renderYaml(value);
  assert.deepEqual(parse(text), value);
  assert.deepEqual(parse(text, { version: '1.1' }), value);
  assert.doesNotMatch(text, /[&*]\w/);
});

/** A small deterministic PRNG, so a failing case can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'a',
  'Z',
  '0',
  '9',
  ' ',
  '  ',
  '-',
  '_',
  '.',
  '/',
  ':',
  ': ',
  '#',
  ' #',
  '"',
  "'",
  '\\',
  '\n',
  '\n\n',
  '\t',
  '\r',
  '|',
  '>',
  '*',
  '&',
  '!',
  '%',
  '@',
  '`',
  '[',
  ']',
  '{',
  '}',
  ',',
  '?',
  '=',
  '~',
  '+',
  'é',
  '名',
  '🙂',
  '\u2028',
  '\u0085',
  '\ufeff',
  '\u0001',
  'true',
  'no',
  'null',
  'Y',
  '1e3',
  '0x1F',
  '0o7',
  '.inf',
  '.NaN',
  '12:30',
  '2026-01-01',
  '---',
  '...',
  '<<',
  '1_000',
  '+1',
  '-.5',
];

function randomString(rnd: () => number): string {
  let s = '';
  const n = Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(rnd() * PIECES.length)];
  return s;
}

function randomValue(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth > 3 || r < 0.45) {
    const k = rnd();
    if (k < 0.6) return randomString(rnd);
    if (k < 0.75) return Math.floor(rnd() * 2000) - 1000;
    if (k < 0.8) return rnd() * 1e6;
    if (k < 0.9) return rnd() < 0.5;
    return null;
  }
  if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 5); i > 0; i--) o[randomString(rnd)] = randomValue(rnd, depth + 1);
  return o;
}

test('any JSON value renders to YAML that YAML 1.2 and 1.1 readers parse back to it (randomised, seeded)', () => {
  const rnd = prng(7);
  for (let i = 0; i < 3000; i++) {
    const value = { v: randomValue(rnd, 0), list: [randomValue(rnd, 1), randomValue(rnd, 1)] };
    const text = renderYaml(value);
    assert.deepEqual(parse(text), value, `case ${i}:\n${text}`);
    assert.deepEqual(parse(text, { version: '1.1' }), value, `case ${i} (YAML 1.1):\n${text}`);
  }
});

test('multi-line text is a literal block, and plain words stay plain', () => {
  const text = renderYaml({
    script: '#!/bin/sh\necho hi\n',
    note: 'two\nlines',
    name: 'web-1',
    path: '/var/run',
  });
  assert.equal(
    text,
    'name: web-1\nnote: |-\n  two\n  lines\npath: /var/run\nscript: |\n  #!/bin/sh\n  echo hi\n',
  );
  assert.equal(
    renderYaml({ list: [{ a: 1, b: [true] }, [1]] }),
    'list:\n  - a: 1\n    b:\n      - true\n  -\n    - 1\n',
  );
});
