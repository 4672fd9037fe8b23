// Byte sizes as KubeStash shows them in Snapshot, Repository and BackupStorage status: "12.222 MiB",
// "1.596 MiB", "512 B". Reading and writing the same strings keeps `kubectl get` output and any tool that
// parses it identical between KubeStash and Cairn.

export const SizeUnit = {
  B: 'B',
  KiB: 'KiB',
  MiB: 'MiB',
  GiB: 'GiB',
  TiB: 'TiB',
} as const;
export type SizeUnit = (typeof SizeUnit)[keyof typeof SizeUnit];

const UNIT_SHIFT: Readonly<Record<SizeUnit, number>> = { B: 0, KiB: 10, MiB: 20, GiB: 30, TiB: 40 };
const ACCEPTED = 'TiB, GiB, MiB, KiB, B';

export class SizeError extends Error {
  readonly input: string;
  constructor(input: string, problem: string) {
    super(
      `invalid size ${JSON.stringify(input)}: ${problem}; expected "<number> <unit>" with unit one of ${ACCEPTED}`,
    );
    this.name = 'SizeError';
    this.input = input;
  }
}

/**
 * Formats a byte count in 1024-based units with three decimals ("1.596 MiB"), or "<n> B" below 1 KiB.
 *
 * Matches KubeStash byte for byte: a unit is used only when the count is strictly greater than one of it
 * (so exactly 1024 bytes is "1024 B"), and the third decimal is rounded half to even on exact ties, as Go's
 * %.3f does (1088 bytes is "1.062 KiB").
 */
export function formatSize(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 0) {
    throw new RangeError(`size must be a non-negative integer number of bytes, got ${bytes}`);
  }
  for (const unit of [SizeUnit.TiB, SizeUnit.GiB, SizeUnit.MiB, SizeUnit.KiB] as const) {
    if (bytes > 2 ** UNIT_SHIFT[unit]) return `${fixed3(bytes, UNIT_SHIFT[unit])} ${unit}`;
  }
  return `${bytes} B`;
}

/**
 * Parses "<number> <unit>" into bytes, truncating toward zero as KubeStash does when it adds sizes up.
 * Throws SizeError naming the input and the accepted units.
 */
export function parseSize(text: string): number {
  const match = /^\s*((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s+(\S+)\s*$/.exec(text);
  if (match === null) throw new SizeError(text, 'not a number followed by a unit');
  const [, num = '', unit = ''] = match;
  if (!isSizeUnit(unit)) throw new SizeError(text, `unknown unit ${JSON.stringify(unit)}`);
  const bytes = Math.trunc(Number(num) * 2 ** UNIT_SHIFT[unit]);
  if (!Number.isSafeInteger(bytes)) throw new SizeError(text, 'too large');
  return bytes;
}

/** Adds size strings and formats the total; throws SizeError on the first unreadable one. */
export function addSizes(sizes: readonly string[]): string {
  let total = 0;
  for (const size of sizes) total += parseSize(size);
  return formatSize(total);
}

function isSizeUnit(unit: string): unit is SizeUnit {
  return Object.hasOwn(UNIT_SHIFT, unit);
}

// bytes / 2^shift to three decimals, rounding half to even on exact ties. Exact because the divisor is a
// power of two: the quotient has a finite binary expansion, so BigInt arithmetic sees the true tie.
function fixed3(bytes: number, shift: number): string {
  const scaled = BigInt(bytes) * 1000n;
  const divisor = 1n << BigInt(shift);
  let q = scaled / divisor;
  const twiceRemainder = (scaled % divisor) * 2n;
  if (twiceRemainder > divisor || (twiceRemainder === divisor && q % 2n === 1n)) q += 1n;
  const whole = q / 1000n;
  const frac = (q % 1000n).toString().padStart(3, '0');
  return `${whole}.${frac}`;
}
