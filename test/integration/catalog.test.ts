// The dev environment (what `cairn up` and this suite's global setup start) installs the Addon catalog of
// deploy/addons, so KubeStash's guides that name kubedump-addon find it.
import assert from 'node:assert/strict';
import type { Addon } from '../../src/api/kinds/addon.ts';
import type { FunctionObject } from '../../src/api/kinds/function.ts';
import { KUBESTASH } from '../../src/api/resource-type.ts';
import { FIELD_MANAGER } from '../../src/devcluster/manifests.ts';
import { clusterTest } from '../harness/cluster.ts';

clusterTest(
  'the dev cluster starts with the kubedump Addon and its two Functions installed',
  async ({ client }) => {
    const addon = await client.get<Addon & { metadata: { managedFields?: { manager?: string }[] } }>(
      KUBESTASH.addons,
      'kubedump-addon',
    );
    assert.deepEqual(
      addon.spec.backupTasks?.map((t) => [t.name, t.function]),
      [['manifest-backup', 'kubedump-backup']],
    );
    assert.deepEqual(
      addon.spec.restoreTasks?.map((t) => [t.name, t.function]),
      [['manifest-restore', 'kubedump-restore']],
    );
    assert.ok(
      addon.metadata.managedFields?.some((f) => f.manager === FIELD_MANAGER),
      'the Addon is applied by the dev environment',
    );
    for (const [name, verb] of [
      ['kubedump-backup', 'backup'],
      ['kubedump-restore', 'restore'],
    ] as const) {
      const fn = await client.get<FunctionObject>(KUBESTASH.functions, name);
      assert.match(fn.spec.image, /^ghcr\.io\/cairn-backup\/cairn:/);
      assert.deepEqual(fn.spec.args?.slice(0, 2), ['kubedump', verb]);
    }
  },
);
