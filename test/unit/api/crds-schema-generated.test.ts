// Every generated CRD schema (src/api/schema): structural, every field described with its allowed values and
// defaults, unknown fields kept only where free-form, and CEL rules with fixing messages and bounded cost.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_KINDS } from '../../../src/api/kinds/index.ts';
import { walkSchema } from '../../../src/api/schema/structural.ts';
import type { JsonSchemaProps } from '../../../src/api/schema/structural.ts';
import { rootSchema, rulesOf } from './crds-schema-fixture.ts';

void describe('the generated schemas', () => {
  void test('are structural: a type on every node, nothing a CRD forbids, no unknown fields kept at the root', () => {
    for (const k of ALL_KINDS) {
      const root = rootSchema(k.kind);
      assert.equal(root['x-kubernetes-preserve-unknown-fields'], undefined, k.kind);
      walkSchema(root, (node, path) => {
        const where = `${k.kind}${path}`;
        for (const key of ['$ref', '$id', 'patternProperties', 'uniqueItems', 'const', 'allOf', 'oneOf']) {
          assert.equal(node[key], undefined, `${where}: ${key}`);
        }
        assert.notEqual(node.additionalProperties, false, where);
        assert.ok(
          !(node.properties && node.additionalProperties),
          `${where}: properties with additionalProperties`,
        );
        assert.ok(
          typeof node.type === 'string' ||
            node['x-kubernetes-int-or-string'] === true ||
            node['x-kubernetes-preserve-unknown-fields'] === true,
          `${where}: no type`,
        );
      });
    }
  });

  void test('describe every field for kubectl explain', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        const isListItemOfScalars = path.endsWith('[]') && node.type !== 'object';
        const isMapValue = path.endsWith('{}');
        if (path === '' || path === '.metadata' || isListItemOfScalars || isMapValue) return;
        assert.ok(
          typeof node.description === 'string' && node.description.length > 3,
          `${k.kind}${path}: no description`,
        );
      });
    }
  });

  void test('state allowed values and defaults in the descriptions', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        const description = typeof node.description === 'string' ? node.description : '';
        if (Array.isArray(node.enum)) assert.match(description, /One of: /, `${k.kind}${path}`);
        if (node.default !== undefined) assert.match(description, /Defaults to /, `${k.kind}${path}`);
      });
    }
  });

  void test('keep unknown fields only in free-form fields and partly modelled Kubernetes core types', () => {
    const allowed = new Set([
      'params',
      'query',
      'manifestOptions',
      'local',
      'source',
      'valueFrom',
      'securityContext',
      'containerSecurityContext',
      'seLinuxOptions',
      'appArmorProfile',
      'windowsOptions',
      'affinity',
      'livenessProbe',
      'readinessProbe',
      'lifecycle',
      'dnsConfig',
      'projected',
      'downwardAPI',
      'ephemeral',
      'components{}',
      'resticStats[]',
      'volumes[]',
      'initContainers[]',
      'topologySpreadConstraints[]',
    ]);
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        if (node['x-kubernetes-preserve-unknown-fields'] !== true) return;
        const name = path.slice(path.lastIndexOf('.') + 1);
        // metadata, spec and status of an embedded PersistentVolumeClaim (template).
        const inClaim = /olumeClaimTemplates?(\[\])?\.(metadata|spec|status)$/.test(path);
        assert.ok(allowed.has(name) || inClaim, `${k.kind}${path} keeps unknown fields`);
      });
    }
  });

  void test('have CEL messages that name the field they are about and say how to fix it', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        for (const r of rulesOf(node)) {
          assert.match(
            r.message,
            /^spec\b/,
            `${k.kind}${path}: the message should start with the field: ${r.message}`,
          );
          assert.match(
            r.message,
            /: \S/,
            `${k.kind}${path}: the message should say how to fix it: ${r.message}`,
          );
        }
      });
    }
  });

  void test('bound every list a CEL rule iterates, so the API server accepts the rule cost', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        const rules = rulesOf(node);
        if (rules.length === 0) return;
        if (node.type === 'array') assert.equal(typeof node.maxItems, 'number', `${k.kind}${path}`);
        const props = (node.properties ?? {}) as Record<string, JsonSchemaProps>;
        for (const r of rules) {
          for (const [, name] of r.rule.matchAll(/self\.(\w+)\.(?:all|exists|exists_one|map|filter)\(/g)) {
            assert.equal(
              typeof props[name ?? '']?.maxItems,
              'number',
              `${k.kind}${path}.${name} is iterated by ${r.rule}`,
            );
          }
        }
      });
    }
  });
});
