import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CLEANUP_FINALIZER,
  COMPONENT,
  LABEL,
  MAX_LABEL_VALUE_LENGTH,
  backupJobLabels,
  backupJobServiceAccountName,
  backupSessionLabels,
  controllerReference,
  invokerLabels,
  labelValue,
  snapshotLabels,
  triggerBackupArgs,
} from '../../../src/api/backup-names.ts';
import {
  backupJobName,
  backupSessionName,
  backupTriggerCronJobName,
  snapshotName,
} from '../../../src/api/names.ts';

/** A Kubernetes label value: at most 63 characters, alphanumeric at both ends, [-_.] inside. */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

void describe('labels on the objects of a backup', () => {
  const bc = { name: 'cluster-resources-backup', namespace: 'demo' };

  void test('a BackupSession carries the invoker labels of its BackupConfiguration and the session name', () => {
    assert.deepEqual(backupSessionLabels(bc, 'frequent-backup'), {
      'app.kubernetes.io/managed-by': 'kubestash.com',
      'kubestash.com/invoker-kind': 'BackupConfiguration',
      'kubestash.com/invoker-name': 'cluster-resources-backup',
      'kubestash.com/invoker-namespace': 'demo',
      'kubestash.com/session-name': 'frequent-backup',
    });
  });

  void test('the guides select the BackupSessions of a configuration by kubestash.com/invoker-name=<bc>', () => {
    assert.equal(backupSessionLabels(bc, 'frequent-backup')['kubestash.com/invoker-name'], bc.name);
  });

  void test('a backup Job adds the backup component to the labels of its BackupSession', () => {
    const labels = backupJobLabels(backupSessionLabels(bc, 'frequent-backup'));
    assert.equal(labels['app.kubernetes.io/component'], 'kubestash-backup');
    assert.equal(labels['kubestash.com/session-name'], 'frequent-backup');
    assert.equal(Object.keys(labels).length, 6);
  });

  void test('a Snapshot carries its repository and its target', () => {
    assert.deepEqual(
      snapshotLabels('gcs-repository', { apiGroup: '', kind: 'Namespace', name: 'kube-system' }),
      {
        'kubestash.com/repo-name': 'gcs-repository',
        'kubestash.com/app-ref-kind': 'Namespace',
        'kubestash.com/app-ref-name': 'kube-system',
      },
    );
    assert.deepEqual(
      snapshotLabels('s3-repo', {
        apiGroup: 'apps',
        kind: 'Deployment',
        name: 'kubestash-kubestash-operator',
        namespace: 'kubestash',
      }),
      {
        'kubestash.com/repo-name': 's3-repo',
        'kubestash.com/app-ref-kind': 'Deployment',
        'kubestash.com/app-ref-name': 'kubestash-kubestash-operator',
        'kubestash.com/app-ref-namespace': 'kubestash',
      },
    );
  });

  void test('a Snapshot of a cluster-wide dump, which has no target, carries only its repository', () => {
    assert.deepEqual(snapshotLabels('gcs-repository'), { 'kubestash.com/repo-name': 'gcs-repository' });
  });

  void test('an invoker name longer than a label value is cut in the middle to a valid label value', () => {
    const long = `${'a'.repeat(40)}.${'b'.repeat(40)}.${'c'.repeat(40)}`;
    const labels = invokerLabels({ kind: 'RestoreSession', name: long, namespace: 'demo' });
    const value = labels[LABEL.invokerName] ?? '';
    assert.equal(value.length, MAX_LABEL_VALUE_LENGTH);
    assert.equal(value, `${'a'.repeat(32)}${'c'.repeat(31)}`);
    assert.match(value, LABEL_VALUE);
  });

  void test('every label value of a generated name is a valid label value', () => {
    const session = backupSessionName('a'.repeat(60), 'b'.repeat(60), new Date('2024-02-23T13:25:00Z'));
    for (const v of [
      ...Object.values(backupSessionLabels({ name: 'x'.repeat(253), namespace: 'demo' }, 'y'.repeat(80))),
      ...Object.values(
        snapshotLabels(snapshotName('r'.repeat(63), session), { kind: 'Namespace', name: 'n' }),
      ),
    ]) {
      assert.ok(v.length <= MAX_LABEL_VALUE_LENGTH, v);
      assert.match(v, LABEL_VALUE);
    }
  });

  void test('a name of up to 63 characters is its own label value', () => {
    assert.equal(
      labelValue('gcs-repository-cluster-resourcesckup-frequent-backup-1708694700'),
      'gcs-repository-cluster-resourcesckup-frequent-backup-1708694700',
    );
  });

  void test('the component values and the finalizer are the ones KubeStash uses', () => {
    assert.equal(COMPONENT.retentionPolicy, 'kubestash-retention-policy');
    assert.equal(COMPONENT.backupVerifier, 'kubestash-backup-verifier');
    assert.equal(CLEANUP_FINALIZER, 'kubestash.com/cleanup');
  });
});

void describe('owner references', () => {
  void test('a child is controlled by its owner, which cannot be deleted in the foreground before it', () => {
    assert.deepEqual(
      controllerReference({
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        metadata: { name: 'kube-system-backup', uid: '2b0f7c4e-0d0f-4c3a-9b4e-7f2f5d0e9a11' },
      }),
      {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        name: 'kube-system-backup',
        uid: '2b0f7c4e-0d0f-4c3a-9b4e-7f2f5d0e9a11',
        controller: true,
        blockOwnerDeletion: true,
      },
    );
  });

  void test('refuses an owner without a uid, naming it and saying what to do', () => {
    assert.throws(
      () =>
        controllerReference({
          apiVersion: 'storage.kubestash.com/v1alpha1',
          kind: 'Repository',
          metadata: { name: 'gcs-repository' },
        }),
      /Repository gcs-repository has no uid: read it from the API server/,
    );
  });
});

void describe('names of the objects of one backup run', () => {
  const bc = 'cluster-resources-backup';
  const session = 'frequent-backup';
  const at = new Date(1708694700 * 1000);

  void test('the trigger CronJob, its BackupSession, the Snapshot and the Job chain as in the KubeStash docs', () => {
    assert.equal(backupTriggerCronJobName(bc, session), 'trigger-cluster-resources-backup-frequent-backup');
    const bs = backupSessionName(bc, session, at);
    assert.equal(bs, 'cluster-resources-backup-frequent-backup-1708694700');
    assert.equal(
      snapshotName('gcs-repository', bs),
      'gcs-repository-cluster-resourcesckup-frequent-backup-1708694700',
    );
    assert.equal(backupJobName(bs), bs);
  });

  void test('the trigger CronJob of long names is cut in the middle to 52 characters and stays a valid name', () => {
    const name = backupTriggerCronJobName(
      'application-manifest-backup-for-production',
      'every-fifteen-minutes',
    );
    assert.equal(name.length, 52);
    assert.equal(name, 'trigger-application-manifetion-every-fifteen-minutes');
  });

  void test('the ServiceAccount of the backup Jobs is one per session: backup-<bc>-<session>', () => {
    assert.equal(backupJobServiceAccountName(bc, session), 'backup-cluster-resources-backup-frequent-backup');
  });

  void test('a long ServiceAccount name is cut in the middle to 63 characters, keeping the session', () => {
    const name = backupJobServiceAccountName('a'.repeat(50), 'nightly');
    assert.equal(name.length, 63);
    assert.equal(name, `backup-${'a'.repeat(25)}${'a'.repeat(23)}-nightly`);
  });

  void test('the trigger container runs cairn trigger-backup for one session of the configuration', () => {
    assert.deepEqual(triggerBackupArgs(bc, session), [
      'trigger-backup',
      '--invoker-name=cluster-resources-backup',
      '--invoker-kind=BackupConfiguration',
      '--session-name=frequent-backup',
    ]);
  });
});
