// A restore Job killed in the middle of writing objects: its RestoreSession ends Failed with
// RestoreIncomplete (RestoreExecutorTerminatedBeforeCompletion) and an Event, the objects written so far stay,
// and a second RestoreSession of the same Snapshot finishes the work: it creates what is missing and skips
// what exists, so every object of the backup exists exactly once and the ReplicaSet is owned by the
// Deployment that exists now.
// The pod runner runs the Job's container as a process group of this machine: the kill is made at a stable
// point by freezing the group (SIGSTOP) as soon as the first restored ConfigMap is served, then killing it
// (SIGKILL, which the task cannot clean up after), as a node that dies or an OOM kill would.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { K8S } from '../../../src/api/resource-type.ts';
import { waitFor } from '../../../src/devcluster/probe.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import type { ObjectResult } from '../../../src/restore/types.ts';
import {
  applyAll,
  backupConfiguration,
  firstSessionEnded,
  localStorage,
  retentionPolicy,
  secret,
  restorerAccount,
} from '../../harness/backup-manifests.ts';
import { clusterTest, waitForGone } from '../../harness/cluster.ts';
import {
  CONFIG_MAPS,
  LABEL,
  PASSWORD,
  SECRET_VALUES,
  SEED,
  clusterMade,
  condition,
  isSeededConfigMap,
  jobLogs,
  jobResults,
  namespaceNames,
  replicaSets,
  restoreContainerGroup,
  restoreSession,
  seed,
  sessionEnded,
  signalGroup,
} from './fixture.ts';

clusterTest(
  'a restore Job killed mid-way leaves its session Failed with RestoreIncomplete and the objects written so far; a second RestoreSession creates the rest, skips what exists, and leaves every object exactly once with its owner re-linked',
  async ({ client, namespace, dir }, t) => {
    const app = `${namespace}-app`;
    const admin = `restorer-${namespace}`;
    t.after(async () => {
      await client.delete(K8S.namespaces, app).catch(() => undefined);
      await client.delete(K8S.clusterRoleBindings, admin).catch(() => undefined);
    });
    const clock = performance.now();
    const lap = (what: string) => t.diagnostic(`${what} at ${Math.round(performance.now() - clock)} ms`);

    await client.create(K8S.namespaces, { metadata: { name: app } });
    await seed(client, app);
    await clusterMade(client, app);
    const before = await namespaceNames(client, app);
    // The seeded objects, and ServiceAccount default and ConfigMap kube-root-ca.crt.
    assert.equal(before.length, CONFIG_MAPS + SECRET_VALUES.length + 3 + 2);
    lap('seeded');

    await applyAll(client, [
      secret(namespace, 'enc', { RESTIC_PASSWORD: PASSWORD }),
      localStorage(namespace, 'local', join(dir, 'restore-storage', namespace)),
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
        params: { IncludeNamespaces: app },
      }),
      // The restore writes as the user's ServiceAccount, which is granted what it restores.
      ...restorerAccount(namespace, 'restorer', admin),
    ]);
    const backup = await firstSessionEnded(client, namespace);
    assert.equal(backup.status?.phase, 'Succeeded', JSON.stringify(backup.status));
    lap('backed up');

    await client.delete(K8S.namespaces, app);
    await waitForGone(`namespace ${app}`, () => client.get(K8S.namespaces, app), 90_000);
    lap('namespace deleted');

    // The first restore, frozen as soon as its first ConfigMap is served, then killed.
    await applyAll(client, [restoreSession(namespace, 'first', app)]);
    const pgid = await waitFor(() => restoreContainerGroup(namespace, 'first'), {
      what: 'the restore container of RestoreSession first',
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    let atKill: string[];
    try {
      await waitFor(
        async () => {
          const some = await client.list(K8S.configMaps, {
            namespace: app,
            labelSelector: `${LABEL}=${SEED}`,
            limit: 1,
          });
          if (some.items.length === 0) return undefined;
          signalGroup(pgid, 'SIGSTOP');
          return true;
        },
        // A fixed short interval: the restore writes hundreds of objects a second.
        { what: 'the first restored ConfigMap', timeoutMs: 60_000, intervalMs: 25, fixedInterval: true },
      );
      atKill = await namespaceNames(client, app);
      signalGroup(pgid, 'SIGKILL');
    } finally {
      signalGroup(pgid, 'SIGCONT');
    }
    lap(`killed with ${atKill.length} of ${before.length} objects written`);
    const writtenAtKill = atKill.filter(isSeededConfigMap).length;
    assert.ok(
      writtenAtKill > 0 && writtenAtKill < CONFIG_MAPS,
      `${writtenAtKill} of ${CONFIG_MAPS} ConfigMaps`,
    );

    const failed = await sessionEnded(client, namespace, 'first');
    lap('first session ended');
    assert.equal(failed.status?.phase, 'Failed', JSON.stringify(failed.status));
    const incomplete = condition(failed, 'RestoreIncomplete');
    assert.equal(incomplete?.status, 'True', JSON.stringify(failed.status?.conditions));
    assert.equal(incomplete?.reason, 'RestoreExecutorTerminatedBeforeCompletion');
    assert.match(incomplete?.message ?? '', /create a new RestoreSession/);
    // The Event is recorded just after the final status is written: it is waited for, not read once.
    await waitFor(
      async () => {
        const events = await client.list<KubeObject & { reason?: string; regarding?: { name?: string } }>(
          K8S.events,
          { namespace },
        );
        return events.items.some((e) => e.reason === 'RestoreFailed' && e.regarding?.name === 'first')
          ? true
          : undefined;
      },
      { what: 'a RestoreFailed Event for the first session', timeoutMs: 30_000 },
    );
    await clusterMade(client, app);
    const left = await namespaceNames(client, app);
    assert.ok(left.length < before.length, `the killed restore did not finish: ${left.length}`);
    for (const name of atKill) assert.ok(left.includes(name), `${name} written before the kill stays`);

    // The second restore of the same Snapshot finishes the work.
    await applyAll(client, [restoreSession(namespace, 'second', app)]);
    const done = await sessionEnded(client, namespace, 'second');
    lap('second session ended');
    assert.equal(done.status?.phase, 'Succeeded', JSON.stringify(done.status));
    const after = await namespaceNames(client, app);
    assert.deepEqual(after, before, 'every object of the backup exists exactly once');

    // Every object of the namespace is decided once: what the killed restore wrote (or the cluster made
    // again) is skipped as existing, the rest is created, and the cluster's own root CA is left to it.
    const results = jobResults(dir, namespace, 'restore-second');
    const key = (r: ObjectResult) => `${r.resource.split('.')[0] ?? ''} ${r.name}`;
    const inApp = results.filter((r) => r.namespace === app);
    assert.deepEqual(
      inApp.map(key).sort(),
      before,
      'each object of the dump in the namespace is decided once',
    );
    for (const r of inApp) {
      const existed = left.includes(key(r));
      const expected =
        key(r) === 'configmaps kube-root-ca.crt'
          ? ['skipped', 'ClusterManaged']
          : existed
            ? ['skipped', 'AlreadyExists']
            : ['created', undefined];
      assert.deepEqual([r.outcome, r.reason], expected, `${key(r)} (${existed ? 'existed' : 'missing'})`);
    }
    const [namespaceResult, ...others] = results.filter((r) => r.namespace !== app);
    assert.deepEqual(others, [], 'only the Namespace itself is outside it');
    assert.deepEqual(
      [namespaceResult?.resource, namespaceResult?.name, namespaceResult?.outcome, namespaceResult?.reason],
      ['namespaces', app, 'skipped', 'AlreadyExists'],
    );
    const count = (o: ObjectResult['outcome'], reason?: string) =>
      results.filter((r) => r.outcome === o && (reason === undefined || r.reason === reason)).length;
    assert.deepEqual(done.status?.components?.manifest?.objects, {
      created: count('created'),
      updated: 0,
      unchanged: 0,
      skipped: count('skipped'),
      failed: 0,
    });
    // What the dump holds that a restore writes: the namespace's objects but the root CA, and the Namespace.
    assert.equal(count('created') + count('skipped', 'AlreadyExists'), before.length - 1 + 1);
    assert.equal(count('created'), before.length - left.length);
    lap(`the second restore created ${count('created')} and skipped ${count('skipped')}`);

    const web = await client.get(K8S.deployments, 'web', app);
    const rsObj = await client.get(replicaSets, 'web-7d9c5b', app);
    assert.deepEqual(
      rsObj.metadata?.ownerReferences?.map((o) => [o.kind, o.name, o.uid]),
      [['Deployment', 'web', web.metadata?.uid]],
    );

    // No Secret value or password in the sessions' status, the Events, the Jobs' logs or the results file.
    const texts = {
      statuses: JSON.stringify([failed.status, done.status]),
      events: JSON.stringify([
        (await client.list(K8S.events, { namespace })).items,
        (await client.list(K8S.events, { namespace: app })).items,
      ]),
      logs: jobLogs(dir, namespace, 'restore-first') + jobLogs(dir, namespace, 'restore-second'),
      results: JSON.stringify(results),
    };
    assert.ok(texts.logs.includes('restore started'), 'the Jobs logged');
    for (const [where, text] of Object.entries(texts)) {
      for (const value of [PASSWORD, ...SECRET_VALUES]) {
        const b64 = Buffer.from(value).toString('base64');
        assert.ok(!text.includes(value) && !text.includes(b64), `a secret value in the ${where}`);
      }
    }
  },
  240_000,
);
