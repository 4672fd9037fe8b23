// The validation every restic argv builder applies before anything runs: IDs, tags, durations, option names,
// group-by keys, data subsets and new passwords are refused with a ResticUsageError naming the field,
// instead of being passed on for restic to misread. Pure.

import { ResticUsageError } from './errors.ts';

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const SNAPSHOT_ID = /^[0-9a-f]{8,64}$/;
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const OPTION_KEY = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/i;

/** `value` when it is not empty and holds no control character (a path, host or pattern); `what` names it. */
export function text(what: string, value: string): string {
  if (value === '') throw new ResticUsageError(`${what} must not be empty`);
  if (CONTROL_CHARS.test(value)) throw new ResticUsageError(`${what} must not contain control characters`);
  return value;
}

/** A snapshot ID or unambiguous prefix (8 to 64 lowercase hex digits), or `latest` where allowed. */
export function checkSnapshotId(value: string, options: { allowLatest: boolean }): string {
  if (options.allowLatest && value === 'latest') return value;
  if (!SNAPSHOT_ID.test(value)) {
    throw new ResticUsageError(
      `snapshot ID ${JSON.stringify(value)} must be 8 to 64 lowercase hex digits` +
        (options.allowLatest ? ' or "latest"' : ''),
    );
  }
  return value;
}

/** A restic key ID or unambiguous prefix (8 to 64 lowercase hex digits). */
export function checkKeyId(value: string): string {
  if (!SNAPSHOT_ID.test(value)) {
    throw new ResticUsageError(`key ID ${JSON.stringify(value)} must be 8 to 64 lowercase hex digits`);
  }
  return value;
}

/** A tag restic keeps as given: not empty, no control character, no comma (restic splits on commas). */
export function checkTag(value: string): string {
  text('tag', value);
  // restic splits `--tag a,b` into two tags, so a comma would silently change the meaning.
  if (value.includes(',')) throw new ResticUsageError(`tag ${JSON.stringify(value)} must not contain ","`);
  return value;
}

/** A Go duration (`30s`, `5m`, `1h30m`), as restic's `--retry-lock` takes it. */
export function checkDuration(what: string, value: string): string {
  if (!GO_DURATION.test(value)) {
    throw new ResticUsageError(
      `${what} ${JSON.stringify(value)} must be a Go duration such as 30s, 5m or 1h30m`,
    );
  }
  return value;
}

/** An extended option (`-o key=value`): a dotted or dashed name, and a value without control characters. */
export function checkOption(key: string, optionValue: string): void {
  if (!OPTION_KEY.test(key)) throw new ResticUsageError(`option name ${JSON.stringify(key)} is not valid`);
  text(`option ${key}`, optionValue);
}

/** The values without repeats, in first-seen order. */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** A restic lock ID: 8 to 64 lowercase hex digits, as `restic cat lock` takes it. */
export function checkLockId(value: string): string {
  if (!SNAPSHOT_ID.test(value)) {
    throw new ResticUsageError(`lock ID ${JSON.stringify(value)} must be 8 to 64 lowercase hex digits`);
  }
  return value;
}

/** `host`, `paths` and `tags` in any combination, comma-separated; empty string disables grouping. */
export function checkGroupBy(value: string): string {
  if (value === '') return value;
  for (const part of value.split(',')) {
    if (!['host', 'paths', 'tags'].includes(part)) {
      throw new ResticUsageError(`groupBy ${JSON.stringify(value)} may only combine host, paths and tags`);
    }
  }
  return value;
}

/** `value` when it is a safe integer of at least 1. */
export function positiveInteger(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ResticUsageError(`${what} must be a positive integer, got ${value}`);
  }
  return value;
}

/** A `--read-data-subset` value: `n/t` with 1 ≤ n ≤ t, a percentage in (0, 100], or a size. */
export function checkSubset(subset: string): string {
  const group = /^(\d+)\/(\d+)$/.exec(subset);
  if (group) {
    const n = Number(group[1]);
    const t = Number(group[2]);
    if (n >= 1 && n <= t) return subset;
  } else {
    const percent = /^(\d+(?:\.\d+)?)%$/.exec(subset);
    if (percent) {
      const p = Number(percent[1]);
      if (p > 0 && p <= 100) return subset;
    } else if (/^[1-9]\d*[KMGT]?$/i.test(subset)) {
      return subset;
    }
  }
  throw new ResticUsageError(
    `readDataSubset ${JSON.stringify(subset)} must be n/t with 1 ≤ n ≤ t, a percentage in (0, 100], or a size`,
  );
}

/**
 * Why restic could not take `password` from a password file as given, or undefined. restic trims
 * whitespace (Go's unicode.IsSpace, which also counts U+0085) and a byte-order mark around a password it
 * reads from a file, so such a password would get a key for another string.
 */
export function passwordFileProblem(password: string): string | undefined {
  if (password === '') return 'is empty';
  if (/^[\s\u0085\uFEFF]|[\s\u0085]$/u.test(password)) {
    return 'starts or ends with whitespace, which restic would strip';
  }
  return undefined;
}
