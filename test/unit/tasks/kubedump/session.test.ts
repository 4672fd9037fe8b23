import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ResourceType } from '../../../../src/api/resource-type.ts';
import { KubeApiError } from '../../../../src/kube/errors.ts';
import type { KubeClient } from '../../../../src/kube/types.ts';
import { SessionInputError, readBackupSession } from '../../../../src/tasks/kubedump/session.ts';

/** A client that serves `objects` by `<plural>/<namespace>/<name>`; a value that is an Error is thrown. */
function fakeClient(objects: Record<string, unknown>): KubeClient {
  const client = {
    find: (r: ResourceType, name: string, namespace?: string) => {
      const v = objects[`${r.plural}/${namespace ?? ''}/${name}`];
      if (v instanceof Error) return Promise.reject(v);
      return Promise.resolve(v);
    },
  };
  return client as unknown as KubeClient;
}

const BS = {
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupSession',
  metadata: { name: 'bs-1', namespace: 'demo' },
  spec: {
    invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'kube-system-backup' },
    session: 'frequent-backup',
  },
};
const BC = {
  apiVersion: 'core.kubestash.com/v1alpha1',
  kind: 'BackupConfiguration',
  metadata: { name: 'kube-system-backup', namespace: 'demo' },
  spec: { target: { apiGroup: '', kind: 'Namespace', name: 'kube-system' }, sessions: [] },
};

void describe('reading the session of a backup Job', () => {
  void test('gives the BackupSession, its BackupConfiguration and the target', async () => {
    const ctx = await readBackupSession(
      fakeClient({ 'backupsessions/demo/bs-1': BS, 'backupconfigurations/demo/kube-system-backup': BC }),
      'demo',
      'bs-1',
    );
    assert.equal(ctx.backupSession.metadata?.name, 'bs-1');
    assert.equal(ctx.invoker.metadata?.name, 'kube-system-backup');
    assert.deepEqual(ctx.target, { apiGroup: '', kind: 'Namespace', name: 'kube-system' });
  });

  void test('of a cluster backup has no target', async () => {
    const ctx = await readBackupSession(
      fakeClient({
        'backupsessions/demo/bs-1': BS,
        'backupconfigurations/demo/kube-system-backup': { ...BC, spec: { sessions: [] } },
      }),
      'demo',
      'bs-1',
    );
    assert.equal(ctx.target, undefined);
  });

  void test('fails naming the BackupSession when it is gone', async () => {
    await assert.rejects(readBackupSession(fakeClient({}), 'demo', 'bs-1'), (err: unknown) => {
      assert.ok(err instanceof SessionInputError);
      assert.equal(err.message, 'BackupSession demo/bs-1 not found');
      return true;
    });
  });

  void test('fails naming the BackupConfiguration when the invoker is gone', async () => {
    await assert.rejects(
      readBackupSession(fakeClient({ 'backupsessions/demo/bs-1': BS }), 'demo', 'bs-1'),
      /BackupConfiguration demo\/kube-system-backup not found/,
    );
  });

  void test('refuses a session invoked by something else than a BackupConfiguration', async () => {
    const other = {
      ...BS,
      spec: { ...BS.spec, invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupBatch', name: 'b' } },
    };
    await assert.rejects(
      readBackupSession(fakeClient({ 'backupsessions/demo/bs-1': other }), 'demo', 'bs-1'),
      /invoked by a BackupBatch/,
    );
  });

  void test('a forbidden read names the permission to grant', async () => {
    const forbidden = new KubeApiError('backupsessions.core.kubestash.com "bs-1" is forbidden', 403, {
      reason: 'Forbidden',
    });
    await assert.rejects(
      readBackupSession(fakeClient({ 'backupsessions/demo/bs-1': forbidden }), 'demo', 'bs-1'),
      (err: unknown) => {
        assert.ok(err instanceof SessionInputError);
        assert.match(
          err.message,
          /may not get BackupSession demo\/bs-1: grant it get on backupsessions\.core\.kubestash\.com/,
        );
        return true;
      },
    );
  });

  void test('a retryable API error is passed through as it is', async () => {
    const unavailable = new KubeApiError('service unavailable', 503);
    await assert.rejects(
      readBackupSession(fakeClient({ 'backupsessions/demo/bs-1': unavailable }), 'demo', 'bs-1'),
      (err: unknown) => err === unavailable,
    );
  });
});
