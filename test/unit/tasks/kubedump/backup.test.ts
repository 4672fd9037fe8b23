import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeClient } from '../../../../src/kube/types.ts';
import { runKubedumpBackup } from '../../../../src/tasks/kubedump/backup.ts';
import { parseDumpFlags } from '../../../../src/tasks/kubedump/flags.ts';
import { SessionInputError } from '../../../../src/tasks/kubedump/session.ts';

const BACKUP_SESSION = {
  metadata: { name: 'bc-daily-1', namespace: 'demo' },
  spec: {
    invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'bc' },
    session: 'daily',
  },
};
const CONFIGURATION = {
  metadata: { name: 'bc', namespace: 'demo' },
  spec: { target: { apiGroup: '', kind: 'Namespace', name: 'demo' } },
};

/** A client that serves the session, its configuration and `snapshots`, and records status patches. */
function fakeClient(snapshots: unknown[]): { client: KubeClient; patches: unknown[] } {
  const patches: unknown[] = [];
  const client = {
    find: (r: { kind: string }) =>
      Promise.resolve(
        r.kind === 'BackupSession'
          ? BACKUP_SESSION
          : r.kind === 'BackupConfiguration'
            ? CONFIGURATION
            : undefined,
      ),
    listAll: () => Promise.resolve({ items: snapshots }),
    request: () => Promise.reject(new Error('discovery is down')),
    patchStatus: (_r: unknown, name: string, namespace: string, status: unknown) => {
      patches.push({ name, namespace, status });
      return Promise.resolve({});
    },
  } as unknown as KubeClient;
  return { client, patches };
}

const request = parseDumpFlags({
  namespace: 'demo',
  backupsession: 'bc-daily-1',
  'scratch-dir': '/nonexistent-scratch',
  'enable-cache': 'true',
});

void describe('kubedump backup run', () => {
  void test('a session without a Snapshot of its own is refused before anything is dumped or written', async () => {
    const other = { metadata: { name: 's', namespace: 'demo' }, spec: { backupSession: 'bc-daily-0' } };
    const { client, patches } = fakeClient([other]);
    await assert.rejects(
      runKubedumpBackup(request, { client, log: () => undefined }),
      (err: unknown) =>
        err instanceof SessionInputError &&
        /BackupSession demo\/bc-daily-1 has no Snapshot yet/.test(err.message),
    );
    assert.deepEqual(patches, []);
  });

  void test('a dump that fails leaves every Snapshot of the session with a Failed component saying why', async () => {
    const snapshot = (name: string, repository: string) => ({
      metadata: { name, namespace: 'demo' },
      spec: { backupSession: 'bc-daily-1', repository, session: 'daily', version: 'v1' },
    });
    const { client, patches } = fakeClient([snapshot('b-bc-daily-1', 'b'), snapshot('a-bc-daily-1', 'a')]);
    const outcome = await runKubedumpBackup(request, { client, log: () => undefined });
    assert.equal(outcome.ok, false);
    assert.deepEqual(
      patches.map((p) => (p as { name: string }).name),
      ['a-bc-daily-1', 'b-bc-daily-1'],
    );
    for (const p of patches) {
      const manifest = (p as { status: { components: { manifest: Record<string, unknown> } } }).status
        .components.manifest;
      assert.equal(manifest.phase, 'Failed');
      assert.equal(manifest.path, 'repository/v1/daily/manifest');
      assert.match(String(manifest.error), /^dump of the objects failed: .*discovery is down/);
    }
  });
});
