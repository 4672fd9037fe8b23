import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_KINDS } from '../../../src/api/kinds/index.ts';
import { crdFiles, GENERATED_HEADER } from '../../../src/api/schema/crd.ts';
import { staleFiles } from '../../../tools/gen-crds.ts';

void test('the committed deploy/crds are exactly what tools/gen-crds.ts generates (run `make generate` when this fails)', () => {
  assert.deepEqual(staleFiles(), []);
});

void test('generating twice gives the same bytes', () => {
  assert.deepEqual(crdFiles(ALL_KINDS), crdFiles(ALL_KINDS));
});

void test('every generated file is fenced as generated and lists one CRD per Kind', () => {
  const files = crdFiles(ALL_KINDS);
  for (const f of files) assert.ok(f.content.startsWith(GENERATED_HEADER), f.name);
  assert.equal(files.filter((f) => f.name !== 'kustomization.yaml').length, ALL_KINDS.length);
});
