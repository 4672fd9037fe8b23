// The RestoreSession reconciler while its Job runs: a Job deleted mid-way leaves the session Failed with
// RestoreIncomplete, and the backups of the target are paused for the restore and only those resumed.
import assert from 'node:assert/strict';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { applyAll, backupConfiguration, retentionPolicy } from '../../harness/backup-manifests.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { FINAL, condition, restoreSession, sessionWhere, setup, snapshot, type Rs } from './fixture.ts';

clusterTest(
  'a restore Job deleted mid-way leaves the session Failed with RestoreIncomplete and says how to finish',
  async (ctx) => {
    const { client, namespace } = ctx;
    await setup(ctx);
    await snapshot(client, namespace, 'repo-one', 'Succeeded', '2026-01-01T00:01:00Z');
    await applyAll(client, [
      restoreSession(namespace, 'cut', { dataSource: { repository: 'repo', snapshot: 'repo-one' } }),
    ]);
    await waitFor(() => client.find(K8S.jobs, 'restore-cut', namespace), {
      what: 'the restore Job',
      timeoutMs: 60_000,
      fixedInterval: true,
      intervalMs: 50,
    });
    await client.delete(K8S.jobs, 'restore-cut', { namespace, propagationPolicy: 'Background' });
    const rs = await sessionWhere(client, namespace, 'cut', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.equal(rs.status?.phase, 'Failed');
    const c = condition(rs, 'RestoreIncomplete');
    assert.equal(c?.status, 'True');
    assert.equal(c?.reason, 'RestoreExecutorTerminatedBeforeCompletion');
    // The Job may have failed on its own a moment before it was deleted: either way the message says so.
    assert.match(c?.message ?? '', /(was deleted|failed) .*before the restore reported its components/);
    assert.match(c?.message ?? '', /create a new RestoreSession/);
    // The Event is recorded just after the final status is written: it is waited for, not read once.
    await waitFor(
      async () => {
        const events = await client.list<KubeObject & { reason?: string; regarding?: { name?: string } }>(
          K8S.events,
          { namespace },
        );
        return events.items.some((e) => e.reason === 'RestoreFailed' && e.regarding?.name === 'cut')
          ? true
          : undefined;
      },
      { what: 'a RestoreFailed Event for session cut', timeoutMs: 30_000 },
    );
  },
);

clusterTest(
  'a restore pauses the backups of its target while it runs and resumes only those it paused',
  async (ctx) => {
    const { client, namespace } = ctx;
    await setup(ctx);
    await snapshot(client, namespace, 'repo-one', 'Succeeded', '2026-01-01T00:01:00Z');
    const bc = (name: string, paused: boolean) =>
      backupConfiguration({
        namespace,
        name,
        target: namespace,
        backends: { main: 'local' },
        retentionPolicy: 'keep',
        repositories: { [`${name}-repo`]: 'main' },
        encryptionSecret: 'enc',
        session: { name: 'frequent' },
        paused,
      });
    await applyAll(client, [
      retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 1 } }),
      bc('running', false),
      bc('held', true),
    ]);
    await applyAll(client, [
      restoreSession(namespace, 'rs', {
        target: { apiGroup: '', kind: 'Namespace', name: namespace },
        dataSource: { repository: 'repo', snapshot: 'repo-one' },
      }),
    ]);
    type Bc = KubeObject & { spec?: { paused?: boolean } };
    const paused = await waitFor(
      async () => {
        const o = await client.get<Bc>(KUBESTASH.backupConfigurations, 'running', namespace);
        return o.spec?.paused ? o : undefined;
      },
      {
        what: 'BackupConfiguration running paused by the restore',
        timeoutMs: 60_000,
        fixedInterval: true,
        intervalMs: 50,
      },
    );
    assert.equal(paused.metadata?.annotations?.['restore.cairn.dev/paused-by'], `${namespace}/rs`);
    const ended = await sessionWhere(client, namespace, 'rs', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.deepEqual((ended.status as { pausedBackups?: unknown }).pausedBackups, [
      { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', namespace, name: 'running' },
    ]);
    const resumed = await waitFor(
      async () => {
        const o = await client.get<Bc>(KUBESTASH.backupConfigurations, 'running', namespace);
        return o.spec?.paused === false ? o : undefined;
      },
      { what: 'BackupConfiguration running resumed', timeoutMs: 30_000 },
    );
    assert.equal(resumed.metadata?.annotations?.['restore.cairn.dev/paused-by'], undefined);
    const held = await client.get<Bc>(KUBESTASH.backupConfigurations, 'held', namespace);
    assert.equal(held.spec?.paused, true);
    const rs = await waitFor(
      async () => {
        const o = await client.get<Rs>(KUBESTASH.restoreSessions, 'rs', namespace);
        return o.metadata?.finalizers?.length ? undefined : o;
      },
      { what: 'the resume finalizer removed', timeoutMs: 30_000 },
    );
    assert.equal(rs.metadata?.finalizers, undefined);
  },
);
