import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Type } from '@sinclair/typebox';
import { StructuralSchemaError, toStructural } from '../../../src/api/schema/structural.ts';

void describe('toStructural', () => {
  void test('drops TypeBox markers, $id, uniqueItems and additionalProperties: false', () => {
    const schema = Type.Object(
      { tags: Type.Array(Type.String(), { uniqueItems: true }) },
      { $id: 'Thing', additionalProperties: false },
    );
    assert.deepEqual(toStructural(schema), {
      type: 'object',
      properties: { tags: { type: 'array', items: { type: 'string' } } },
      required: ['tags'],
    });
  });

  void test('folds a union of string literals into an enum', () => {
    const schema = Type.Union([Type.Literal('Delete'), Type.Literal('WipeOut')]);
    assert.deepEqual(toStructural(schema), { type: 'string', enum: ['Delete', 'WipeOut'] });
  });

  void test('sorts properties and writes keys in a fixed order', () => {
    const out = toStructural(
      Type.Object(
        { b: Type.String(), a: Type.Integer({ format: 'int32', description: 'x' }) },
        { description: 'd' },
      ),
    );
    assert.deepEqual(Object.keys(out), ['description', 'type', 'properties', 'required']);
    assert.deepEqual(Object.keys(out.properties as object), ['a', 'b']);
    assert.deepEqual(Object.keys((out.properties as Record<string, object>).a ?? {}), [
      'description',
      'type',
      'format',
    ]);
  });

  void test('refuses what a structural schema forbids, naming the path', () => {
    const cases: [unknown, RegExp][] = [
      [Type.Object({ a: Type.Ref('Other') }), /\.a: "\$ref"/],
      [Type.Record(Type.String(), Type.String()), /"patternProperties"/],
      [
        { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: { type: 'string' } },
        /cannot be combined/,
      ],
      [{ type: 'object', properties: { a: {} } }, /\.a: every node needs a "type"/],
      [{ type: 'object', properties: {}, required: ['missing'] }, /required field "missing"/],
    ];
    for (const [schema, message] of cases) {
      assert.throws(
        () => toStructural(schema),
        (err: unknown) => err instanceof StructuralSchemaError && message.test(err.message),
      );
    }
  });

  void test('accepts int-or-string and preserve-unknown-fields nodes without a type', () => {
    assert.doesNotThrow(() =>
      toStructural({ 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }),
    );
    assert.doesNotThrow(() => toStructural({ 'x-kubernetes-preserve-unknown-fields': true }));
  });
});
