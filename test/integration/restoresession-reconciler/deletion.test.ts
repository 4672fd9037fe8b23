// A RestoreSession deleted while its Job runs: the Roles its Job was given in other namespaces (which no
// owner reference can remove) are deleted before the session goes. The Job here never starts a pod (its
// ServiceAccount does not exist), so the restore is still running when the session is deleted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { applyAll, localStorage, secret } from '../../harness/backup-manifests.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { PASSWORD, restoreSession, snapshot } from './fixture.ts';

clusterTest(
  'a session deleted while its Job runs removes the Roles its Job was given in other namespaces',
  async (ctx, t) => {
    const { client, namespace } = ctx;
    const repoNs = `${namespace}-repo`;
    await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: repoNs } });
    t.after(() => client.delete(K8S.namespaces, repoNs));
    await applyAll(client, [
      secret(repoNs, 'enc', { RESTIC_PASSWORD: PASSWORD }),
      localStorage(repoNs, 'local', join(ctx.dir, 'restore-storage', repoNs)),
      [
        KUBESTASH.repositories,
        {
          apiVersion: 'storage.kubestash.com/v1alpha1',
          kind: 'Repository',
          metadata: { name: 'repo', namespace: repoNs },
          spec: {
            storageRef: { name: 'local', namespace: repoNs },
            path: 'repo',
            encryptionSecret: { name: 'enc', namespace: repoNs },
            deletionPolicy: 'Delete',
          },
        },
      ],
    ]);
    await snapshot(client, repoNs, 'repo-one', 'Succeeded', '2026-01-01T00:01:00Z');
    const [resource, rs] = restoreSession(namespace, 'gone', {
      dataSource: { namespace: repoNs, repository: 'repo', snapshot: 'repo-one' },
    });
    const spec = rs as KubeObject & { spec: { addon: { jobTemplate: { spec: object } } } };
    spec.spec.addon.jobTemplate.spec = { serviceAccountName: 'nobody' };
    await applyAll(client, [[resource, rs]]);

    const rbacIn = async (ns: string) => {
      const names = async (r: typeof K8S.roles) =>
        (await client.list(r, { namespace: ns })).items.map((o) => o.metadata?.name ?? '');
      return { roles: await names(K8S.roles), bindings: await names(K8S.roleBindings) };
    };
    const foreign = await waitFor(
      async () => {
        const job = await client.find(K8S.jobs, 'restore-gone', namespace);
        const found = await rbacIn(repoNs);
        return job && found.roles.length > 0 && found.bindings.length > 0 ? found : undefined;
      },
      { what: `the restore Job and its Role in ${repoNs}`, timeoutMs: 60_000 },
    );
    assert.deepEqual(foreign, {
      roles: [`restore-${namespace}-gone`],
      bindings: [`restore-${namespace}-gone`],
    });
    const live = await client.get(KUBESTASH.restoreSessions, 'gone', namespace);
    assert.ok(live.metadata?.finalizers?.includes('restore.cairn.dev/release'), 'the session holds on');

    await client.delete(KUBESTASH.restoreSessions, 'gone', { namespace });
    await waitFor(
      async () => ((await client.find(KUBESTASH.restoreSessions, 'gone', namespace)) ? undefined : true),
      { what: 'the deleted RestoreSession to go', timeoutMs: 60_000 },
    );
    assert.deepEqual(
      await rbacIn(repoNs),
      { roles: [], bindings: [] },
      `no Role or RoleBinding left in ${repoNs}`,
    );
  },
);
