// A fast reader for the plain block YAML that dumps are made of (Cairn's renderer, and Go's YAML writer
// under KubeStash): block mappings and sequences, plain, single- and double-quoted one-line scalars,
// literal blocks, `[]` and `{}`. It reads such a file about ten times faster than a general YAML library,
// which matters when a restore reads ten thousand files. Anything outside that subset (comments, flow
// collections with content, anchors, tags, folded or multi-line scalars, several documents, duplicate
// keys, CR line ends, ...) is declined, and the caller parses the file with the general library instead.
// Where it answers, it answers exactly what the `yaml` package (YAML 1.2 core schema) answers.

/** A byte-order mark, CR and other control characters: rare in dumps, and left to the full parser. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNUSUAL = /[\u0000-\u0008\u000b-\u001f\u007f\ufeff]/;

interface Line {
  indent: number;
  /** The line without its indentation. */
  text: string;
  /** The whole line, for literal blocks. */
  raw: string;
}

/** Thrown inside the reader when the text leaves the subset; never escapes it. */
class Declined extends Error {}
const decline = (): never => {
  throw new Declined();
};

/**
 * The value of a YAML document in the subset as `{ value }`, or undefined when the text is outside it (the
 * caller then uses a full YAML parser, which also reports errors).
 */
export function parseFastYaml(text: string): { value: unknown } | undefined {
  if (!text.endsWith('\n') || UNUSUAL.test(text)) return undefined;
  const lines: Line[] = [];
  for (const raw of text.slice(0, -1).split('\n')) {
    let indent = 0;
    while (raw.charCodeAt(indent) === 32) indent++;
    lines.push({ indent, text: raw.slice(indent), raw });
  }
  try {
    const r = new Reader(lines);
    const first = lines[0];
    if (!first || first.indent !== 0 || first.text === '') return undefined;
    const value = r.block(0);
    if (r.i !== lines.length) return undefined;
    return { value };
  } catch (err) {
    if (err instanceof Declined) return undefined;
    throw err;
  }
}

const isSeqItem = (t: string): boolean => t === '-' || t.startsWith('- ');
/** Where a plain key ends: the first `: `, or a final `:`. */
const plainKeyEnd = (t: string): number => {
  const i = t.indexOf(': ');
  return i >= 0 ? i : t.endsWith(':') ? t.length - 1 : -1;
};

class Reader {
  i = 0;
  private readonly lines: Line[];
  constructor(lines: Line[]) {
    this.lines = lines;
  }

  private line(): Line | undefined {
    return this.lines[this.i];
  }

  /** The mapping or sequence starting at the current line, whose indentation is `indent`. */
  block(indent: number): unknown {
    const l = this.line() ?? decline();
    if (l.text === '' || l.text.startsWith('#')) decline();
    return isSeqItem(l.text) ? this.sequence(indent) : this.mapping(indent);
  }

  private mapping(indent: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let l = this.line(); l && l.indent === indent && !isSeqItem(l.text); l = this.line()) {
      const { key, rest } = splitKey(l.text);
      if (Object.hasOwn(out, key) || key === '<<') decline();
      out[key] = this.value(rest, indent, true);
    }
    const l = this.line();
    if (l && l.indent > indent) decline();
    return out;
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    for (let l = this.line(); l && l.indent === indent && isSeqItem(l.text); l = this.line()) {
      const rest = l.text === '-' ? '' : l.text.slice(2).trimStart();
      if (
        rest !== '' &&
        (rest.startsWith('"') || rest.startsWith("'") ? quotedKeyFollows(rest) : plainKeyEnd(rest) >= 0)
      ) {
        // `- key: value`: a mapping whose first entry shares the dash's line.
        const column = l.raw.length - rest.length;
        this.lines[this.i] = { indent: column, text: rest, raw: l.raw };
        out.push(this.mapping(column));
      } else out.push(this.value(rest, indent, false));
    }
    const l = this.line();
    if (l && l.indent > indent) decline();
    return out;
  }

  /** The value after `key:` or `- ` on the current line (`rest`), consuming its lines. */
  private value(rest: string, indent: number, inMapping: boolean): unknown {
    this.i++;
    if (rest === '') {
      const next = this.line();
      if (next && next.indent > indent) return this.block(next.indent);
      if (inMapping && next && next.indent === indent && isSeqItem(next.text)) return this.sequence(indent);
      return null;
    }
    if (rest.startsWith('|')) return this.literal(rest, indent);
    const v = scalar(rest);
    const next = this.line();
    if (next && next.indent > indent) decline();
    return v;
  }

  /** A literal block (`|`, `|-`, `|+`) whose parent is at `indent`. */
  private literal(header: string, indent: number): string {
    const chomp = header.trimEnd();
    if (chomp !== '|' && chomp !== '|-' && chomp !== '|+') decline();
    const first = this.line();
    if (!first || first.text === '' || first.indent <= indent) decline();
    const m = (first as Line).indent;
    const body: string[] = [];
    for (let l = this.line(); l; l = this.line()) {
      if (l.text === '') {
        if (l.raw.length > m) decline();
        body.push('');
      } else if (l.indent >= m) body.push(l.raw.slice(m));
      else break;
      this.i++;
    }
    let last = body.length - 1;
    while (last >= 0 && body[last] === '') last--;
    const trailing = body.length - 1 - last;
    // Trailing empty lines belong to the block; the chomping indicator decides what is kept of them.
    const content = body.slice(0, last + 1).join('\n');
    if (chomp === '|-') return content;
    if (chomp === '|') return `${content}\n`;
    return `${content}\n${'\n'.repeat(trailing)}`;
  }
}

/** Whether a quoted scalar at the start of `t` is followed by `:` (so it is a key). */
function quotedKeyFollows(t: string): boolean {
  const end = quotedEnd(t);
  const after = t.slice(end);
  return after === ':' || after.startsWith(': ');
}

/** Implicit keys are limited in length; long ones are left to the full parser and its error. */
const MAX_KEY = 1000;

function splitKey(t: string): { key: string; rest: string } {
  if (t.includes('\t') || t.length === 0) decline();
  if (t.startsWith('"') || t.startsWith("'")) {
    const end = quotedEnd(t);
    const after = t.slice(end);
    if (after !== ':' && !after.startsWith(': ')) decline();
    if (end > MAX_KEY) decline();
    return { key: quoted(t.slice(0, end)), rest: after.slice(1).trim() };
  }
  const end = plainKeyEnd(t);
  if (end <= 0) decline();
  const key = t.slice(0, end);
  if (key.length > MAX_KEY || resolvePlain(key) !== key || key !== key.trimEnd()) decline();
  return { key, rest: t.slice(end + 1).trim() };
}

/** The index just past the closing quote of the quoted scalar that starts `t`. */
function quotedEnd(t: string): number {
  const q = t[0];
  for (let i = 1; i < t.length; i++) {
    if (q === '"' && t[i] === '\\') i++;
    else if (t[i] === q) {
      if (q === "'" && t[i + 1] === "'") i++;
      else return i + 1;
    }
  }
  return decline();
}

// eslint-disable-next-line no-control-regex -- control characters must be escaped in JSON strings
const JSON_ESCAPES = /^(?:[^"\\\u0000-\u001f\u007f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*$/;

function quoted(s: string): string {
  const body = s.slice(1, -1);
  if (s[0] === "'") return body.replaceAll("''", "'");
  if (!JSON_ESCAPES.test(body)) decline();
  return JSON.parse(s) as string;
}

/** A one-line scalar value: quoted, `[]`, `{}` or plain. */
function scalar(t: string): unknown {
  if (t.includes('\t')) decline();
  if (t.startsWith('"') || t.startsWith("'")) {
    const end = quotedEnd(t);
    if (t.slice(end).trim() !== '') decline();
    return quoted(t.slice(0, end));
  }
  if (t === '[]') return [];
  if (t === '{}') return {};
  return resolvePlain(t.trimEnd());
}

/** Plain scalars that start with an indicator, or hold a comment or a mapping indicator, are declined. */
const UNSAFE_PLAIN = /^[-?:,[\]{}#&*!|>'"%@`]|: |:$| #/;
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^[-+]?[0-9]+$/;
const OCT = /^0o[0-7]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const SPECIAL_FLOAT = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** A plain scalar resolved as the YAML 1.2 core schema does (in the `yaml` package's order). */
function resolvePlain(s: string): unknown {
  if (UNSAFE_PLAIN.test(s) && !/^-[^ ]/.test(s)) decline();
  if (/ #|: |:$/.test(s)) decline();
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (OCT.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (HEX.test(s)) return parseInt(s.slice(2), 16);
  if (SPECIAL_FLOAT.test(s))
    return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity;
  if (FLOAT.test(s)) return parseFloat(s);
  return s;
}
