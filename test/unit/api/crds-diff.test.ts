import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { diffCrdDirs, diffSchemas, flattenSchema, formatReport } from '../../../tools/crd-diff.ts';

const obj = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: 'object',
  properties,
  ...extra,
});

void describe('crd-diff', () => {
  void test('flattens a schema into paths with [] for list items and {} for map values', () => {
    const paths = [
      ...flattenSchema(
        obj({
          list: { type: 'array', items: obj({ name: { type: 'string' } }) },
          map: { type: 'object', additionalProperties: { type: 'integer', format: 'int64' } },
        }),
      ).keys(),
    ];
    assert.deepEqual(paths, ['', '.list', '.list[]', '.list[].name', '.map', '.map{}']);
  });

  void test('reports fields ours lacks, fields typed differently, and fields kept loosely under a free-form field', () => {
    const upstream = obj({
      spec: obj({
        a: { type: 'string' },
        b: { type: 'integer', format: 'int64' },
        gone: { type: 'boolean' },
        affinity: obj({ nodeAffinity: obj({ x: { type: 'string' } }) }),
      }),
    });
    const ours = obj({
      spec: obj({
        a: { type: 'string' },
        b: { type: 'integer', format: 'int32' },
        affinity: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      }),
    });
    const diff = diffSchemas(upstream, ours);
    assert.deepEqual(diff.missing, ['.spec.gone']);
    assert.deepEqual(diff.typeDiffers, ['.spec.b: integer/int64 → integer/int32']);
    assert.deepEqual(
      [...diff.loose],
      [['.spec.affinity', ['.spec.affinity.nodeAffinity', '.spec.affinity.nodeAffinity.x']]],
    );
  });

  void test('compares CRD directories by group and kind, including names and printer columns', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crd-diff-'));
    try {
      const crd = (plural: string, columns: string[], spec: Record<string, unknown>) =>
        stringify({
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          metadata: { name: `${plural}.g.io` },
          spec: {
            group: 'g.io',
            names: { kind: 'Thing', plural, singular: 'thing', listKind: 'ThingList' },
            scope: 'Namespaced',
            versions: [
              {
                name: 'v1',
                storage: true,
                additionalPrinterColumns: columns.map((name) => ({
                  name,
                  type: 'string',
                  jsonPath: '.spec.a',
                })),
                schema: { openAPIV3Schema: obj({ spec: obj(spec) }) },
              },
            ],
          },
        });
      const up = join(dir, 'up');
      const mine = join(dir, 'mine');
      mkdirSync(up);
      mkdirSync(mine);
      writeFileSync(
        join(up, 'thing.yaml'),
        crd('things', ['A'], { a: { type: 'string' }, b: { type: 'string' } }),
      );
      writeFileSync(join(mine, 'thing.yaml'), crd('thing', ['A', 'B'], { a: { type: 'string' } }));
      const [diff] = diffCrdDirs(up, mine);
      assert.ok(diff);
      assert.deepEqual(diff.missing, ['.spec.b']);
      assert.ok(diff.definition.some((d) => d.startsWith('names.plural')));
      assert.ok(diff.definition.some((d) => d.startsWith('printer columns')));
      assert.match(formatReport([diff]), /total: 1 kinds, 1 missing, 0 typed differently/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
