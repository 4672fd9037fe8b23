import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { BackupConfiguration } from '../../../../src/api/kinds/backupconfiguration.ts';
import { KubeApiError } from '../../../../src/kube/errors.ts';
import type { KubeClient } from '../../../../src/kube/types.ts';
import {
  backupSessionFor,
  checkRequest,
  TriggerError,
} from '../../../../src/tasks/trigger-backup/session.ts';
import { triggerBackup } from '../../../../src/tasks/trigger-backup/trigger.ts';

const NOW = new Date('2024-02-23T13:10:00Z');

function bc(paused = false): BackupConfiguration {
  return {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'kube-system-backup', namespace: 'demo', uid: 'u-1' },
    spec: {
      paused,
      sessions: [
        {
          name: 'frequent-backup',
          scheduler: { schedule: '*/5 * * * *', jobTemplate: {} },
          repositories: [{ name: 'r', directory: '/d' }],
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
          backupTimeout: '10m',
          retryConfig: { maxRetry: 2 },
        },
      ],
    },
  };
}

const request = {
  invokerKind: 'BackupConfiguration',
  invokerName: 'kube-system-backup',
  session: 'frequent-backup',
};

describe('trigger-backup', () => {
  test('the BackupSession is named <bc>-<session>-<unix seconds>, labelled, owned by the configuration, with timeout and retries', () => {
    const s = backupSessionFor(bc(), 'frequent-backup', NOW);
    assert.equal(s.metadata.name, 'kube-system-backup-frequent-backup-1708693800');
    assert.equal(s.metadata.namespace, 'demo');
    assert.deepEqual(s.metadata.labels, {
      'app.kubernetes.io/managed-by': 'kubestash.com',
      'kubestash.com/invoker-kind': 'BackupConfiguration',
      'kubestash.com/invoker-name': 'kube-system-backup',
      'kubestash.com/invoker-namespace': 'demo',
      'kubestash.com/session-name': 'frequent-backup',
    });
    assert.equal(s.metadata.ownerReferences?.[0]?.uid, 'u-1');
    assert.equal(s.metadata.ownerReferences?.[0]?.controller, true);
    assert.deepEqual(s.spec, {
      invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'kube-system-backup' },
      session: 'frequent-backup',
      retryLeft: 2,
      backupTimeout: '10m',
    });
  });

  test('a session the configuration does not have is refused, listing the ones it has', () => {
    assert.throws(
      () => backupSessionFor(bc(), 'nightly', NOW),
      (e: unknown) =>
        e instanceof TriggerError && /no session "nightly": use one of "frequent-backup"/.test(e.message),
    );
  });

  test('another invoker kind or a missing name is refused with the flag to fix', () => {
    assert.throws(
      () => checkRequest({ ...request, invokerKind: 'RestoreSession' }),
      /--invoker-kind=RestoreSession is not supported/,
    );
    assert.throws(() => checkRequest({ ...request, invokerName: '' }), /--invoker-name is required/);
  });

  function client(o: { bc?: BackupConfiguration; findError?: Error; createError?: Error }) {
    const created: unknown[] = [];
    const c = {
      find: () => (o.findError ? Promise.reject(o.findError) : Promise.resolve(o.bc)),
      create: (_r: unknown, body: unknown) => {
        if (o.createError) return Promise.reject(o.createError);
        created.push(body);
        return Promise.resolve(body);
      },
    } as unknown as KubeClient;
    return { c, created };
  }
  const apiError = (code: number, reason: string) =>
    new KubeApiError(`${reason} by the API server`, code, {
      reason,
      message: `${reason} by the API server`,
    });

  test('the BackupSession is created for a found, unpaused configuration', async () => {
    const { c, created } = client({ bc: bc() });
    const out = await triggerBackup(c, 'demo', request, { now: NOW });
    assert.equal(out.triggered, true);
    assert.equal(created.length, 1);
  });

  test('a paused configuration is not triggered, and says why', async () => {
    const { c, created } = client({ bc: bc(true) });
    const out = await triggerBackup(c, 'demo', request, { now: NOW });
    assert.deepEqual(out, {
      triggered: false,
      reason: 'BackupConfiguration "demo/kube-system-backup" is paused (spec.paused: true)',
    });
    assert.equal(created.length, 0);
  });

  test('a missing configuration, a forbidden create and a name taken in the same second are named with the fix', async () => {
    await assert.rejects(
      triggerBackup(client({}).c, 'demo', request),
      /BackupConfiguration "demo\/kube-system-backup" not found: check --invoker-name/,
    );
    await assert.rejects(
      triggerBackup(client({ bc: bc(), createError: apiError(403, 'Forbidden') }).c, 'demo', request),
      (e: unknown) =>
        e instanceof TriggerError &&
        /may not create BackupSessions in "demo".*grant it create on backupsessions/.test(e.message),
    );
    await assert.rejects(
      triggerBackup(client({ bc: bc(), createError: apiError(409, 'AlreadyExists') }).c, 'demo', request, {
        now: NOW,
      }),
      /kube-system-backup-frequent-backup-1708693800" already exists/,
    );
    await assert.rejects(
      triggerBackup(client({ findError: apiError(403, 'Forbidden') }).c, 'demo', request),
      /may not get BackupConfiguration "demo\/kube-system-backup"/,
    );
  });
});
