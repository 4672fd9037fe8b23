// The restore engine over the restored namespace itself: without overrideResources nothing is written, a
// dry run writes nothing and shows no Secret value, and with it changed objects are updated while an
// immutable-field change fails only that object.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { K8S } from '../../../src/api/resource-type.ts';
import { renderYaml } from '../../../src/dump/render.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { restore } from '../../../src/restore/engine.ts';
import { FILTER, FROZEN, ID, NS, PASSWORD, R, client, find, show, tmp, versions } from './fixture.ts';
import { useRestoredCluster } from './seed.ts';

const { run, tree } = useRestoredCluster();

test('with overrideResources false every existing object is left untouched and reported AlreadyExists', async () => {
  const before = await versions(NS);
  const summary = await run({ overrideResources: false });
  assert.deepEqual(await versions(NS), before);
  for (const r of summary.results) {
    if (r.resource === 'pods') continue;
    assert.equal(r.outcome, 'skipped', `${r.resource} ${r.name}`);
    assert.equal(r.reason, 'AlreadyExists', `${r.resource} ${r.name}`);
  }
});

test('a dry run writes nothing and lists what would change, Secret values never shown', async () => {
  const newPassword = `changed-${randomBytes(6).toString('hex')}`;
  await client.patch(R.configMaps, 'settings', { data: { mode: 'b' } }, { type: 'merge', namespace: NS });
  await client.patch(
    R.secrets,
    'creds',
    { stringData: { password: newPassword } },
    { type: 'merge', namespace: NS },
  );
  const before = await versions(NS);
  const summary = await run({ overrideResources: true, dryRun: true });
  assert.deepEqual(await versions(NS), before, 'no resourceVersion changed');
  assert.equal(summary.counts.failed, 0, show(summary));
  const settings = find(summary, 'configmaps', 'settings', NS);
  assert.equal(settings.outcome, 'updated');
  assert.deepEqual(settings.diff, ['data.mode: "b" → "a"']);
  const creds = find(summary, 'secrets', 'creds', NS);
  assert.equal(creds.outcome, 'updated');
  assert.deepEqual(creds.diff, ['data.password: changed']);
  const text = JSON.stringify(summary);
  for (const secret of [PASSWORD, newPassword, FROZEN])
    for (const form of [secret, Buffer.from(secret).toString('base64')]) assert.ok(!text.includes(form));
  assert.equal(find(summary, 'deployments.apps', 'web', NS).outcome, 'unchanged');

  const elsewhere = await run({ dryRun: true, namespaceMappings: new Map([[NS, `shop-dry-${ID}`]]) });
  assert.equal(elsewhere.counts.failed, 0, show(elsewhere));
  assert.equal(find(elsewhere, 'namespaces', `shop-dry-${ID}`).outcome, 'created');
  assert.equal(
    await client.find(K8S.namespaces, `shop-dry-${ID}`),
    undefined,
    'the namespace was not created',
  );
});

test('with overrideResources true changed objects are updated and an immutable-field change fails only that object', async () => {
  // The dump as if the frozen Secret had held another value: an immutable Secret cannot take it.
  const tampered = tmp();
  cpSync(tree(), tampered, { recursive: true });
  const frozenFile = join(tampered, 'secrets', 'namespaces', NS, 'frozen.yaml');
  const frozen = parse(readFileSync(frozenFile, 'utf8')) as KubeObject & { data: Record<string, string> };
  const other = `other-${randomBytes(6).toString('hex')}`;
  frozen.data.token = Buffer.from(other).toString('base64');
  writeFileSync(frozenFile, renderYaml(frozen));

  const summary = await restore({
    client,
    root: tampered,
    filter: FILTER,
    overrideResources: true,
    storageClassMappings: new Map([['fast', 'slow']]),
  });
  const pvc = find(summary, 'persistentvolumeclaims', 'data', NS);
  assert.equal(pvc.outcome, 'failed');
  assert.equal(pvc.reason, 'Immutable');
  assert.match(pvc.message ?? '', /spec/);
  const secret = find(summary, 'secrets', 'frozen', NS);
  assert.equal(secret.outcome, 'failed');
  assert.equal(secret.reason, 'Immutable');
  assert.match(secret.message ?? '', /data/);
  const text = JSON.stringify(summary);
  for (const s of [FROZEN, other])
    for (const form of [s, Buffer.from(s).toString('base64')]) assert.ok(!text.includes(form));

  assert.equal(find(summary, 'configmaps', 'settings', NS).outcome, 'updated');
  assert.equal(find(summary, 'secrets', 'creds', NS).outcome, 'updated');
  const settings = await client.get(R.configMaps, 'settings', NS);
  assert.deepEqual((settings as { data?: unknown }).data, { mode: 'a' });
  for (const r of summary.results) {
    if (r.resource === 'pods' || ['data', 'frozen', 'settings', 'creds'].includes(r.name)) continue;
    assert.equal(
      r.outcome,
      'unchanged',
      `${r.resource} ${r.name}: ${r.reason} ${r.message} ${r.diff?.join(', ')}`,
    );
  }
  assert.equal(summary.counts.failed, 2, show(summary));
});
