// The manifest dump's listing against the dev cluster: small pages give the same files as large ones, and a
// continue token expired by an etcd compaction mid-list restarts the type.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { kubedumpFilter } from '../../../src/api/kubedump-filter.ts';
import { K8S } from '../../../src/api/resource-type.ts';
import { dump } from '../../../src/dump/dump.ts';
import type { DumpScope } from '../../../src/dump/select.ts';
import { kubeClient } from '../../../src/kube/connect.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import { startRestartableApiserver, type RestartableApiserver } from '../../harness/apiserver-restart.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { compactEtcd, etcdRevision } from '../../harness/etcd.ts';
import { files, removeTemps, scopeOf, seed, tmp } from './fixture.ts';

let noCacheApiserver: Promise<RestartableApiserver> | undefined;
after(async () => {
  removeTemps();
  await (await noCacheApiserver)?.stop();
});

clusterTest(
  'a page size of one gives the same files as the default page size',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const small = tmp();
    const big = tmp();
    const scope = scopeOf(namespace);
    // Listed cluster-wide (no namespace list) so that the small pages really span many continue tokens.
    const wide: DumpScope = {
      generation: 'v2',
      filter: kubedumpFilter({ includeResources: ['configmaps', 'secrets'] }),
    };
    await dump({ client, dir: small, scope, pageSize: 1 });
    await dump({ client, dir: big, scope });
    assert.deepEqual(files(small), files(big));
    for (const f of files(small))
      assert.equal(readFileSync(join(small, f), 'utf8'), readFileSync(join(big, f), 'utf8'));
    const wideSmall = tmp();
    const wideBig = tmp();
    const a = await dump({ client, dir: wideSmall, scope: wide, pageSize: 2, concurrency: 2 });
    const b = await dump({ client, dir: wideBig, scope: wide, pageSize: 500 });
    const mine = (root: string): string[] => files(root).filter((f) => f.includes(`/${namespace}/`));
    assert.ok(mine(wideSmall).length >= 5);
    assert.deepEqual(mine(wideSmall), mine(wideBig));
    assert.ok(a.objects > 2);
    assert.ok(b.objects > 2);
  },
);

clusterTest(
  'a continue token expired by an etcd compaction mid-list restarts the type and the dump is complete',
  async ({ client, namespace }) => {
    for (let i = 0; i < 5; i++)
      await client.create(K8S.configMaps, {
        metadata: { name: `cm-${i}`, namespace },
        data: { i: String(i) },
      });
    // Without the watch cache every page is read from etcd, where the compaction expires the token.
    const api = await (noCacheApiserver ??= startRestartableApiserver(['--watch-cache=false']));
    const direct = kubeClient({ kubeconfig: api.kubeconfig });
    let compacted = false;
    const compacting: KubeClient = {
      ...direct,
      server: direct.server,
      namespace: direct.namespace,
      request: direct.request.bind(direct),
      find: direct.find.bind(direct),
      listPages: (r, opts) =>
        (async function* () {
          for await (const page of direct.listPages(r, opts)) {
            yield page;
            if (r.plural === 'configmaps' && !compacted) {
              // After the first page: a change, then the history before it is compacted away.
              compacted = true;
              await client.create(K8S.configMaps, {
                metadata: { name: 'late', namespace },
                data: { i: 'late' },
              });
              await compactEtcd(await etcdRevision());
            }
          }
        })(),
    };
    const dir = tmp();
    const scope: DumpScope = {
      generation: 'v2',
      filter: kubedumpFilter({ includeNamespaces: [namespace], includeResources: ['configmaps'] }),
    };
    const result = await dump({ client: compacting, dir, scope, pageSize: 2 });
    assert.ok(compacted);
    assert.deepEqual(result.restarted, ['configmaps']);
    const want = [
      ...(await client.listAll(K8S.configMaps, { namespace })).items.map(
        (o) => `configmaps/namespaces/${namespace}/${o.metadata?.name}.yaml`,
      ),
    ].sort();
    assert.ok(want.includes(`configmaps/namespaces/${namespace}/late.yaml`));
    assert.deepEqual(files(dir), want);
    assert.equal(result.objects, want.length);
  },
);
