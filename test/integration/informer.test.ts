// The informer (src/kube/informer.ts) against the dev cluster: watch events, recreation, label selectors,
// a real 410 Gone forced by compacting etcd, stop while connecting, and an apiserver restart. The 410 and
// restart tests use a second kube-apiserver on the same etcd (the shared one must keep serving the suite);
// the 410 one runs without a watch cache, so that old versions are served by etcd and compaction shows.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { K8S } from '../../src/api/resource-type.ts';
import { kubeClient } from '../../src/kube/connect.ts';
import { readState } from '../../src/devcluster/cluster.ts';
import {
  adminKubeconfigFor,
  startRestartableApiserver,
  type RestartableApiserver,
} from '../harness/apiserver-restart.ts';
import { Gate, recordingClient, silentServer } from '../harness/client-wrappers.ts';
import { clusterTest } from '../harness/cluster.ts';
import { compactEtcd, etcdRevision } from '../harness/etcd.ts';
import { NOT_ROOT_CA, cacheMatchesServer, cm, informerOf, until } from '../harness/informer-probe.ts';

let noCacheApiserver: Promise<RestartableApiserver> | undefined;
/** The second apiserver without a watch cache, started once for the tests that need it. */
const uncached = (): Promise<RestartableApiserver> =>
  (noCacheApiserver ??= startRestartableApiserver(['--watch-cache=false']));
after(async () => {
  await (await noCacheApiserver)?.stop();
});

clusterTest(
  'an informer delivers ADDED, MODIFIED and DELETED and its cache follows them',
  async ({ client, namespace }) => {
    await client.create(K8S.configMaps, cm('before', namespace));
    const { inf, log, errors } = informerOf(client, namespace);
    inf.start();
    try {
      await inf.waitForSync();
      assert.deepEqual(
        log.map((l) => l.split(' ').slice(0, 2).join(' ')),
        ['added before'],
      );
      const a = await client.create(K8S.configMaps, cm('a', namespace));
      await client.patch(K8S.configMaps, 'a', { data: { v: '2' } }, { type: 'merge', namespace });
      await client.delete(K8S.configMaps, 'before', { namespace });
      await until('three watch deliveries', () => log.length === 4);
      assert.deepEqual(log.slice(1), [
        `added a ${a.metadata?.uid}`,
        'updated a same-uid',
        `deleted before ${log[0]?.split(' ')[2]}`,
      ]);
      assert.equal(inf.get('a')?.data?.v, '2');
      assert.equal(inf.get('before'), undefined);
      await cacheMatchesServer(inf, client, namespace);
      assert.deepEqual(errors, []);
    } finally {
      await inf.stop();
    }
  },
);

clusterTest(
  'an object deleted and created again under its name arrives as deleted then added, with another UID',
  async ({ client, namespace }) => {
    const first = await client.create(K8S.configMaps, cm('x', namespace));
    const { inf, log } = informerOf(client, namespace);
    inf.start();
    try {
      await inf.waitForSync();
      await client.delete(K8S.configMaps, 'x', { namespace });
      const second = await client.create(K8S.configMaps, cm('x', namespace));
      assert.notEqual(first.metadata?.uid, second.metadata?.uid);
      await until('delete and add', () => log.length === 3);
      assert.deepEqual(log, [
        `added x ${first.metadata?.uid}`,
        `deleted x ${first.metadata?.uid}`,
        `added x ${second.metadata?.uid}`,
      ]);
      assert.equal(inf.get('x')?.metadata?.uid, second.metadata?.uid);
    } finally {
      await inf.stop();
    }
  },
);

clusterTest(
  'label and field selectors apply to the list and the watch: objects enter and leave as their labels change',
  async ({ client, namespace }) => {
    await client.create(K8S.configMaps, cm('web1', namespace, { app: 'web' }));
    await client.create(K8S.configMaps, cm('db1', namespace, { app: 'db' }));
    const rec = recordingClient(client);
    const { inf, log } = informerOf(rec.client, namespace, { labelSelector: 'app=web' });
    inf.start();
    try {
      await inf.waitForSync();
      assert.deepEqual(
        inf.list().map((o) => o.metadata?.name),
        ['web1'],
      );
      await client.create(K8S.configMaps, cm('web2', namespace, { app: 'web' }));
      await client.create(K8S.configMaps, cm('db2', namespace, { app: 'db' }));
      await client.patch(
        K8S.configMaps,
        'db1',
        { metadata: { labels: { app: 'web' } } },
        { type: 'merge', namespace },
      );
      await client.patch(
        K8S.configMaps,
        'web1',
        { metadata: { labels: { app: 'db' } } },
        { type: 'merge', namespace },
      );
      await until('four deliveries', () => log.length === 4);
      assert.deepEqual(
        log.map((l) => l.split(' ').slice(0, 2).join(' ')),
        ['added web1', 'added web2', 'added db1', 'deleted web1'],
      );
      assert.deepEqual(
        inf
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
        ['db1', 'web2'],
      );
      assert.ok(rec.lists.length > 0 && rec.watches.length > 0);
      for (const call of [...rec.lists, ...rec.watches]) {
        assert.deepEqual([call.labelSelector, call.fieldSelector], ['app=web', NOT_ROOT_CA]);
      }
    } finally {
      await inf.stop();
    }
  },
);

clusterTest(
  'after etcd compacts past its version, the reconnecting watch gets 410 and the informer relists what it missed',
  async ({ client, namespace }) => {
    for (const n of ['a', 'b', 'c']) await client.create(K8S.configMaps, cm(n, namespace));
    const direct = kubeClient({ kubeconfig: (await uncached()).kubeconfig });
    const gate = new Gate();
    const rec = recordingClient(direct, { watchGate: gate });
    const { inf, log, errors } = informerOf(rec.client, namespace, { watchTimeoutSeconds: 2 });
    inf.start();
    try {
      await inf.waitForSync();
      const oldC = inf.get('c')?.metadata?.uid;
      // The first watch ends with its 2 s timeout; the informer's next one waits at the gate, disconnected.
      gate.close();
      await until('the informer to reconnect', () => gate.waiting === 1);
      log.length = 0;
      await client.patch(K8S.configMaps, 'a', { data: { v: '2' } }, { type: 'merge', namespace });
      await client.delete(K8S.configMaps, 'b', { namespace });
      await client.delete(K8S.configMaps, 'c', { namespace });
      const newC = await client.create(K8S.configMaps, cm('c', namespace));
      await client.create(K8S.configMaps, cm('d', namespace));
      const stale = rec.watches.at(-1)?.resourceVersion;
      const revision = await etcdRevision();
      assert.ok(Number(stale) < revision);
      await compactEtcd(revision);
      gate.open();
      await cacheMatchesServer(inf, client, namespace);
      assert.equal(rec.lists.length, 2, 'one relist after the 410');
      assert.deepEqual(log, [
        'updated a same-uid',
        `deleted c ${oldC}`,
        `added c ${newC.metadata?.uid}`,
        `added d ${inf.get('d')?.metadata?.uid}`,
        `deleted b ${log.at(-1)?.split(' ')[2]}`,
      ]);
      assert.ok(rec.watches.at(-1)?.resourceVersion !== stale, 'watching again from the new list');
      assert.deepEqual(errors, [], 'a 410 is handled, not reported');
    } finally {
      await inf.stop();
    }
  },
);

clusterTest(
  'a continue token that expired during the paged list restarts the list from its first page',
  async ({ client, namespace }) => {
    for (const n of ['a', 'b', 'c']) await client.create(K8S.configMaps, cm(n, namespace));
    const direct = kubeClient({ kubeconfig: (await uncached()).kubeconfig });
    const gate = new Gate();
    gate.close();
    const rec = recordingClient(direct, { listGate: (o) => (o.continue ? gate : undefined) });
    const { inf, errors } = informerOf(rec.client, namespace, { pageSize: 1 });
    inf.start();
    try {
      await until('the second page to be asked for', () => gate.waiting === 1);
      await client.create(K8S.configMaps, cm('d', namespace));
      await compactEtcd(await etcdRevision());
      gate.open();
      await inf.waitForSync();
      const firstPages = rec.lists.filter((l) => !l.continue).length;
      assert.equal(firstPages, 2, 'the list started over once');
      assert.deepEqual(
        inf
          .list()
          .map((o) => o.metadata?.name)
          .sort(),
        ['a', 'b', 'c', 'd'],
      );
      assert.deepEqual(errors, []);
    } finally {
      await inf.stop();
    }
  },
);

clusterTest('stop ends a watch that is still connecting, at once', async ({ client, namespace, dir }) => {
  const silent = await silentServer();
  const kubeconfig = adminKubeconfigFor(readState(dir)!, `https://127.0.0.1:${silent.port}`);
  const rec = recordingClient(client, { watchVia: kubeClient({ kubeconfig }) });
  const { inf } = informerOf(rec.client, namespace);
  try {
    inf.start();
    await inf.waitForSync();
    await until('the watch to connect', () => silent.sockets.length === 1);
    const started = Date.now();
    await inf.stop();
    assert.ok(Date.now() - started < 2000, `stop took ${Date.now() - started} ms`);
    await until('the connection to be closed', () => silent.sockets[0]?.closed === true, 5000);
  } finally {
    await inf.stop();
    await silent.close();
  }
});

clusterTest(
  'after an apiserver restart, changes made while it was down and after it came back reach the cache',
  async ({ client, namespace }) => {
    const api = await startRestartableApiserver();
    const { inf, errors } = informerOf(kubeClient({ kubeconfig: api.kubeconfig }), namespace);
    try {
      await client.create(K8S.configMaps, cm('a', namespace));
      inf.start();
      await inf.waitForSync();
      await api.stop();
      await client.patch(K8S.configMaps, 'a', { data: { v: 'while-down' } }, { type: 'merge', namespace });
      await client.create(K8S.configMaps, cm('b', namespace));
      await api.start();
      await client.create(K8S.configMaps, cm('c', namespace));
      await cacheMatchesServer(inf, client, namespace);
      assert.equal(inf.get('a')?.data?.v, 'while-down');
      await client.delete(K8S.configMaps, 'b', { namespace });
      await cacheMatchesServer(inf, client, namespace);
      assert.ok(errors.length > 0, 'the failed reconnects were reported');
    } finally {
      await inf.stop();
      await api.stop();
    }
  },
  240_000,
);
