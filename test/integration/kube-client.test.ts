import assert from 'node:assert/strict';
import { K8S } from '../../src/api/resource-type.ts';
import { clusterTest } from '../harness/cluster.ts';

clusterTest('a ConfigMap is created, read, replaced, listed and deleted', async ({ client, namespace }) => {
  const created = await client.create(K8S.configMaps, { metadata: { name: 'one', namespace }, data: { a: '1' } });
  assert.ok(created.metadata?.uid);
  const got = await client.get<{ data: Record<string, string> }>(K8S.configMaps, 'one', namespace);
  assert.deepEqual(got.data, { a: '1' });
  assert.equal(await client.delete(K8S.configMaps, 'one', { namespace }), true);
  assert.equal(await client.delete(K8S.configMaps, 'one', { namespace }), false);
});
