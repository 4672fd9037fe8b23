import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CronError, cronProblem, nextAfter, parseCron } from '../../../src/api/cron.ts';
import { CRON_CORPUS } from './cron-corpus.ts';

void describe('cronProblem', () => {
  for (const [expr, ok] of CRON_CORPUS) {
    void test(`${ok ? 'accepts' : 'refuses'} ${JSON.stringify(expr)} as the CronJob API does`, () => {
      assert.equal(cronProblem(expr) === undefined, ok, cronProblem(expr));
    });
  }

  void test('names the field and the bound that a value breaks', () => {
    assert.equal(cronProblem('61 * * * *'), 'minute field: 61 is above the maximum 59');
    assert.equal(cronProblem('0 0 * * 7'), 'day of week field: 7 is above the maximum 6');
    assert.match(cronProblem('every five minutes') ?? '', /has 5 fields .*this one has 3/);
    assert.match(cronProblem('TZ=UTC 0 * * * *') ?? '', /time zone/);
  });

  void test('parseCron throws a CronError for a refused schedule', () => {
    assert.throws(() => parseCron('61 * * * *'), CronError);
  });
});

const at = (iso: string) => new Date(iso);
const next = (expr: string, from: string, tz?: string) => nextAfter(expr, at(from), tz)?.toISOString();

void describe('nextAfter', () => {
  void test('is the next matching minute, strictly after the given time', () => {
    assert.equal(next('*/5 * * * *', '2024-03-31T00:59:30Z'), '2024-03-31T01:00:00.000Z');
    assert.equal(next('*/5 * * * *', '2024-03-31T01:00:00Z'), '2024-03-31T01:05:00.000Z');
    assert.equal(next('0 2 * * *', '2024-12-31T03:00:00Z'), '2025-01-01T02:00:00.000Z');
  });

  void test('reads descriptors as their five-field forms', () => {
    assert.equal(next('@yearly', '2024-03-31T00:00:00Z'), '2025-01-01T00:00:00.000Z');
    assert.equal(next('@weekly', '2024-03-31T00:00:00Z'), '2024-04-07T00:00:00.000Z');
    assert.equal(next('@hourly', '2024-03-31T00:00:00Z'), '2024-03-31T01:00:00.000Z');
  });

  void test('@every runs the interval after the given time, in whole seconds, at least one second', () => {
    assert.equal(next('@every 90s', '2024-01-01T00:00:00.500Z'), '2024-01-01T00:01:30.000Z');
    assert.equal(next('@every 0', '2024-01-01T00:00:00Z'), '2024-01-01T00:00:01.000Z');
  });

  void test('a restricted day of month or of week matches either; an unstepped * in one matches both', () => {
    // 2024-03-31 is a Sunday: the 13th or a Friday, whichever comes first.
    assert.equal(next('0 0 13 * 5', '2024-03-31T01:00:00Z'), '2024-04-05T00:00:00.000Z');
    // */2 restricts the day of month, so Fridays still count.
    assert.equal(next('0 0 */2 * 5', '2024-03-31T01:00:00Z'), '2024-04-01T00:00:00.000Z');
    // * for the day of month: only Fridays.
    assert.equal(next('0 0 * * 5', '2024-03-31T01:00:00Z'), '2024-04-05T00:00:00.000Z');
  });

  void test('reads the fields in the given time zone', () => {
    assert.equal(next('0 2 * * *', '2024-06-01T12:00:00Z', 'Europe/Berlin'), '2024-06-02T00:00:00.000Z');
    assert.equal(next('0 2 * * *', '2024-06-01T12:00:00Z', 'America/New_York'), '2024-06-02T06:00:00.000Z');
  });

  void test('skips a wall time that a daylight-saving change skips, and runs a repeated one once', () => {
    // Berlin, 2024-03-31: 02:00 becomes 03:00, so 02:30 does not exist that day.
    assert.equal(next('30 2 * * *', '2024-03-30T12:00:00Z', 'Europe/Berlin'), '2024-04-01T00:30:00.000Z');
    // Berlin, 2024-10-27: 03:00 becomes 02:00, so 02:30 happens twice; the first one counts.
    assert.equal(next('30 2 * * *', '2024-10-26T12:00:00Z', 'Europe/Berlin'), '2024-10-27T00:30:00.000Z');
    assert.equal(next('30 2 * * *', '2024-10-27T00:30:00Z', 'Europe/Berlin'), '2024-10-28T01:30:00.000Z');
  });

  void test('is undefined for a schedule that never runs', () => {
    assert.equal(next('0 0 30 2 *', '2024-01-01T00:00:00Z'), undefined);
  });

  void test('refuses an unknown time zone', () => {
    assert.throws(() => nextAfter('@daily', at('2024-01-01T00:00:00Z'), 'Mars/Olympus'), CronError);
  });
});
