// Turns a TypeBox schema into a structural OpenAPI v3 schema the API server accepts in a CRD, and refuses
// what it would reject. TypeBox values are JSON Schema plus TypeBox's own markers (symbol keys, `$id`);
// a CRD forbids `$ref`, `additionalProperties: false`, `uniqueItems`, `patternProperties` and
// `additionalProperties` beside `properties`, and wants a `type` on every node. The output has a fixed key
// order and sorted properties, so the generated YAML is byte-for-byte deterministic.
import { isObject } from '../../common/json.ts';

export type JsonSchemaProps = { [key: string]: unknown };

export class StructuralSchemaError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`schema at ${path || '<root>'}: ${problem}`);
    this.name = 'StructuralSchemaError';
    this.path = path;
  }
}

/** The order keys are written in; anything else is refused. */
const KEY_ORDER = [
  'description',
  'type',
  'format',
  'enum',
  'default',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'minItems',
  'maxItems',
  'minProperties',
  'maxProperties',
  'nullable',
  'x-kubernetes-int-or-string',
  'anyOf',
  'items',
  'properties',
  'additionalProperties',
  'required',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-map-type',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-validations',
] as const;
const KNOWN = new Set<string>(KEY_ORDER);

/** TypeBox bookkeeping that has no meaning in a CRD. */
const STRIPPED = new Set(['$id', '$schema', 'uniqueItems', 'title', 'examples']);
/** Never valid in a structural schema (or never produced on purpose by our builders). */
const FORBIDDEN = new Set([
  '$ref',
  '$defs',
  'definitions',
  'patternProperties',
  'allOf',
  'oneOf',
  'not',
  'const',
]);

const RULE_KEY_ORDER = ['rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'optionalOldSelf'];

/** Enum branches such as TypeBox's union of literals, folded into one `enum`. */
function foldLiteralUnion(node: Record<string, unknown>): Record<string, unknown> {
  const anyOf = node.anyOf;
  if (!Array.isArray(anyOf) || !anyOf.every((b) => isObject(b) && 'const' in b)) return node;
  const values = (anyOf as Record<string, unknown>[]).map((b) => b.const);
  const types = new Set((anyOf as Record<string, unknown>[]).map((b) => b.type ?? typeof b.const));
  if (types.size !== 1) return node;
  const { anyOf: _dropped, ...rest } = node;
  return { ...rest, type: [...types][0], enum: values };
}

function convert(input: unknown, path: string): JsonSchemaProps {
  if (!isObject(input)) throw new StructuralSchemaError(path, 'not a schema object');
  let node: Record<string, unknown> = {};
  for (const key of Object.keys(input)) node[key] = input[key]; // drops TypeBox's symbol keys
  node = foldLiteralUnion(node);
  if ('const' in node) {
    const { const: value, ...rest } = node;
    node = { ...rest, enum: [value] };
  }
  if (node.additionalProperties === false) delete node.additionalProperties;
  for (const key of STRIPPED) delete node[key];
  for (const key of Object.keys(node)) {
    if (FORBIDDEN.has(key)) throw new StructuralSchemaError(path, `"${key}" is not allowed in a CRD schema`);
    if (!KNOWN.has(key)) throw new StructuralSchemaError(path, `unexpected key "${key}"`);
  }

  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (typeof node.type !== 'string' && !intOrString && !preserve) {
    throw new StructuralSchemaError(path, 'every node needs a "type"');
  }
  if (node.anyOf !== undefined && !intOrString) {
    throw new StructuralSchemaError(path, '"anyOf" is only used for int-or-string fields');
  }
  if (node.properties !== undefined && node.additionalProperties !== undefined) {
    throw new StructuralSchemaError(path, '"properties" and "additionalProperties" cannot be combined');
  }
  if (node.type === 'array' && node.items === undefined) {
    throw new StructuralSchemaError(path, 'an array needs "items"');
  }

  const out: JsonSchemaProps = {};
  for (const key of KEY_ORDER) {
    if (!(key in node)) continue;
    const value = node[key];
    switch (key) {
      case 'properties': {
        if (!isObject(value)) throw new StructuralSchemaError(path, '"properties" must be an object');
        const props: JsonSchemaProps = {};
        for (const name of Object.keys(value).sort()) props[name] = convert(value[name], `${path}.${name}`);
        out.properties = props;
        break;
      }
      case 'items':
        out.items = convert(value, `${path}[]`);
        break;
      case 'additionalProperties':
        out.additionalProperties = convert(value, `${path}{}`);
        break;
      case 'anyOf':
        out.anyOf = (value as unknown[]).map((b, i) => convert(b, `${path}.anyOf[${i}]`));
        break;
      case 'required': {
        const required = [...new Set(value as string[])].sort();
        const props = isObject(node.properties) ? node.properties : {};
        for (const name of required) {
          if (!(name in props))
            throw new StructuralSchemaError(path, `required field "${name}" is not a property`);
        }
        if (required.length > 0) out.required = required;
        break;
      }
      case 'x-kubernetes-validations':
        out[key] = (value as Record<string, unknown>[]).map((rule) => {
          const r: JsonSchemaProps = {};
          for (const k of RULE_KEY_ORDER) if (rule[k] !== undefined) r[k] = rule[k];
          return r;
        });
        break;
      default:
        out[key] = structuredClone(value);
    }
  }
  return out;
}

/** The structural form of a TypeBox schema; throws StructuralSchemaError naming the offending path. */
export function toStructural(schema: unknown): JsonSchemaProps {
  return convert(schema, '');
}

/** Visits every schema node with its path (`.spec.sessions[].name`, `{}` for map values). */
export function walkSchema(
  schema: JsonSchemaProps,
  visit: (node: JsonSchemaProps, path: string) => void,
  path = '',
): void {
  visit(schema, path);
  const props = schema.properties;
  if (isObject(props)) {
    for (const [name, child] of Object.entries(props))
      walkSchema(child as JsonSchemaProps, visit, `${path}.${name}`);
  }
  if (isObject(schema.items)) walkSchema(schema.items, visit, `${path}[]`);
  if (isObject(schema.additionalProperties)) walkSchema(schema.additionalProperties, visit, `${path}{}`);
}
