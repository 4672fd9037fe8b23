import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import { renderYaml } from '../../../src/dump/render.ts';
import { parseFastYaml } from '../../../src/restore/fast-yaml.ts';

/** The fast reader either declines or gives exactly what the yaml package gives. */
function agrees(text: string): 'read' | 'declined' {
  const fast = parseFastYaml(text);
  let full: unknown;
  let error: unknown;
  try {
    full = parse(text);
  } catch (err) {
    error = err;
  }
  if (fast === undefined) return 'declined';
  assert.equal(error, undefined, `the fast reader accepted what yaml rejects:\n${text}`);
  assert.deepEqual(fast.value, full, `different values for:\n${text}`);
  return 'read';
}

/** A small deterministic generator, so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = [
  '',
  ' ',
  'plain',
  'with space',
  'trailing ',
  ' leading',
  'a: b',
  'a:b',
  'key:',
  '- dash',
  '-dash',
  '#hash',
  'a #b',
  'a#b',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '0',
  '012',
  '0o17',
  '0x1F',
  '1e3',
  '1.5',
  '.5',
  '-.inf',
  '.NaN',
  '+12',
  '1_000',
  '2024-01-01T00:00:00Z',
  'line\nbreak',
  'line\nbreak\n',
  'ends\n\n',
  '\nstarts',
  '  indented\nblock\n',
  'tab\there',
  'quote"s',
  "apost'rophe",
  'back\\slash',
  'unicode é ☃ 😀',
  'ctl\u0001x',
  '\u2028sep',
  '{"json": true}',
  '[1, 2]',
  '*alias',
  '&anchor',
  '!tag',
  '%percent',
  '@at',
  '`tick',
  '| pipe',
  '> gt',
  '? q',
  ': colon',
  ',comma',
  'kubeadm:kubelet-config',
  'app.kubernetes.io/name',
  'x'.repeat(300),
];

function randomValue(r: () => number, depth: number): unknown {
  const k = r();
  if (depth > 3 || k < 0.45) {
    const s = r();
    if (s < 0.6) return STRINGS[Math.floor(r() * STRINGS.length)];
    if (s < 0.75) return Math.floor(r() * 100000) - 500;
    if (s < 0.8) return r() * 1e6;
    if (s < 0.85) return r() < 0.5;
    if (s < 0.9) return null;
    return s < 0.95 ? [] : {};
  }
  if (k < 0.7) return Array.from({ length: 1 + Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(r() * 4); i++)
    o[STRINGS[Math.floor(r() * STRINGS.length)] ?? 'k'] = randomValue(r, depth + 1);
  return o;
}

test('on documents Cairn renders, the fast reader gives what the yaml package gives, and declines few', () => {
  const r = rng(42);
  let read = 0;
  const total = 3000;
  for (let i = 0; i < total; i++) {
    const value = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `n${i}` },
      data: randomValue(r, 0),
    };
    if (agrees(renderYaml(value)) === 'read') read++;
  }
  console.log(`fast reader read ${read} of ${total} random rendered documents`);
  assert.ok(read > total * 0.5, `read only ${read}`);
});

test('YAML as Go writes it for Kubernetes objects is read by the fast reader', () => {
  const goStyle = [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    '  annotations:',
    '    deployment.kubernetes.io/revision: "1"',
    "    note: 'it''s'",
    '  labels:',
    '    app: my-app',
    '  name: my-deployment-a',
    '  namespace: demo-a',
    'spec:',
    '  replicas: 1',
    '  selector:',
    '    matchLabels:',
    '      app: my-app',
    '  template:',
    '    metadata:',
    '      creationTimestamp: null',
    '    spec:',
    '      containers:',
    '      - args:',
    '        - --port=8080',
    '        - -v',
    '        command:',
    '        - /bin/sh',
    '        - -c',
    '        - |',
    '          echo hello',
    '          exit 0',
    '        env:',
    '        - name: A',
    '          value: "true"',
    '        image: nginx:1.25',
    '        name: nginx',
    '        ports:',
    '        - containerPort: 80',
    '          protocol: TCP',
    '        resources: {}',
    '      tolerations: []',
    'data:',
    '  script.sh: |-',
    '    #!/bin/sh',
    '',
    '    echo "a: b" # not a comment',
    '  kept: |+',
    '    x',
    '',
    '',
    '',
  ].join('\n');
  assert.equal(agrees(goStyle), 'read');
});

test('what lies outside the subset is declined, never misread', () => {
  const cases = [
    '# comment\na: 1\n',
    'a: 1 # comment\n',
    '---\na: 1\n',
    'a: 1\n---\nb: 2\n',
    'a: [1, 2]\n',
    'a: {b: 1}\n',
    'a: &x 1\nb: *x\n',
    'a: !!str 1\n',
    'a: >\n  folded\n',
    'a: "multi\n  line"\n',
    'a: plain\n  continued\n',
    'a: 1\na: 2\n',
    '<<: {}\n',
    'a: 1\r\n',
    '\ufeffa: 1\n',
    'a: x\u0001y\n',
    'a: 1',
    '- - nested\n',
    '? complex\n: key\n',
    'a:\n\n  b: 1\n',
    'a: |2\n   x\n',
    'a:\tb\n',
    'true: 1\n',
    '1: one\n',
    '"a": 1\n"b": "\\x41"\n',
    'a: |\n\n  x\n',
    'a: b: c\n',
    `${'k'.repeat(1100)}: 1\n`,
    'plain scalar\n',
    '',
    '\n',
  ];
  for (const c of cases) agrees(c);
  assert.equal(parseFastYaml('a: 1 # comment\n'), undefined);
  assert.equal(parseFastYaml('a: plain\n  continued\n'), undefined);
});

test('the fast reader is much faster than the yaml package on dump files (times printed)', () => {
  const texts = Array.from({ length: 2000 }, (_, i) =>
    renderYaml({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: `d${i}`, namespace: 'ns', labels: { app: 'x', i: String(i) } },
      spec: {
        replicas: 2,
        template: {
          spec: {
            containers: [{ name: 'c', image: 'nginx', args: ['--a', '-b'], ports: [{ containerPort: 80 }] }],
          },
        },
      },
    }),
  );
  let t = performance.now();
  for (const s of texts) parse(s);
  const full = performance.now() - t;
  t = performance.now();
  for (const s of texts) assert.ok(parseFastYaml(s));
  const fast = performance.now() - t;
  console.log(`2000 documents: yaml ${full.toFixed(0)} ms, fast reader ${fast.toFixed(0)} ms`);
});
