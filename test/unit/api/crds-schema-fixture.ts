// Lookups shared by the CRD schema unit tests (crds-schema-kinds, -generated, -rules): a Kind's definition, its
// generated root schema, the schema node at a path, and a node's CEL rules.
import assert from 'node:assert/strict';
import { ALL_KINDS } from '../../../src/api/kinds/index.ts';
import { buildCrd } from '../../../src/api/schema/crd.ts';
import type { KindDefinition } from '../../../src/api/schema/crd.ts';
import { walkSchema } from '../../../src/api/schema/structural.ts';
import type { JsonSchemaProps } from '../../../src/api/schema/structural.ts';

export function def(kind: string): KindDefinition {
  const d = ALL_KINDS.find((k) => k.kind === kind);
  assert.ok(d, `no Kind ${kind}`);
  return d;
}

export function rootSchema(kind: string): JsonSchemaProps {
  const crd = buildCrd(def(kind)) as {
    spec: { versions: { schema: { openAPIV3Schema: JsonSchemaProps } }[] };
  };
  const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema);
  return schema;
}

export function nodeAt(kind: string, path: string): JsonSchemaProps {
  let found: JsonSchemaProps | undefined;
  walkSchema(rootSchema(kind), (node, p) => {
    if (p === path) found = node;
  });
  assert.ok(found, `${kind}: no schema at ${path}`);
  return found;
}

export type Rule = { rule: string; message: string };
export function rulesOf(node: JsonSchemaProps): Rule[] {
  return (node['x-kubernetes-validations'] as Rule[] | undefined) ?? [];
}
