// The restore engine restoring beside the restored namespace through a namespace mapping: the original is
// left untouched, a taken nodePort reassigned, and a second restore with overrideResources changes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COPY, CRD_NAME, GADGETS, ID, NODE_PORT, NS, R, client, find, show, versions } from './fixture.ts';
import { useRestoredCluster } from './seed.ts';

const { run } = useRestoredCluster();

test('a restore into another namespace through the mapping leaves the original untouched and reassigns a taken nodePort', async () => {
  const before = await versions(NS);
  const summary = await run({ namespaceMappings: new Map([[NS, COPY]]) });
  assert.equal(summary.counts.failed, 0, show(summary));
  assert.deepEqual(await versions(NS), before, 'nothing of the original namespace was written');
  assert.equal(
    find(summary, 'customresourcedefinitions.apiextensions.k8s.io', CRD_NAME).reason,
    'AlreadyExists',
  );
  const np = find(summary, 'services', 'web-np', COPY);
  assert.equal(np.outcome, 'created');
  assert.equal(np.reason, 'NodePortReassigned');
  const live = await client.get(R.services, 'web-np', COPY);
  const port = (live.spec as { ports: { nodePort: number }[] }).ports[0]!.nodePort;
  assert.notEqual(port, NODE_PORT);
  assert.match(np.message ?? '', new RegExp(`${NODE_PORT}.*in use.*${port}`));

  const rb = await client.get(R.roleBindings, 'app', COPY);
  assert.deepEqual((rb as { subjects?: unknown }).subjects, [
    { kind: 'ServiceAccount', name: 'app', namespace: COPY },
  ]);
  const child = await client.get(GADGETS, 'child', COPY);
  const parent = await client.get(GADGETS, 'parent', COPY);
  assert.equal(
    child.metadata?.ownerReferences?.[0]?.uid,
    parent.metadata?.uid,
    'owned by the copy, not the original',
  );
  const extra = await client.get(R.configMaps, 'web-extra', COPY);
  const web = await client.get(R.deployments, 'web', COPY);
  assert.equal(extra.metadata?.ownerReferences?.[0]?.uid, web.metadata?.uid);
});

test('a second restore with overrideResources over the first changes nothing, keeping the nodePort the server assigned', async () => {
  const target = `shop-again-${ID}`;
  const first = await run({ namespaceMappings: new Map([[NS, target]]) });
  assert.equal(first.counts.failed, 0, show(first));
  const before = await versions(target);
  const second = await run({ namespaceMappings: new Map([[NS, target]]), overrideResources: true });
  assert.equal(second.counts.failed, 0, show(second));
  assert.deepEqual(await versions(target), before, show(second));
  const np = find(second, 'services', 'web-np', target);
  assert.equal(np.outcome, 'unchanged', show(second));
  assert.match(np.message ?? '', new RegExp(`nodePort ${NODE_PORT} .*in use`));
});
