// The bytes of a dumped object: YAML with every mapping's keys sorted, so the same object always gives the
// same bytes (the basis of stable files) whatever order the server sent its fields in. Pure.
//
// A small emitter for JSON values rather than a general YAML library: a dump renders every object of the
// cluster, and building a YAML document tree per object cost more than listing them. It is conservative:
// a string is written plain only when no YAML 1.1 or 1.2 reader could take it for anything but that
// string, multi-line text as a literal block when that is exact, and everything else double-quoted with
// JSON escapes (JSON strings are valid YAML double-quoted scalars).

/** Plain only: a letter, `_` or `/` first, then a small safe set; no `:`, `#`, quotes or brackets. */
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./=@,+ -]*$/;
/** Words that YAML 1.1 or 1.2 readers turn into booleans or null. */
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;
/** What a literal block can hold exactly: no control characters but tab, no CR, no Unicode line breaks. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const LITERAL_SAFE = /^[^\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff\ud800-\udfff]*$/;

function quote(s: string): string {
  return PLAIN.test(s) && !s.endsWith(' ') && !RESERVED.test(s) ? s : JSON.stringify(s);
}

/** A literal block (`|` or `|-`) for multi-line text, or undefined when only a quoted string is exact. */
function literal(s: string, indent: number): string | undefined {
  if (!s.includes('\n') || s.startsWith(' ') || s.startsWith('\n') || s.endsWith('\n\n')) return undefined;
  if (!LITERAL_SAFE.test(s)) return undefined;
  const keep = s.endsWith('\n');
  const body = keep ? s.slice(0, -1) : s;
  const pad = ' '.repeat(indent);
  const lines = body.split('\n').map((l) => (l === '' ? '' : pad + l));
  return `${keep ? '|' : '|-'}\n${lines.join('\n')}\n`;
}

/** A scalar (or empty collection) after `key: ` or `- `, with its line end; `indent` is for block text. */
function scalar(v: unknown, indent: number): string {
  if (v === null || v === undefined) return 'null\n';
  if (typeof v === 'boolean') return `${v}\n`;
  if (typeof v === 'number') {
    // YAML 1.1 reads an exponent without a fraction ("1e+21") as a string: give it one.
    const n = JSON.stringify(v);
    return `${/e/.test(n) && !n.includes('.') ? n.replace('e', '.0e') : n}\n`;
  }
  if (typeof v === 'string') return literal(v, indent) ?? `${quote(v)}\n`;
  if (Array.isArray(v)) return '[]\n';
  return '{}\n';
}

const isBlock = (v: unknown): v is unknown[] | Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);

function mapping(o: Record<string, unknown>, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    const v = o[k];
    if (!isBlock(v)) out.push(`${pad}${quote(k)}: ${scalar(v, indent + 2)}`);
    else if (Array.isArray(v)) {
      out.push(`${pad}${quote(k)}:\n`);
      sequence(v, indent + 2, out);
    } else {
      out.push(`${pad}${quote(k)}:\n`);
      mapping(v, indent + 2, out);
    }
  }
}

function sequence(a: readonly unknown[], indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const v of a) {
    if (!isBlock(v)) out.push(`${pad}- ${scalar(v, indent + 2)}`);
    else if (Array.isArray(v)) {
      out.push(`${pad}-\n`);
      sequence(v, indent + 2, out);
    } else {
      // The first entry of a mapping item shares the dash's line.
      const start = out.length;
      mapping(v, indent + 2, out);
      out[start] = `${pad}- ${(out[start] ?? '').slice(indent + 2)}`;
    }
  }
}

/** Deterministic YAML of a JSON value: sorted keys, no anchors, no folding, a final newline. */
export function renderYaml(value: unknown): string {
  const out: string[] = [];
  if (Array.isArray(value) && value.length > 0) sequence(value, 0, out);
  else if (isBlock(value)) mapping(value as Record<string, unknown>, 0, out);
  else out.push(scalar(value, 2));
  return out.join('');
}
