// The restore engine against a real API server: the seeded namespace is dumped with src/dump, deleted with
// its CRD, and restored from the dump, every object equal after sanitising and owned by its new owners.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/kube/types.ts';
import { restore } from '../../../src/restore/engine.ts';
import { countOutcomes } from '../../../src/restore/results.ts';
import type { ObjectResult, RestoreOptions, RestoreSummary } from '../../../src/restore/types.ts';
import { BY_KIND, FILTER, NAMESPACED, NS, client, dumpTo, show, tmp, usePrivateCluster } from './fixture.ts';
import { deleteSeeded, seed } from './seed.ts';

usePrivateCluster();

/** The first dump of the seeded namespace, and what its objects were (for the UIDs they had). */
let tree = '';
const originalUids = new Set<string>();

/** Every file of a dump tree, parsed: relative path → object. */
function readDump(dir: string): Map<string, KubeObject> {
  const out = new Map<string, KubeObject>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const rel = join(e.parentPath, e.name).slice(dir.length + 1);
    out.set(rel, parse(readFileSync(join(dir, rel), 'utf8')) as KubeObject);
  }
  return out;
}

/** An object as compared across clusters: new owner UIDs and allocated cluster IPs left out. */
function comparable(o: KubeObject): KubeObject {
  const c = structuredClone(o);
  for (const ref of c.metadata?.ownerReferences ?? []) delete (ref as { uid?: string }).uid;
  if (c.kind === 'Service') {
    const spec = c.spec as Record<string, unknown>;
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  return c;
}

const run = (o: Partial<RestoreOptions> = {}): Promise<RestoreSummary> =>
  restore({ client, root: tree, filter: FILTER, ...o });

test('a namespace deleted with its CRD comes back from its dump: every object equal after sanitising, owned by the new owners, counted once', async () => {
  await seed();
  tree = tmp();
  await dumpTo(tree);
  const dumped = readDump(tree);
  for (const o of dumped.values()) if (o.metadata?.uid) originalUids.add(o.metadata.uid);
  for (const r of NAMESPACED)
    for (const o of (await client.list(r, { namespace: NS })).items) originalUids.add(o.metadata?.uid ?? '');

  await deleteSeeded();

  const seen: ObjectResult[] = [];
  const summary = await run({ onResult: (r) => seen.push(r) });
  assert.deepEqual(seen, summary.results, 'onResult saw every result, in order');
  assert.equal(summary.counts.failed, 0, show(summary));
  assert.equal(summary.passes, 1, 'nothing waited for a further pass');
  assert.equal(summary.results.length, dumped.size, `one result per file of the tree:\n${show(summary)}`);
  assert.deepEqual(summary.counts, countOutcomes(summary.results));
  for (const r of summary.results) {
    if (r.resource === 'pods') assert.equal(r.reason, 'CreatedByController', show(summary));
    else if (r.resource === 'replicasets.apps')
      // The Deployment, restored first, may have made its ReplicaSet (same template, same name) before it.
      assert.ok(r.outcome === 'created' || r.reason === 'AlreadyExists', show(summary));
    else assert.equal(r.outcome, 'created', `${r.resource} ${r.name}: ${r.reason} ${r.message}`);
  }

  const again = tmp();
  await dumpTo(again);
  const restored = readDump(again);
  const withoutPods = (m: Map<string, KubeObject>) =>
    [...m.keys()].filter((f) => !f.startsWith('pods/')).sort();
  assert.deepEqual(withoutPods(restored), withoutPods(dumped), 'the same objects, file for file');
  for (const f of withoutPods(dumped))
    assert.deepEqual(comparable(restored.get(f)!), comparable(dumped.get(f)!), `${f} equal after sanitising`);

  // Every ownerReference names the owner as it exists now.
  let refs = 0;
  for (const [f, o] of restored) {
    for (const ref of o.metadata?.ownerReferences ?? []) {
      const type = BY_KIND.get(ref.kind);
      if (!type) continue;
      const owner = await client.get(type, ref.name, NS);
      assert.equal(ref.uid, owner.metadata?.uid, `${f}: its ${ref.kind} ${ref.name} by its new UID`);
      assert.ok(!originalUids.has(ref.uid), `${f}: not an old UID`);
      refs++;
    }
  }
  assert.ok(
    refs >= 3,
    'the child Gadget, the ConfigMap owned by the Deployment and the ReplicaSet are owned',
  );
});
