// The list metadata (resourceVersion, continue) of a raw LIST page without parsing its items: the page
// goes on to a streaming consumer that parses it once itself. The API server writes `metadata` before
// `items`, so usually only the first bytes are looked at. Pure.

export interface ListMeta {
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

const isSpace = (b: number | undefined): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** The index just past the string that starts at `i` (a quote). */
function skipString(buf: Buffer, i: number): number {
  for (let j = i + 1; j < buf.length; j++) {
    const b = buf[j];
    if (b === BACKSLASH) j++;
    else if (b === QUOTE) return j + 1;
  }
  throw new Error('unterminated string');
}

/** The index just past the JSON value that starts at `i`. */
function skipValue(buf: Buffer, i: number): number {
  const first = buf[i];
  if (first === QUOTE) return skipString(buf, i);
  if (first === 0x7b || first === 0x5b) {
    let depth = 0;
    for (let j = i; j < buf.length; j++) {
      const b = buf[j];
      if (b === QUOTE) j = skipString(buf, j) - 1;
      else if (b === 0x7b || b === 0x5b) depth++;
      else if (b === 0x7d || b === 0x5d) if (--depth === 0) return j + 1;
    }
    throw new Error('unterminated value');
  }
  let j = i;
  while (j < buf.length && buf[j] !== 0x2c && buf[j] !== 0x7d && buf[j] !== 0x5d && !isSpace(buf[j])) j++;
  return j;
}

function skipSpace(buf: Buffer, i: number): number {
  while (isSpace(buf[i])) i++;
  return i;
}

/** The top-level `metadata` object of a JSON List, located by scanning; undefined when it has none. */
function findMetadata(buf: Buffer): unknown {
  let i = skipSpace(buf, 0);
  if (buf[i] !== 0x7b) throw new Error('not a JSON object');
  i = skipSpace(buf, i + 1);
  while (i < buf.length && buf[i] !== 0x7d) {
    const keyEnd = skipString(buf, i);
    const key = JSON.parse(buf.toString('utf8', i, keyEnd)) as string;
    i = skipSpace(buf, keyEnd);
    if (buf[i] !== 0x3a) throw new Error('expected a colon');
    const start = skipSpace(buf, i + 1);
    const end = skipValue(buf, start);
    if (key === 'metadata') return JSON.parse(buf.toString('utf8', start, end)) as unknown;
    i = skipSpace(buf, end);
    if (buf[i] === 0x2c) i = skipSpace(buf, i + 1);
  }
  return undefined;
}

/** The list metadata of a page; a body that is not a JSON object throws. */
export function listMeta(body: Buffer): ListMeta {
  let meta: unknown;
  try {
    meta = findMetadata(body);
  } catch {
    // Not what the scanner expects: let the full parser decide (and report a broken body).
    meta = (JSON.parse(body.toString('utf8')) as { metadata?: unknown }).metadata;
  }
  const m = (meta ?? {}) as { resourceVersion?: unknown; continue?: unknown; remainingItemCount?: unknown };
  const out: ListMeta = { resourceVersion: typeof m.resourceVersion === 'string' ? m.resourceVersion : '' };
  if (typeof m.continue === 'string' && m.continue !== '') out.continue = m.continue;
  if (typeof m.remainingItemCount === 'number') out.remainingItemCount = m.remainingItemCount;
  return out;
}
