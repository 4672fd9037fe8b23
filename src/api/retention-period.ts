// RetentionPeriod strings (RetentionPolicy `spec.maxRetentionPeriod`): a sequence of <integer><unit> such as
// "2mo", "30d12h30m" or "1y", with units y, mo, w, d, h, m. Read exactly as KubeStash reads them, so a policy
// keeps or deletes the same Snapshots under either operator.

export interface RetentionPeriod {
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
}

/** Accepted units and their length in minutes. Months and years are fixed lengths, not calendar ones. */
export const RETENTION_UNIT_MINUTES = {
  y: 365 * 24 * 60,
  mo: 30 * 24 * 60,
  w: 7 * 24 * 60,
  d: 24 * 60,
  h: 60,
  m: 1,
} as const;
export type RetentionUnit = keyof typeof RETENTION_UNIT_MINUTES;

const FIELD: Readonly<Record<RetentionUnit, keyof RetentionPeriod>> = {
  y: 'years',
  mo: 'months',
  w: 'weeks',
  d: 'days',
  h: 'hours',
  m: 'minutes',
};

const UNITS_HELP = 'accepted units are y (365 days), mo (30 days), w, d, h, m; example "30d12h30m"';

export class RetentionPeriodError extends Error {
  readonly input: string;
  /** The offending part of the input, when one part is to blame. */
  readonly token: string | undefined;
  constructor(input: string, problem: string, token?: string) {
    super(`invalid retention period ${JSON.stringify(input)}: ${problem}; ${UNITS_HELP}`);
    this.name = 'RetentionPeriodError';
    this.input = input;
    this.token = token;
  }
}

/**
 * Parses a RetentionPeriod. Units may come in any order and each number may carry a minus sign, as
 * KubeStash allows; surrounding whitespace is ignored. Throws RetentionPeriodError, naming the bad token
 * and the accepted units, for an empty string, a number without a unit, a unit without a number, an
 * unknown unit, or a unit given twice (KubeStash would silently keep the last; rejecting says what is meant).
 */
export function parseRetentionPeriod(input: string): RetentionPeriod {
  const text = input.trim();
  if (text === '') throw new RetentionPeriodError(input, 'it is empty');
  const period: RetentionPeriod = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0 };
  const seen = new Set<RetentionUnit>();
  const tokens = /(-?)([0-9]*)([^0-9-]*)/gy;
  while (tokens.lastIndex < text.length) {
    const [token = '', sign = '', digits = '', unit = ''] = tokens.exec(text) ?? [];
    if (token === '') throw new RetentionPeriodError(input, 'it cannot be read'); // unreachable: no empty token
    if (digits === '') throw new RetentionPeriodError(input, `${q(token)} has no number`, token);
    if (unit === '') throw new RetentionPeriodError(input, `${q(token)} has no unit`, token);
    if (!isRetentionUnit(unit)) throw new RetentionPeriodError(input, `${q(unit)} is not a unit`, token);
    if (seen.has(unit))
      throw new RetentionPeriodError(input, `unit ${q(unit)} is given more than once`, token);
    seen.add(unit);
    const value = (sign === '-' ? -Number(digits) : Number(digits)) || 0;
    if (!Number.isSafeInteger(value))
      throw new RetentionPeriodError(input, `${q(token)} is too large`, token);
    period[FIELD[unit]] = value;
  }
  if (!Number.isSafeInteger(retentionPeriodMinutes(period))) {
    throw new RetentionPeriodError(input, 'the period is too long');
  }
  return period;
}

/** The period's total length in minutes, with months of 30 days and years of 365 days. */
export function retentionPeriodMinutes(period: RetentionPeriod): number {
  let total = 0;
  for (const [unit, field] of Object.entries(FIELD) as [RetentionUnit, keyof RetentionPeriod][]) {
    total += period[field] * RETENTION_UNIT_MINUTES[unit];
  }
  return total;
}

/** The instant at which something created at `from` falls out of the retention period. */
export function retentionExpiry(period: RetentionPeriod, from: Date): Date {
  return new Date(from.getTime() + retentionPeriodMinutes(period) * 60_000);
}

/** True once `now` is past the expiry of something created at `createdAt`; the expiry instant itself is kept. */
export function isRetentionExpired(period: RetentionPeriod, createdAt: Date, now: Date): boolean {
  return now.getTime() > retentionExpiry(period, createdAt).getTime();
}

function isRetentionUnit(unit: string): unit is RetentionUnit {
  return Object.hasOwn(RETENTION_UNIT_MINUTES, unit);
}

function q(s: string): string {
  return JSON.stringify(s);
}
