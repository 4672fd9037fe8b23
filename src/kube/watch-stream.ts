// Newline-delimited JSON, as a watch stream sends it: one event per line, lines split across chunks
// anywhere (also inside a multi-byte character). Pure.

/** Splits bytes into lines and parses each non-empty one; keeps the unfinished tail for the next chunk. */
export class JsonLines {
  #pending: Buffer[] = [];

  /** The values of the lines this chunk completes. */
  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const part = chunk.subarray(start, nl);
      const line = this.#pending.length === 0 ? part : Buffer.concat([...this.#pending, part]);
      this.#pending = [];
      start = nl + 1;
      const value = parseLine(line);
      if (value !== undefined) out.push(value);
    }
    if (start < chunk.length) this.#pending.push(chunk.subarray(start));
    return out;
  }

  /** The value of a last line without a newline, if any. */
  end(): unknown[] {
    const line = Buffer.concat(this.#pending);
    this.#pending = [];
    const value = parseLine(line);
    return value === undefined ? [] : [value];
  }
}

function parseLine(line: Buffer): unknown {
  const text = line.toString('utf8').trim();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`the watch stream sent a line that is not JSON (${line.length} bytes)`);
  }
}

/** The values of a byte stream of JSON lines, parsed as the bytes arrive. */
export async function* jsonLines(source: AsyncIterable<Buffer>): AsyncGenerator<unknown> {
  const lines = new JsonLines();
  for await (const chunk of source) yield* lines.push(chunk);
  yield* lines.end();
}
