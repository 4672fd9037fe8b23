// The RestoreSession reconciler end to end: a namespace backed up for real, then emptied, is restored by a
// RestoreSession of its latest Snapshot through the restore task, and the session ends Succeeded.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import {
  applyAll,
  backupConfiguration,
  firstSessionEnded,
  localStorage,
  retentionPolicy,
  secret,
  restorerAccount,
} from '../../harness/backup-manifests.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { FINAL, PASSWORD, restoreSession, sessionWhere } from './fixture.ts';

clusterTest(
  'a namespace backed up for real and then emptied is restored by a RestoreSession of its latest Snapshot, which ends Succeeded',
  async (ctx, t) => {
    const { client, namespace } = ctx;
    const app = `${namespace}-app`;
    const admin = `restorer-${namespace}`;
    await client.create(K8S.namespaces, { metadata: { name: app } });
    t.after(async () => {
      await client.delete(K8S.namespaces, app);
      await client.delete(K8S.clusterRoleBindings, admin);
    });
    await client.create(
      K8S.configMaps,
      { metadata: { name: 'settings', namespace: app }, data: { mode: 'restored' } },
      { namespace: app },
    );
    await applyAll(client, [
      secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
      localStorage(namespace, 'local', join(ctx.dir, 'restore-storage', namespace)),
      retentionPolicy(namespace, 'keep', { successfulSnapshots: { last: 3 } }),
      backupConfiguration({
        namespace,
        name: 'app',
        target: app,
        backends: { main: 'local' },
        retentionPolicy: 'keep',
        repositories: { 'app-repo': 'main' },
        encryptionSecret: 'enc',
        session: { name: 'frequent' },
      }),
      // The restore writes what it restores as the user's ServiceAccount, as KubeStash's guides grant it.
      ...restorerAccount(namespace, 'restorer', admin),
    ]);
    const backup = await firstSessionEnded(client, namespace);
    assert.equal(backup.status?.phase, 'Succeeded');
    await client.delete(K8S.configMaps, 'settings', { namespace: app });
    await waitFor(async () => ((await client.find(K8S.configMaps, 'settings', app)) ? undefined : true), {
      what: 'ConfigMap settings deleted',
      timeoutMs: 30_000,
    });

    const [resource, rs] = restoreSession(namespace, 'back', {
      target: { apiGroup: '', kind: 'Namespace', name: app },
      dataSource: { repository: 'app-repo', snapshot: 'latest' },
    });
    (rs.spec as { addon: { tasks: { params: Record<string, string> }[] } }).addon.tasks[0]!.params = {
      IncludeNamespaces: app,
    };
    await applyAll(client, [[resource, rs]]);
    const ended = await sessionWhere(client, namespace, 'back', 'ended', (r) =>
      FINAL.includes(r.status?.phase ?? ''),
    );
    assert.equal(
      ended.status?.phase,
      'Succeeded',
      JSON.stringify({ conditions: ended.status?.conditions, components: ended.status?.components }),
    );
    assert.equal(ended.status?.components?.manifest?.phase, 'Succeeded');
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>(
      K8S.configMaps,
      'settings',
      app,
    );
    assert.deepEqual(cm.data, { mode: 'restored' });
    const bc = await client.get<KubeObject & { spec?: { paused?: boolean } }>(
      KUBESTASH.backupConfigurations,
      'app',
      namespace,
    );
    assert.equal(bc.spec?.paused, false);
  },
  300_000,
);
