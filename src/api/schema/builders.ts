// Builders for the TypeBox schemas of Cairn's Kinds. Each builder returns a TypeBox schema whose `Static`
// type is what a reconciler reads and writes, and whose JSON is already in the shape a CRD accepts (after
// `toStructural` strips TypeBox's own markers). Descriptions are written for `kubectl explain`: every
// builder that knows allowed values, a default or a format appends them to the description, so they are
// stated the same way everywhere.
import { Type } from '@sinclair/typebox';
import type {
  Static,
  TArray,
  TBoolean,
  TInteger,
  TObject,
  TOptional,
  TProperties,
  TSchema,
  TString,
  TUnsafe,
} from '@sinclair/typebox';

/** One CEL rule of `x-kubernetes-validations`. The message names the field and says how to fix it. */
export interface ValidationRule {
  rule: string;
  message: string;
  /**
   * A CEL expression that computes the message (e.g. to name the list index at fault); the API server falls
   * back to `message` when it fails to evaluate.
   */
  messageExpression?: string;
  /** Where the error is reported, relative to the node that holds the rule (e.g. `.selector`). */
  fieldPath?: string;
  /** FieldValueDuplicate is left out on purpose: the API server drops the message of such errors. */
  reason?: 'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden';
}

/** The regular expression of a Go (metav1) duration: `30s`, `1m0s`, `1h30m`, `1.5h`, `500ms`, `0`. */
export const GO_DURATION_PATTERN = '^[-+]?(0|(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$';

/** The regular expression of a Kubernetes resource quantity (`200m`, `1Gi`, `1.5`, `1e3`). */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** Longest object name (a DNS subdomain). */
export const MAX_OBJECT_NAME = 253;
/** Longest DNS label: names that end up in label values or in other objects' names. */
export const MAX_LABEL_NAME = 63;

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** A value as a reader writes it in YAML flow style: `{allowedNamespaces: {from: Same}}`. */
function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k}: ${show(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return typeof value === 'string' && value !== '' ? value : JSON.stringify(value);
}

/** The description with the facts a builder knows appended: allowed values, default, format. */
export function describe(
  description: string,
  facts: { values?: readonly string[]; default?: unknown; format?: string } = {},
): string {
  const parts = [sentence(description)];
  if (facts.format) parts.push(sentence(facts.format));
  if (facts.values) parts.push(`One of: ${facts.values.join(', ')}.`);
  if (facts.default !== undefined) parts.push(`Defaults to ${show(facts.default)}.`);
  return parts.join(' ');
}

export interface StringOptions {
  default?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  /** A plain-words statement of the expected form, appended to the description. */
  hint?: string;
  rules?: readonly ValidationRule[];
}

export function Str(description: string, opts: StringOptions = {}): TString {
  const { hint, rules, ...rest } = opts;
  return Type.String({
    ...rest,
    description: describe(description, { default: opts.default, format: hint }),
    ...(rules && rules.length > 0 ? { 'x-kubernetes-validations': [...rules] } : {}),
  });
}

/** A name of another object, bounded so CEL rules that compare names stay cheap. */
export function Name(description: string, opts: { maxLength?: number; required?: boolean } = {}): TString {
  return Type.String({
    description: sentence(description),
    maxLength: opts.maxLength ?? MAX_OBJECT_NAME,
    ...(opts.required ? { minLength: 1 } : {}),
  });
}

/** A string restricted to `values`; its static type is the union of the values. */
export function Enum<const V extends readonly string[]>(
  values: V,
  description: string,
  opts: { default?: V[number] } = {},
): TUnsafe<V[number]> {
  return Type.Unsafe<V[number]>({
    type: 'string',
    enum: [...values],
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    description: describe(description, { values, default: opts.default }),
  });
}

export interface IntegerOptions {
  default?: number;
  minimum?: number;
  maximum?: number;
}

export function Int32(description: string, opts: IntegerOptions = {}): TInteger {
  return Type.Integer({ format: 'int32', ...opts, description: describe(description, opts) });
}

export function Int64(description: string, opts: IntegerOptions = {}): TInteger {
  return Type.Integer({ format: 'int64', ...opts, description: describe(description, opts) });
}

export function Bool(description: string, opts: { default?: boolean } = {}): TBoolean {
  return Type.Boolean({ ...opts, description: describe(description, opts) });
}

/** An RFC 3339 timestamp as the API server writes metav1.Time. */
export function DateTime(description: string): TString {
  return Type.String({ format: 'date-time', description: describe(description, { format: 'RFC 3339' }) });
}

/** A metav1.Duration: a Go duration string. */
export function Duration(description: string, opts: { default?: string } = {}): TString {
  return Type.String({
    pattern: GO_DURATION_PATTERN,
    maxLength: 64,
    ...opts,
    description: describe(description, {
      default: opts.default,
      format: 'Written as a Go duration such as 30s, 5m, 1h30m or 1m0s',
    }),
  });
}

/** A resource quantity such as `200m` or `1Gi`, as a number or a string. */
export function Quantity(description: string): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
    description: describe(description, { format: 'A Kubernetes quantity such as 500m, 2, 256Mi or 1Gi' }),
  });
}

/** A port number or a port name. */
export function IntOrString(description: string): TUnsafe<number | string> {
  return Type.Unsafe<number | string>({
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    description: sentence(description),
  });
}

/** A map of string to string (labels, annotations, node selectors, options). */
export function StringMap(description: string): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: sentence(description),
  });
}

/** A map from a name to an object of the given schema. */
export function MapOf<T extends TSchema>(value: T, description: string): TUnsafe<Record<string, Static<T>>> {
  return Type.Unsafe<Record<string, Static<T>>>({
    type: 'object',
    additionalProperties: value,
    description: sentence(description),
  });
}

/**
 * A genuinely free-form object: kept as written (unknown fields are not pruned) and not validated beyond
 * being an object. Used for task params, verifier queries and the embedded Kubernetes core types Cairn
 * passes through to pods without reading them (see docs/api.md).
 */
export function FreeForm(description: string): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
    description: sentence(description),
  });
}

/** A field the schema requires through a CEL rule, so the rejection says how to fix it. */
export interface RequiredByRule {
  field: string;
  message: string;
}

export interface ObjectOptions {
  rules?: readonly ValidationRule[];
  /**
   * Fields that stay required in the static type but are checked by a `has()` rule with its own message
   * instead of the schema's `required` list (whose message only says "Required value").
   */
  requiredByRule?: readonly RequiredByRule[];
  default?: unknown;
  /**
   * Keep fields the schema does not model (a partly modelled Kubernetes core type): the modelled fields are
   * validated, the others are stored as written.
   */
  preserveUnknownFields?: boolean;
  /** Map semantics for server-side apply: `atomic` replaces the object as a whole. */
  mapType?: 'atomic' | 'granular';
}

export function Obj<P extends TProperties>(
  properties: P,
  description: string,
  opts: ObjectOptions = {},
): TObject<P> {
  const byRule = opts.requiredByRule ?? [];
  const rules: ValidationRule[] = [
    ...byRule.map((r): ValidationRule => ({
      rule: `has(self.${r.field})`,
      message: r.message,
      fieldPath: `.${r.field}`,
      reason: 'FieldValueRequired',
    })),
    ...(opts.rules ?? []),
  ];
  // Fields required through a rule are not in `required`, so kubectl explain would not say so: the
  // description does.
  let props: TProperties = properties;
  if (byRule.length > 0) {
    props = { ...properties };
    for (const { field } of byRule) {
      const prop = props[field];
      if (!prop) throw new Error(`requiredByRule: "${field}" is not a property`);
      const text = typeof prop.description === 'string' ? prop.description : '';
      props[field] = { ...prop, description: text ? `${text} Required.` : 'Required.' };
    }
  }
  const schema = Type.Object(props as P, {
    description: describe(description, { default: opts.default }),
    ...(opts.default !== undefined ? { default: opts.default } : {}),
    ...(opts.preserveUnknownFields ? { 'x-kubernetes-preserve-unknown-fields': true } : {}),
    ...(opts.mapType ? { 'x-kubernetes-map-type': opts.mapType } : {}),
    ...(rules.length > 0 ? { 'x-kubernetes-validations': rules } : {}),
  });
  if (byRule.length > 0) {
    const names = new Set(byRule.map((r) => r.field));
    const json = schema as { required?: string[] };
    const required = (json.required ?? []).filter((r) => !names.has(r));
    if (required.length > 0) json.required = required;
    else delete json.required;
  }
  return schema;
}

export interface ListOptions {
  minItems?: number;
  maxItems?: number;
  rules?: readonly ValidationRule[];
}

export function List<T extends TSchema>(items: T, description: string, opts: ListOptions = {}): TArray<T> {
  const { rules, ...bounds } = opts;
  return Type.Array(items, {
    ...bounds,
    description: sentence(description),
    ...(rules && rules.length > 0 ? { 'x-kubernetes-validations': [...rules] } : {}),
  });
}

export function StringList(description: string, opts: ListOptions = {}): TArray<TString> {
  return List(Type.String(), description, opts);
}

/** Marks a property optional (the TypeBox modifier under a shorter name). */
export function Opt<T extends TSchema>(schema: T): TOptional<T> {
  return Type.Optional(schema) as TOptional<T>;
}

/** A schema whose static type is `T` but whose JSON is the given plain schema. */
export function Typed<T>(schema: Record<string, unknown>): TUnsafe<T> {
  return Type.Unsafe<T>(schema);
}
