// What the CRDs check on one object (src/api/schema): the defaults, required fields, immutable fields and
// uniqueness rules of the API reference, and the retention-period and Go duration patterns.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RETENTION_PERIOD_PATTERN } from '../../../src/api/kinds/retentionpolicy.ts';
import { parseRetentionPeriod } from '../../../src/api/retention-period.ts';
import { GO_DURATION_PATTERN } from '../../../src/api/schema/builders.ts';
import { nodeAt, rulesOf } from './crds-schema-fixture.ts';

void describe('single-object rules in the CRDs', () => {
  const rules = (kind: string, path: string) => rulesOf(nodeAt(kind, path)).map((r) => r.rule);

  void test('apply the defaults of the API reference', () => {
    const defaults: [string, string, unknown][] = [
      ['BackupStorage', '.spec.deletionPolicy', 'Delete'],
      ['BackupStorage', '.spec.usagePolicy', { allowedNamespaces: { from: 'Same' } }],
      ['BackupStorage', '.spec.usagePolicy.allowedNamespaces.from', 'Same'],
      ['RetentionPolicy', '.spec.failedSnapshots', { last: 1 }],
      ['RetentionPolicy', '.spec.failedSnapshots.last', 1],
      ['RetentionPolicy', '.spec.usagePolicy', { allowedNamespaces: { from: 'Same' } }],
      ['Repository', '.spec.deletionPolicy', 'Delete'],
      ['Snapshot', '.spec.deletionPolicy', 'Delete'],
      ['BackupConfiguration', '.spec.sessions[].sessionHistoryLimit', 1],
      ['BackupConfiguration', '.spec.sessions[].retryConfig.maxRetry', 1],
      ['BackupConfiguration', '.spec.sessions[].hooks.preBackup[].executionPolicy', 'Always'],
      ['BackupVerifier', '.spec.sessionHistoryLimit', 1],
      ['BackupVerifier', '.spec.retryConfig.maxRetry', 1],
      ['HookTemplate', '.spec.executor.pod.strategy', 'ExecuteOnOne'],
      ['HookTemplate', '.spec.usagePolicy.allowedNamespaces.from', 'Same'],
    ];
    for (const [kind, path, value] of defaults)
      assert.deepEqual(nodeAt(kind, path).default, value, `${kind}${path}`);
    assert.equal(nodeAt('BackupConfiguration', '.spec.sessions[].retryConfig.maxRetry').minimum, 1);
  });

  void test('require what a Kind cannot work without', () => {
    assert.ok(
      rules('RetentionPolicy', '.spec').includes(
        'has(self.maxRetentionPeriod) || has(self.successfulSnapshots)',
      ),
    );
    assert.ok(rules('BackupConfiguration', '.spec').includes('has(self.sessions)'));
    for (const field of ['scheduler', 'repositories', 'addon']) {
      assert.ok(rules('BackupConfiguration', '.spec.sessions[]').includes(`has(self.${field})`), field);
    }
    assert.ok(rules('BackupConfiguration', '.spec.sessions[].addon.tasks').includes('self.size() > 0'));
    for (const field of ['type', 'restoreOption', 'scheduler']) {
      assert.ok(rules('BackupVerifier', '.spec').includes(`has(self.${field})`), field);
    }
    assert.ok(rules('RestoreSession', '.spec').includes('has(self.dataSource)'));
  });

  void test('keep Repository spec.path and the spec of sessions immutable', () => {
    assert.equal(rules('Repository', '.spec.path')[0], 'self == oldSelf');
    assert.deepEqual(rules('BackupSession', '.spec'), ['self == oldSelf']);
    assert.deepEqual(rules('BackupVerificationSession', '.spec'), ['self == oldSelf']);
  });

  void test('check names are unique and repositories name declared backends', () => {
    assert.equal(
      rules('BackupConfiguration', '.spec.sessions').filter((r) => r.includes('exists_one')).length,
      1,
    );
    assert.equal(
      rules('BackupConfiguration', '.spec.backends').filter((r) => r.includes('exists_one')).length,
      1,
    );
    assert.equal(
      rules('BackupConfiguration', '.spec.sessions[].repositories').filter((r) => r.includes('exists_one'))
        .length,
      1,
    );
    assert.ok(rules('BackupConfiguration', '.spec').some((r) => r.includes('self.backends.exists(')));
  });
});

void describe('patterns', () => {
  const retention = new RegExp(RETENTION_PERIOD_PATTERN);
  const duration = new RegExp(GO_DURATION_PATTERN);

  void test('a retention period is accepted by the CRD exactly when the retention-period parser reads it', () => {
    const samples = [
      '2mo',
      '30d12h30m',
      '1y',
      '1y2mo3d4h5m',
      '7y11mo27d',
      '-1d',
      '5m',
      '1w',
      '2months',
      '30',
      'd',
      '',
      '1x',
      '3 d',
    ];
    for (const s of samples) {
      let parses = true;
      try {
        parseRetentionPeriod(s);
      } catch {
        parses = false;
      }
      assert.equal(retention.test(s), parses, s);
    }
  });

  void test('a Go duration is accepted in the forms metav1.Duration prints and parses', () => {
    for (const s of [
      '30s',
      '1m0s',
      '1h30m',
      '1.5h',
      '500ms',
      '0',
      '7.887161125s',
      '-1m',
      '2h45m0.5s',
      '10µs',
    ]) {
      assert.ok(duration.test(s), s);
    }
    for (const s of ['', '5 minutes', '1d', 'm', '1', '1m 30s']) assert.ok(!duration.test(s), s);
  });
});
