import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RetentionPeriodError,
  isRetentionExpired,
  parseRetentionPeriod,
  retentionExpiry,
  retentionPeriodMinutes,
} from '../../../src/api/retention-period.ts';
import type { RetentionPeriod } from '../../../src/api/retention-period.ts';

const zero: RetentionPeriod = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0 };
const p = (fields: Partial<RetentionPeriod>): RetentionPeriod => ({ ...zero, ...fields });

void describe('parseRetentionPeriod', () => {
  void test('reads "2mo" as two months, not two minutes and a stray "o"', () => {
    assert.deepEqual(parseRetentionPeriod('2mo'), p({ months: 2 }));
  });

  void test('reads "30d12h30m" as days, hours and minutes', () => {
    assert.deepEqual(parseRetentionPeriod('30d12h30m'), p({ days: 30, hours: 12, minutes: 30 }));
  });

  const upstream: [string, Partial<RetentionPeriod>][] = [
    ['1y2mo3d4h5m', { years: 1, months: 2, days: 3, hours: 4, minutes: 5 }],
    ['7y11mo27d', { years: 7, months: 11, days: 27 }],
    ['7y27d11h', { years: 7, days: 27, hours: 11 }],
    ['7y11h15m', { years: 7, hours: 11, minutes: 15 }],
    ['11mo11d11h', { months: 11, days: 11, hours: 11 }],
    ['11mo11h11m', { months: 11, hours: 11, minutes: 11 }],
    ['5y12mo', { years: 5, months: 12 }],
    ['5y12d', { years: 5, days: 12 }],
    ['5y12h', { years: 5, hours: 12 }],
    ['5y12m', { years: 5, minutes: 12 }],
    ['6mo15d', { months: 6, days: 15 }],
    ['6mo15h', { months: 6, hours: 15 }],
    ['6mo15m', { months: 6, minutes: 15 }],
    ['6d12h', { days: 6, hours: 12 }],
    ['6d12m', { days: 6, minutes: 12 }],
    ['12h30m', { hours: 12, minutes: 30 }],
    ['10y', { years: 10 }],
    ['10mo', { months: 10 }],
    ['10d', { days: 10 }],
    ['10h', { hours: 10 }],
    ['10m', { minutes: 10 }],
    ['3w', { weeks: 3 }],
  ];
  for (const [text, fields] of upstream) {
    void test(`reads ${JSON.stringify(text)} unit by unit`, () => {
      assert.deepEqual(parseRetentionPeriod(text), p(fields));
    });
  }

  void test('accepts units in any order', () => {
    assert.deepEqual(parseRetentionPeriod('5m1y'), p({ years: 1, minutes: 5 }));
  });

  void test('accepts a minus sign on any number', () => {
    assert.deepEqual(parseRetentionPeriod('-1d'), p({ days: -1 }));
    assert.deepEqual(parseRetentionPeriod('1d-2h'), p({ days: 1, hours: -2 }));
  });

  void test('ignores whitespace around the period', () => {
    assert.deepEqual(parseRetentionPeriod('  2w\n'), p({ weeks: 2 }));
  });

  void test('stores zero, never negative zero', () => {
    assert.ok(Object.is(parseRetentionPeriod('-0d').days, 0));
  });
});

void describe('parseRetentionPeriod errors', () => {
  function rejects(text: string, token: string | undefined, fragment: RegExp) {
    assert.throws(
      () => parseRetentionPeriod(text),
      (err: unknown) => {
        assert.ok(err instanceof RetentionPeriodError);
        assert.equal(err.input, text);
        assert.equal(err.token, token);
        assert.match(err.message, fragment);
        assert.match(err.message, /accepted units are y \(365 days\), mo \(30 days\), w, d, h, m/);
        return true;
      },
    );
  }

  void test('rejects a number without a unit', () => rejects('10', '10', /"10" has no unit/));
  void test('rejects a unit without a number', () => rejects('mo', 'mo', /"mo" has no number/));
  void test('rejects an unknown unit such as "mm"', () => rejects('1mm', '1mm', /"mm" is not a unit/));
  void test('rejects an unknown unit after a valid part', () => rejects('1d3x', '3x', /"x" is not a unit/));
  void test('rejects a sign without a number', () => rejects('-d', '-d', /"-d" has no number/));
  void test('rejects the seconds unit of Go durations', () => rejects('30s', '30s', /"s" is not a unit/));
  void test('rejects a unit given twice', () => rejects('1d2d', '2d', /unit "d" is given more than once/));
  void test('rejects an empty period', () => rejects('', undefined, /it is empty/));
  void test('rejects a blank period', () => rejects('   ', undefined, /it is empty/));
  void test('rejects inner whitespace', () => rejects('1d 2h', '1d ', /"d " is not a unit/));
  void test('rejects a fraction', () => rejects('1.5d', '1.', /"\." is not a unit/));
  void test('rejects a number too large to count in minutes', () =>
    rejects('99999999999999999999y', '99999999999999999999y', /too large/));
  void test('rejects a period too long to count in minutes', () =>
    rejects('9999999999999y', undefined, /too long/));
});

void describe('retention arithmetic', () => {
  void test('counts months as 30 days and years as 365 days', () => {
    assert.equal(retentionPeriodMinutes(p({ months: 1 })), 30 * 24 * 60);
    assert.equal(retentionPeriodMinutes(p({ years: 1 })), 365 * 24 * 60);
    assert.equal(
      retentionPeriodMinutes(parseRetentionPeriod('1y1mo1w1d1h1m')),
      525600 + 43200 + 10080 + 1440 + 60 + 1,
    );
  });

  void test('computes the expiry from a creation time', () => {
    const created = new Date('2024-01-31T00:00:00Z');
    assert.equal(
      retentionExpiry(parseRetentionPeriod('1mo'), created).toISOString(),
      '2024-03-01T00:00:00.000Z',
    );
    assert.equal(
      retentionExpiry(parseRetentionPeriod('30d12h30m'), created).toISOString(),
      '2024-03-01T12:30:00.000Z',
    );
  });

  void test('keeps an object at the exact expiry and drops it one millisecond later', () => {
    const created = new Date('2024-01-01T00:00:00Z');
    const period = parseRetentionPeriod('1h');
    assert.equal(isRetentionExpired(period, created, new Date('2024-01-01T01:00:00Z')), false);
    assert.equal(isRetentionExpired(period, created, new Date('2024-01-01T01:00:00.001Z')), true);
  });

  void test('a negative period has already expired', () => {
    const now = new Date('2024-01-01T00:00:00Z');
    assert.equal(isRetentionExpired(parseRetentionPeriod('-1m'), now, now), true);
  });
});
