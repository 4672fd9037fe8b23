// The manifest dump against the dev cluster: a seeded namespace is dumped, parsed back and compared with
// the live objects; later dumps touch only the files of what changed.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after } from 'node:test';
import { parse } from 'yaml';
import { K8S, apiVersionOf } from '../../../src/api/resource-type.ts';
import { dump } from '../../../src/dump/dump.ts';
import { pathFor } from '../../../src/dump/layout.ts';
import { sanitizeV2 } from '../../../src/dump/sanitize.ts';
import { planTypes, type DumpScope } from '../../../src/dump/select.ts';
import { discover } from '../../../src/kube/discovery.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { files, LONG_NAME, removeTemps, scopeOf, seed, tmp } from './fixture.ts';

after(removeTemps);

const stats = (root: string): Map<string, string> =>
  new Map(
    files(root).map((f) => {
      const s = statSync(join(root, f), { bigint: true });
      return [f, `${s.ino}/${s.mtimeNs}/${s.ctimeNs}`];
    }),
  );

/** The sanitized live objects of the scope, by the path the dump should give them. */
async function expected(client: KubeClient, scope: DumpScope): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const plan of planTypes((await discover(client)).resources, scope)) {
    for (const namespace of plan.namespaces ?? [undefined]) {
      const list = await client.listAll(plan.resource, namespace ? { namespace } : {});
      for (const item of list.items) {
        const o = sanitizeV2({ ...item, apiVersion: apiVersionOf(plan.resource), kind: plan.resource.kind });
        const key = {
          resourceId: plan.id,
          kind: plan.resource.kind,
          namespace: item.metadata?.namespace ?? '',
          name: item.metadata?.name ?? '',
        };
        out.set(pathFor('v2', key), o);
      }
    }
  }
  return out;
}

clusterTest(
  'the dumped files parse back to the sanitized live objects of the namespace',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const dir = tmp();
    const scope = scopeOf(namespace);
    const result = await dump({ client, dir, scope });
    const want = await expected(client, scope);
    assert.deepEqual(files(dir), [...want.keys()].sort());
    for (const [path, object] of want)
      assert.deepEqual(parse(readFileSync(join(dir, path), 'utf8')), object, path);
    for (const f of [
      `configmaps/namespaces/${namespace}/alpha.yaml`,
      `secrets/namespaces/${namespace}/s1.yaml`,
      `deployments.apps/namespaces/${namespace}/web.yaml`,
      `serviceaccounts/namespaces/${namespace}/robot.yaml`,
      `roles.rbac.authorization.k8s.io/namespaces/${namespace}/app:reader.yaml`,
      `widgets.dump.cairn.test/namespaces/${namespace}/w1.yaml`,
    ])
      assert.ok(
        files(dir).some((p) => p.startsWith(f)),
        f,
      );
    const long = files(dir).find((p) => p.includes('long-nnn'));
    assert.ok(long && Buffer.byteLength(long.split('/').at(-1) ?? '') <= 255);
    assert.equal((parse(readFileSync(join(dir, long), 'utf8')) as KubeObject).metadata?.name, LONG_NAME);
    const role = parse(
      readFileSync(
        join(dir, `roles.rbac.authorization.k8s.io/namespaces/${namespace}/app:reader.yaml`),
        'utf8',
      ),
    ) as KubeObject;
    assert.equal(role.metadata?.annotations?.note, 'données — 名前');
    assert.equal(result.objects, want.size);
    assert.deepEqual(result.files, {
      written: want.size,
      unchanged: 0,
      deleted: 0,
      bytes: result.files.bytes,
    });
    assert.deepEqual(result.skipped, []);
    assert.deepEqual(result.unavailable, []);
  },
);

clusterTest(
  'a second dump rewrites no file, a changed object rewrites only its file and a deleted object loses its file',
  async ({ client, namespace }) => {
    await seed(client, namespace);
    const dir = tmp();
    const scope = scopeOf(namespace);
    await dump({ client, dir, scope });
    const first = stats(dir);
    const second = await dump({ client, dir, scope });
    assert.equal(second.files.written, 0);
    assert.equal(second.files.deleted, 0);
    assert.deepEqual(stats(dir), first);

    await client.patch(K8S.configMaps, 'alpha', { data: { key: 'changed' } }, { type: 'merge', namespace });
    await client.delete(K8S.secrets, 's2', { namespace });
    const third = await dump({ client, dir, scope });
    assert.equal(third.files.written, 1);
    assert.equal(third.files.deleted, 1);
    const now = stats(dir);
    const alpha = `configmaps/namespaces/${namespace}/alpha.yaml`;
    const s2 = `secrets/namespaces/${namespace}/s2.yaml`;
    assert.equal(now.has(s2), false);
    assert.notEqual(now.get(alpha), first.get(alpha));
    for (const [f, s] of now) if (f !== alpha) assert.equal(s, first.get(f), f);
    assert.equal(
      (parse(readFileSync(join(dir, alpha), 'utf8')) as { data: { key: string } }).data.key,
      'changed',
    );
  },
);
