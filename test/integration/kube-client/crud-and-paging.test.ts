// Cairn's own Kubernetes client (src/kube) against the dev cluster: create, read, replace and delete, and
// lists paged with limit and continue tokens (list, listAll, listPages).
import assert from 'node:assert/strict';
import { K8S } from '../../../src/api/resource-type.ts';
import { errorClass } from '../../../src/kube/errors.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { rejection, type ConfigMap } from './fixture.ts';

async function makeConfigMaps(client: KubeClient, namespace: string, n: number): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `cm-${i}`);
  for (const name of names)
    await client.create(K8S.configMaps, { metadata: { name, namespace }, data: { i: name } });
  return names;
}

clusterTest(
  'a ConfigMap is created, read, replaced and deleted, and delete says false the second time',
  async ({ client, namespace }) => {
    const created = await client.create<ConfigMap>(K8S.configMaps, {
      metadata: { name: 'one', namespace },
      data: { a: '1' },
    });
    assert.ok(created.metadata?.uid);
    const got = await client.get<ConfigMap>(K8S.configMaps, 'one', namespace);
    assert.deepEqual(got.data, { a: '1' });
    assert.equal(await client.find(K8S.configMaps, 'absent', namespace), undefined);
    const replaced = await client.replace<ConfigMap>(K8S.configMaps, { ...got, data: { a: '2' } });
    assert.equal(replaced.data?.a, '2');
    const stale = await rejection(client.replace<ConfigMap>(K8S.configMaps, { ...got, data: { a: '3' } }));
    assert.equal(stale.statusCode, 409, 'a replace with a stale resourceVersion is refused');
    assert.equal(errorClass(stale), 'conflict');
    assert.equal(await client.delete(K8S.configMaps, 'one', { namespace }), true);
    assert.equal(await client.delete(K8S.configMaps, 'one', { namespace }), false);
  },
);

clusterTest(
  'a list with limit 3 over 7 objects returns each once, page by page and through listAll',
  async ({ client, namespace }) => {
    const names = await makeConfigMaps(client, namespace, 7);
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const page = await client.list(K8S.configMaps, {
        namespace,
        limit: 3,
        ...(cont && { continue: cont }),
      });
      pages++;
      assert.ok(page.items.length <= 3);
      seen.push(...page.items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith('cm-')));
      cont = page.metadata.continue;
    } while (cont);
    assert.ok(pages >= 3, `expected at least 3 pages of 3, got ${pages}`);
    assert.deepEqual(seen.sort(), names);
    const all = await client.listAll(K8S.configMaps, { namespace, limit: 3 });
    assert.deepEqual(
      all.items
        .map((c) => c.metadata?.name)
        .filter((n) => n?.startsWith('cm-'))
        .sort(),
      names,
    );
    assert.match(all.metadata.resourceVersion, /^\d+$/);
    const selected = await client.listAll(K8S.configMaps, { namespace, fieldSelector: 'metadata.name=cm-4' });
    assert.deepEqual(
      selected.items.map((c) => c.metadata?.name),
      ['cm-4'],
    );
  },
);

clusterTest(
  'listPages yields the raw pages with their resourceVersion and continue token',
  async ({ client, namespace }) => {
    const names = await makeConfigMaps(client, namespace, 7);
    const seen: string[] = [];
    const versions = new Set<string>();
    let pages = 0;
    for await (const page of client.listPages(K8S.configMaps, { namespace, limit: 3 })) {
      pages++;
      const parsed = JSON.parse(page.body.toString('utf8')) as {
        items: ConfigMap[];
        metadata: { continue?: string };
      };
      assert.equal(page.continue, parsed.metadata.continue || undefined);
      assert.match(page.resourceVersion, /^\d+$/);
      versions.add(page.resourceVersion);
      seen.push(...parsed.items.map((c) => c.metadata?.name ?? '').filter((n) => n.startsWith('cm-')));
    }
    assert.ok(pages >= 3);
    assert.equal(versions.size, 1, 'every page of one list is at the same resourceVersion');
    assert.deepEqual(seen.sort(), names);
  },
);
