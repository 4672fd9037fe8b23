import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_CRONJOB_NAME_LENGTH,
  MAX_NAME_LENGTH,
  backupJobName,
  backupSessionName,
  backupStorageCleanupJobName,
  backupTriggerCronJobName,
  backupVerificationSessionName,
  fitName,
  snapshotName,
  validNameWithPrefixAndSuffix,
  verificationTriggerCronJobName,
} from '../../../src/api/names.ts';

void describe('validNameWithPrefixAndSuffix', () => {
  void test('joins prefix, name and suffix with dashes when the result fits', () => {
    assert.equal(
      validNameWithPrefixAndSuffix('xyz', 'aabbccddeeffgghhiijjkkllmmnn123ooppqqrrssttuuvvwwxxyyzz', 'abc'),
      'xyz-aabbccddeeffgghhiijjkkllmmnn123ooppqqrrssttuuvvwwxxyyzz-abc',
    );
  });

  void test('cuts out the middle of a name longer than 63 characters', () => {
    const out = validNameWithPrefixAndSuffix(
      'xyz',
      'aabbccddeeffgghhiijjkkllmmnn123456789ooppqqrrssttuuvvwwxxyyzz',
      'abc',
    );
    assert.equal(out, 'xyz-aabbccddeeffgghhiijjkkllmmnn789ooppqqrrssttuuvvwwxxyyzz-abc');
    assert.equal(out.length, MAX_NAME_LENGTH);
  });

  void test('keeps an empty middle part as a double dash', () => {
    assert.equal(validNameWithPrefixAndSuffix('xyz', '', 'abc'), 'xyz--abc');
  });

  void test('keeps one more character of the head than of the tail for an odd maximum', () => {
    assert.equal(validNameWithPrefixAndSuffix('xyz', 'mn', 'abc', 9), 'xyz-m-abc');
  });

  void test('splits an even maximum evenly between head and tail', () => {
    assert.equal(validNameWithPrefixAndSuffix('xyz', 'mn', 'abc', 8), 'xyz--abc');
  });

  void test('may drop the name entirely when prefix and suffix fill the maximum', () => {
    assert.equal(validNameWithPrefixAndSuffix('xyz', 'mn', 'abc', 6), 'xyzabc');
    assert.equal(validNameWithPrefixAndSuffix('xyz', 'mn', 'abc', 4), 'xybc');
  });

  void test('trims dashes left at either end, including after a cut', () => {
    assert.equal(validNameWithPrefixAndSuffix('', 'name', ''), 'name');
    assert.equal(validNameWithPrefixAndSuffix('cleanup', 'store', ''), 'cleanup-store');
    assert.equal(validNameWithPrefixAndSuffix('ab', 'cdefgh', 'ij', 7), 'ab-c-ij');
    assert.equal(validNameWithPrefixAndSuffix('a', 'bcdefgh', 'ij', 4), 'a-ij');
  });

  void test('rejects a maximum that is not a positive integer', () => {
    assert.throws(() => validNameWithPrefixAndSuffix('a', 'b', 'c', 0), RangeError);
    assert.throws(() => fitName('abc', 1.5), RangeError);
  });
});

void describe('Snapshot names (upstream vectors)', () => {
  void test('cuts the middle of a long name and keeps the session timestamp whole', () => {
    assert.equal(
      snapshotName('gcs-repository', 'cluster-resources-backup-frequent-backup-1708694700'),
      'gcs-repository-cluster-resourcesckup-frequent-backup-1708694700',
    );
    assert.equal(
      snapshotName('gcs-repository', 'application-manifest-backup-frequent-backup-1708677300'),
      'gcs-repository-application-manifckup-frequent-backup-1708677300',
    );
  });

  void test('leaves a short name unchanged', () => {
    assert.equal(
      snapshotName('gcs-repository', 'kube-system-backup-frequent-backup-1708691400'),
      'gcs-repository-kube-system-backup-frequent-backup-1708691400',
    );
  });

  void test('matches the documented sample name', () => {
    assert.equal(
      snapshotName('demo-storage', 'sample-backup-freq-backup-1730194080'),
      'demo-storage-sample-backup-freq-backup-1730194080',
    );
  });

  void test('joins repository and session name when the session name has no numeric suffix', () => {
    assert.equal(snapshotName('repo', 'manual-run'), 'repo-manual-run');
    assert.equal(snapshotName('repo', 'run-1a'), 'repo-run-1a');
  });

  void test('is at most 63 characters for any input', () => {
    const out = snapshotName('r'.repeat(60), `${'s'.repeat(60)}-1708694700`);
    assert.equal(out.length, 63);
    assert.ok(out.endsWith('-1708694700'));
  });
});

void describe('BackupSession names', () => {
  void test('are <backupconfiguration>-<session>-<unix seconds>', () => {
    const now = new Date(1708691400_999);
    assert.equal(
      backupSessionName('kube-system-backup', 'frequent-backup', now),
      'kube-system-backup-frequent-backup-1708691400',
    );
  });

  void test('keep the timestamp when the configuration name is long', () => {
    const out = backupSessionName(
      'cluster-resources-backup-with-a-very-long-name',
      'frequent-backup',
      new Date(0),
    );
    // 64 characters joined: the 33rd ("v") is cut out.
    assert.equal(out, 'cluster-resources-backup-with-a-ery-long-name-frequent-backup-0');
    assert.equal(out.length, 63);
  });

  void test('reject an invalid date', () => {
    assert.throws(() => backupSessionName('bc', 's', new Date(Number.NaN)), RangeError);
  });
});

void describe('BackupVerificationSession names', () => {
  void test('are <session>-<repository>-<unix seconds>, as in the documented sample', () => {
    const now = new Date('2024-10-29T09:30:00Z');
    assert.equal(
      backupVerificationSessionName('freq-backup', 'demo-storage', now),
      'freq-backup-demo-storage-1730194200',
    );
  });
});

void describe('CronJob names', () => {
  void test('the backup trigger is trigger-<backupconfiguration>-<session>', () => {
    assert.equal(
      backupTriggerCronJobName('kube-system-backup', 'frequent-backup'),
      'trigger-kube-system-backup-frequent-backup',
    );
  });

  void test('the backup trigger is cut in the middle to 52 characters', () => {
    const out = backupTriggerCronJobName('a'.repeat(30), 'b'.repeat(30));
    assert.equal(out, `trigger-${'a'.repeat(18)}${'b'.repeat(26)}`);
    assert.equal(out.length, MAX_CRONJOB_NAME_LENGTH);
  });

  void test('the verification trigger is trigger-verifier-<backupconfiguration>-<repository>', () => {
    assert.equal(
      verificationTriggerCronJobName('sample-backup', 'demo-storage'),
      'trigger-verifier-sample-backup-demo-storage',
    );
    assert.ok(
      verificationTriggerCronJobName('b'.repeat(40), 'r'.repeat(40)).length <= MAX_CRONJOB_NAME_LENGTH,
    );
  });
});

void describe('Job names', () => {
  void test('the backup Job carries the BackupSession name', () => {
    assert.equal(
      backupJobName('kube-system-backup-frequent-backup-1708691400'),
      'kube-system-backup-frequent-backup-1708691400',
    );
  });

  void test('the backup Job of a hand-made session with a long name is fitted to 63 characters', () => {
    const out = backupJobName(`${'x'.repeat(70)}-1708691400`);
    assert.equal(out.length, 63);
    assert.ok(out.endsWith('-1708691400'));
  });

  void test('the BackupStorage cleanup Job is cleanup-<backupstorage>', () => {
    assert.equal(backupStorageCleanupJobName('s3-storage'), 'cleanup-s3-storage');
  });
});
