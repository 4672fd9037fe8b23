// Cron schedules as the Kubernetes CronJob API reads them, so that admission refuses exactly the schedules a
// CronJob would refuse, and Cairn can say when a schedule runs next (`status.sessions[].nextSchedule`).
//
// The CronJob API parses `spec.schedule` with the standard parser of robfig/cron v3 and additionally refuses
// any schedule that contains "TZ" (the `TZ=` and `CRON_TZ=` prefixes; the `timeZone` field replaces them).
// The standard parser accepts:
//   - five fields separated by white space: minute (0-59), hour (0-23), day of month (1-31), month (1-12 or
//     jan-dec), day of week (0-6 or sun-sat; 7 is out of range); names in any case;
//   - in each field a comma-separated list (empty items are ignored) of `*` or `?` (every value), a number,
//     a name, a range `a-b`, each optionally followed by a step `/n` (n >= 1; `a/n` means `a-max/n`);
//   - the descriptors @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, and `@every <d>`
//     with a Go duration (`90s`, `1h30m`); durations under a second count as one second.
// The integration test of the webhooks creates CronJobs with a corpus of schedules and checks that the API
// server and `cronProblem` agree on every one.

/** A schedule that the CronJob API would refuse; the message says which part and why. */
export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

/** A parsed schedule: the allowed values of each field, or a constant interval for `@every`. */
export type CronSchedule =
  | {
      kind: 'fields';
      minute: ReadonlySet<number>;
      hour: ReadonlySet<number>;
      dayOfMonth: ReadonlySet<number>;
      month: ReadonlySet<number>;
      dayOfWeek: ReadonlySet<number>;
      /**
       * True when the day of month or the day of week is written as an unstepped `*` or `?`: then a day
       * must match both fields, otherwise either (the rule cron has always had).
       */
      dayStar: boolean;
    }
  | { kind: 'every'; everyMs: number };

interface FieldBounds {
  name: string;
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const FIELDS: readonly FieldBounds[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) },
  { name: 'day of week', min: 0, max: 6, names: Object.fromEntries(DAY_NAMES.map((n, i) => [n, i])) },
];

const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const EVERY = '@every ';

/** Go's `strconv.Atoi` on a non-negative decimal: optional `+`, ASCII digits. */
function parseNumber(text: string, f: FieldBounds, part: string): number {
  if (!/^\+?[0-9]+$/.test(text)) {
    throw new CronError(
      `${f.name} field: ${JSON.stringify(part)} is not a number${f.names ? ' or a name' : ''}`,
    );
  }
  return Number(text);
}

function parseValue(text: string, f: FieldBounds, part: string): number {
  const named = f.names?.[text.toLowerCase()];
  return named ?? parseNumber(text, f, part);
}

/** One comma-separated part of a field: its values, and whether it is an unstepped `*` or `?`. */
function parseRange(part: string, f: FieldBounds): { values: number[]; star: boolean } {
  const slash = part.split('/');
  if (slash.length > 2) throw new CronError(`${f.name} field: ${JSON.stringify(part)} has more than one "/"`);
  const [span = '', stepText] = slash;
  const bounds = span.split('-');
  let start: number;
  let end: number;
  let star = false;
  if (bounds[0] === '*' || bounds[0] === '?') {
    // As in robfig/cron, anything after `*-` is ignored.
    [start, end, star] = [f.min, f.max, true];
  } else {
    if (bounds.length > 2)
      throw new CronError(`${f.name} field: ${JSON.stringify(part)} has more than one "-"`);
    start = parseValue(bounds[0] ?? '', f, part);
    end = bounds.length === 2 ? parseValue(bounds[1] ?? '', f, part) : start;
  }
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\+?[0-9]+$/.test(stepText)) {
      throw new CronError(`${f.name} field: the step of ${JSON.stringify(part)} is not a positive number`);
    }
    step = Number(stepText);
    if (bounds.length === 1) end = f.max;
    if (step > 1) star = false;
  }
  if (start < f.min) throw new CronError(`${f.name} field: ${start} is below the minimum ${f.min}`);
  if (end > f.max) throw new CronError(`${f.name} field: ${end} is above the maximum ${f.max}`);
  if (start > end) throw new CronError(`${f.name} field: the range ${JSON.stringify(part)} runs backwards`);
  if (step === 0)
    throw new CronError(`${f.name} field: the step of ${JSON.stringify(part)} must be at least 1`);
  const values: number[] = [];
  for (let v = start; v <= end; v += step) values.push(v);
  return { values, star };
}

function parseField(text: string, f: FieldBounds): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of text.split(',').filter((p) => p !== '')) {
    const r = parseRange(part, f);
    for (const v of r.values) values.add(v);
    star ||= r.star;
  }
  return { values, star };
}

const DURATION_UNITS_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};
const MAX_DURATION_NS = 2 ** 63 - 1;

/** Go's `time.ParseDuration`, in milliseconds; throws CronError when Go would refuse the text. */
function parseGoDuration(text: string): number {
  const bad = () => new CronError(`@every: ${JSON.stringify(text)} is not a duration such as 30m or 1h30m`);
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') throw bad();
  let ns = 0;
  const term = /^([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)/;
  while (s !== '') {
    const m = term.exec(s);
    const [whole = '', frac = '', unit = ''] = m ? m.slice(1) : [];
    if (!m || (whole === '' && frac === '')) throw bad();
    ns += Number(`${whole || '0'}.${frac || '0'}`) * (DURATION_UNITS_NS[unit] ?? 0);
    s = s.slice(m[0].length);
  }
  if (ns > MAX_DURATION_NS) throw new CronError(`@every: ${JSON.stringify(text)} is too long`);
  return (sign * ns) / 1e6;
}

/** Parses a schedule as the CronJob API does; throws CronError for every schedule it refuses. */
export function parseCron(expr: string): CronSchedule {
  if (expr.includes('TZ')) {
    throw new CronError('a time zone (TZ= or CRON_TZ=) cannot be part of the schedule');
  }
  if (expr === '') throw new CronError('the schedule is empty');
  if (expr.startsWith('@')) {
    const fields = DESCRIPTORS[expr];
    if (fields !== undefined) return parseCron(fields);
    if (expr.startsWith(EVERY)) {
      // Like robfig/cron: at least one second, whole seconds.
      const ms = parseGoDuration(expr.slice(EVERY.length));
      return { kind: 'every', everyMs: Math.max(1000, ms - (ms % 1000)) };
    }
    throw new CronError(
      `${JSON.stringify(expr)} is not one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>`,
    );
  }
  const parts = expr
    .trim()
    .split(/\s+/)
    .filter((p) => p !== '');
  if (parts.length !== 5) {
    throw new CronError(
      `a schedule has 5 fields (minute, hour, day of month, month, day of week), this one has ${parts.length}`,
    );
  }
  const [minute, hour, dom, month, dow] = parts.map((p, i) => parseField(p, FIELDS[i] as FieldBounds));
  if (!minute || !hour || !dom || !month || !dow) throw new CronError('a schedule has 5 fields');
  return {
    kind: 'fields',
    minute: minute.values,
    hour: hour.values,
    dayOfMonth: dom.values,
    month: month.values,
    dayOfWeek: dow.values,
    dayStar: dom.star || dow.star,
  };
}

/** Why the CronJob API would refuse `expr`, or undefined when it accepts it. */
export function cronProblem(expr: string): string | undefined {
  try {
    parseCron(expr);
    return undefined;
  } catch (err) {
    if (err instanceof CronError) return err.message;
    throw err;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new CronError(`${JSON.stringify(timeZone)} is not a time zone name such as Europe/Berlin`);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time of `instant` in `timeZone`, as milliseconds of a UTC date with the same fields. */
function wallClock(instant: number, timeZone: string): number {
  const p = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((x) => [x.type, Number(x.value)]),
  );
  const ms = instant - Math.floor(instant / 1000) * 1000;
  return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day, p.hour, p.minute, p.second) + ms;
}

const DAY_MS = 86_400_000;

/**
 * The earliest instant whose wall-clock time in `timeZone` is `wall`, or undefined when a daylight-saving
 * change skips it. Offsets change at most once within a day around the instant, so the offsets a day
 * before and after (and at) the wall time are the only candidates.
 */
function instantOf(wall: number, timeZone: string): number | undefined {
  const offsets = new Set([wall - DAY_MS, wall, wall + DAY_MS].map((t) => wallClock(t, timeZone) - t));
  const found = [...offsets].map((o) => wall - o).filter((t) => wallClock(t, timeZone) === wall);
  return found.length > 0 ? Math.min(...found) : undefined;
}

/** Searching stops after this many years, as the CronJob controller's parser does. */
const SEARCH_YEARS = 5;

/**
 * The first time after `after` (strictly later) at which `schedule` runs, reading the fields as wall-clock
 * time in `timeZone` (an IANA name; UTC when absent); undefined when it never runs within five years (e.g.
 * `0 0 30 2 *`). On a daylight-saving change, wall times that do not exist are skipped, and a wall time that
 * occurs twice runs once, at its first occurrence. `@every d` runs `d` after `after`, in whole seconds.
 */
export function nextAfter(schedule: string | CronSchedule, after: Date, timeZone = 'UTC'): Date | undefined {
  const s = typeof schedule === 'string' ? parseCron(schedule) : schedule;
  const from = after.getTime();
  if (s.kind === 'every') return new Date(from - (from % 1000) + s.everyMs);
  const start = wallClock(from, timeZone);
  const d = new Date(start - (start % 60_000) + 60_000);
  const limit = Date.UTC(d.getUTCFullYear() + SEARCH_YEARS, d.getUTCMonth(), d.getUTCDate());
  const dayMatches = (): boolean => {
    const dom = s.dayOfMonth.has(d.getUTCDate());
    const dow = s.dayOfWeek.has(d.getUTCDay());
    return s.dayStar ? dom && dow : dom || dow;
  };
  while (d.getTime() < limit) {
    if (!s.month.has(d.getUTCMonth() + 1)) {
      d.setUTCMonth(d.getUTCMonth() + 1, 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!dayMatches()) {
      d.setUTCDate(d.getUTCDate() + 1);
      d.setUTCHours(0, 0, 0, 0);
    } else if (!s.hour.has(d.getUTCHours())) {
      d.setUTCHours(d.getUTCHours() + 1, 0, 0, 0);
    } else if (!s.minute.has(d.getUTCMinutes())) {
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
    } else {
      const instant = instantOf(d.getTime(), timeZone);
      if (instant !== undefined && instant > from) return new Date(instant);
      d.setUTCMinutes(d.getUTCMinutes() + 1, 0, 0);
    }
  }
  return undefined;
}
