// Output of `cairn repo …`: results on stdout (a table, or JSON with `-o json`), progress and warnings on
// stderr. Every text passes through the redactor built from the secrets the command holds, so no password
// or credential reaches a terminal or a log file, even one echoed back by restic, a backend or the API.
import type { SecretBook } from '../../repository/secret-book.ts';

export type OutputFormat = 'table' | 'json';

export function parseFormat(value: string): OutputFormat {
  if (value === 'json' || value === 'table') return value;
  throw new Error(`-o/--output must be "table" or "json", got ${JSON.stringify(value)}`);
}

interface Stream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Output {
  readonly format: OutputFormat;
  readonly #book: SecretBook;
  readonly #stdout: Stream;
  readonly #stderr: Stream;
  readonly #progress: boolean;

  constructor(
    format: OutputFormat,
    book: SecretBook,
    streams: { stdout: Stream; stderr: Stream } = { stdout: process.stdout, stderr: process.stderr },
  ) {
    this.format = format;
    this.#book = book;
    this.#stdout = streams.stdout;
    this.#stderr = streams.stderr;
    this.#progress = streams.stderr.isTTY === true;
  }

  redact(text: string): string {
    return this.#book.redact(text);
  }

  /** A progress line, on a terminal only. */
  progress(message: string): void {
    if (this.#progress) this.#stderr.write(`${this.redact(message)}\n`);
  }

  /** Always shown (stderr). */
  warn(message: string): void {
    this.#stderr.write(`warning: ${this.redact(message)}\n`);
  }

  error(message: string): void {
    this.#stderr.write(`cairn: ${this.redact(message)}\n`);
  }

  /** The result: JSON with `-o json`, else the table `render` returns. */
  result(value: unknown, render: () => string): void {
    const text = this.format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : render();
    this.#stdout.write(this.redact(text));
  }
}

/** A plain text table: columns padded to the widest cell, two spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** `1.5 KiB`-style sizes. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
