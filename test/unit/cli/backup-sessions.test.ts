import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackupConfiguration } from '../../../src/api/kinds/backupconfiguration.ts';
import { CliInputError, selectSessions } from '../../../src/cli/backup/sessions.ts';

const bc = {
  metadata: { name: 'nightly', namespace: 'demo' },
  spec: { sessions: [{ name: 'hourly' }, { name: 'daily' }, { name: 'weekly' }] },
} as unknown as Pick<BackupConfiguration, 'metadata' | 'spec'>;

void test('without --sessions every session is selected, in the order of the configuration', () => {
  assert.deepEqual(selectSessions(bc), ['hourly', 'daily', 'weekly']);
});

void test('--sessions selects the named ones in the order of the configuration', () => {
  assert.deepEqual(selectSessions(bc, 'weekly, hourly'), ['hourly', 'weekly']);
});

void test('a session the configuration lacks, or an empty list, is refused with the names it has', () => {
  assert.throws(
    () => selectSessions(bc, 'daily,monthly'),
    (e: unknown) =>
      e instanceof CliInputError &&
      e.message.includes('"monthly"') &&
      e.message.includes('"demo/nightly"') &&
      e.message.includes('"hourly", "daily", "weekly"'),
  );
  assert.throws(() => selectSessions(bc, ' , '), /--sessions is empty/);
});
