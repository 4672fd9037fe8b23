// KubeStash's two cluster-resources restore guides, applied as written after their backup guides: the
// filtering demonstration (restore everything but namespace demo-a, cluster resources included, existing
// objects overridden, PVs restored) and the full-cluster guide (restore namespaces kubedb and db with the
// cluster resources). The objects each guide backs up are deleted, the guide's RestoreSession is applied
// unchanged (but for the renamed namespaces), and the session must end Succeeded with every object the
// guide's text says it restores back, equal to what was there before once the fields the server sets are
// set aside, and nothing it excludes. No credential may reach the RestoreSession, an Event, a container log
// or the operator log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient } from '../../src/kube/types.ts';
import { adminClient, failureReport } from '../harness/cluster.ts';
import {
  BUCKET,
  DOCS,
  GUIDES,
  renamed,
  resourceOf,
  type Guide,
  type GuideWorld,
  type Obj,
  type Outcome,
} from '../harness/kubestash-guides.ts';
import { guideWorld } from '../harness/kubestash-guide-world.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

const PASSWORD = `guides-restore-password-${randomBytes(8).toString('hex')}`;
const SUFFIX = randomBytes(3).toString('hex');
const client: KubeClient = adminClient();
let s3: MinioServer;
let work = '';
let world: GuideWorld;

interface RestoreGuide {
  guide: Guide;
  /** The guide's RestoreSession file, relative to the docs folder. */
  restoreFile: string;
  /** The objects the guide creates and backs up, which the test deletes before the restore. */
  resourceFiles: string[];
  /** Namespaces (guide names) the test deletes before the restore. */
  deleteNamespaces: string[];
  /** Of the objects in resourceFiles, whether the guide's restore brings it back. */
  restored: (o: Obj, ns: Record<string, string>) => boolean;
}

const byKey = (key: string): Guide => {
  const g = GUIDES.find((x) => x.key === key);
  if (!g) throw new Error(`no guide ${key} in test/harness/kubestash-guides.ts`);
  return g;
};

const RESTORES: RestoreGuide[] = [
  {
    // Backed up: namespaces kubedb and db with the cluster resources; restored: the same.
    guide: { ...byKey('cr-full'), key: 'rs-full' },
    restoreFile: 'cluster-resources/full-cluster-backup-and-restore/05-restoresession.yaml',
    resourceFiles: [],
    deleteNamespaces: ['db'],
    restored: () => true,
  },
  {
    // Backed up: objects labelled app=my-app (demo-a) or app=my-sts (demo-b), with the cluster resources.
    // Restored: everything but namespace demo-a; cluster-scoped objects are not in a namespace and come back.
    guide: { ...byKey('cr-filtering'), key: 'rs-filtering' },
    restoreFile: 'cluster-resources/filtering-demonstration/07-restoresession.yaml',
    resourceFiles: ['01-resources-a', '02-resources-b'].map(
      (f) => `cluster-resources/filtering-demonstration/${f}.yaml`,
    ),
    deleteNamespaces: ['demo-a', 'demo-b'],
    restored: (o, ns) => o.metadata?.namespace !== ns['demo-a'],
  },
];

/** What the server sets or a restore legitimately renews, set aside before comparing objects. */
function comparable(o: Obj): unknown {
  const c: Obj & Record<string, unknown> = structuredClone(o);
  delete c.status;
  const m = c.metadata ?? {};
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields']) {
    delete (m as Record<string, unknown>)[k];
  }
  const annotations = m.annotations ?? {};
  for (const k of Object.keys(annotations)) if (k.startsWith('pv.kubernetes.io/')) delete annotations[k];
  if (Object.keys(annotations).length === 0) delete m.annotations;
  const spec = c.spec;
  if (c.kind === 'Service' && spec) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  }
  if (c.kind === 'PersistentVolumeClaim' && spec) delete spec.volumeName;
  return c;
}

/** The guide's own objects as the cluster held them just before they were deleted. */
async function liveObjects(files: string[], ns: Record<string, string>): Promise<Obj[]> {
  const out: Obj[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(renamed(readFileSync(join(DOCS, file), 'utf8'), ns))) {
      const o = doc.toJS() as Obj | null;
      if (!o?.kind) continue;
      out.push(await client.get<Obj>(resourceOf(o), o.metadata?.name ?? '', o.metadata?.namespace));
    }
  }
  return out;
}

async function deleteAndWait(objects: Obj[], namespaces: string[]): Promise<void> {
  for (const o of objects.filter((x) => !x.metadata?.namespace)) {
    await client.delete(resourceOf(o), o.metadata?.name ?? '');
  }
  for (const n of namespaces) await client.delete(K8S.namespaces, n);
  await waitFor(
    async () => {
      for (const n of namespaces) if (await client.find(K8S.namespaces, n)) return undefined;
      for (const o of objects.filter((x) => !x.metadata?.namespace)) {
        if (await client.find(resourceOf(o), o.metadata?.name ?? '')) return undefined;
      }
      return true;
    },
    {
      what: `namespaces ${namespaces.join(', ')} and the guide's cluster objects to be gone`,
      timeoutMs: 120_000,
    },
  );
}

/** Applies the guide's RestoreSession and waits for it to end. */
async function runRestore(r: RestoreGuide, o: Outcome): Promise<Obj> {
  const text = renamed(readFileSync(join(DOCS, r.restoreFile), 'utf8'), o.ns);
  const rs = parseAllDocuments(text)
    .map((d) => d.toJS() as Obj | null)
    .find((x) => x?.kind === 'RestoreSession');
  assert.ok(rs, `${r.restoreFile} holds a RestoreSession`);
  await world.applyObject(rs);
  const name = rs.metadata?.name ?? '';
  const namespace = rs.metadata?.namespace ?? '';
  return waitFor(
    async () => {
      const live = await client.get<Obj>(KUBESTASH.restoreSessions, name, namespace);
      return ['Succeeded', 'Failed', 'Invalid'].includes(String(live.status?.phase)) ? live : undefined;
    },
    {
      what: `guide ${r.guide.key}: RestoreSession ${namespace}/${name} to end`,
      timeoutMs: 240_000,
      intervalMs: 1000,
    },
  );
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Deletes what a guide backed up, applies its RestoreSession and checks what came back. */
async function restoreGuide(r: RestoreGuide, o: Outcome): Promise<void> {
  const before = await liveObjects(r.resourceFiles, o.ns);
  // The full-cluster guide backs up what namespace db holds (the reader's database settings).
  const settings =
    r.guide.key === 'rs-full' ? await client.get<Obj>(K8S.configMaps, 'mysql-settings', o.ns.db) : undefined;
  await deleteAndWait(
    before,
    r.deleteNamespaces.map((n) => o.ns[n]!),
  );
  const rs = await runRestore(r, o);
  assert.equal(
    rs.status?.phase,
    'Succeeded',
    `guide ${r.guide.key}: RestoreSession status ${JSON.stringify(rs.status, null, 1)}`,
  );
  for (const b of before) {
    const what = `guide ${r.guide.key}: ${b.kind} ${b.metadata?.namespace ?? ''}/${b.metadata?.name}`;
    const live = await client.find<Obj>(resourceOf(b), b.metadata?.name ?? '', b.metadata?.namespace);
    if (!r.restored(b, o.ns)) {
      assert.equal(live, undefined, `${what} is excluded by the guide's restore, yet it is there`);
      continue;
    }
    assert.ok(live, `${what} was restored`);
    assert.deepEqual(comparable(live), comparable(b), `${what} equals what was deleted`);
  }
  if (r.guide.key === 'rs-filtering') {
    assert.equal(
      await client.find(K8S.namespaces, o.ns['demo-a']!),
      undefined,
      'the excluded namespace demo-a is not created',
    );
  }
  if (settings) {
    const live = await client.get<Obj>(K8S.configMaps, 'mysql-settings', o.ns.db);
    assert.deepEqual(comparable(live), comparable(settings), 'db/mysql-settings equals what was deleted');
    for (const gone of ['kubedb', 'demo-a', 'demo-b']) {
      assert.equal(
        await client.find(K8S.namespaces, o.ns[gone]!),
        undefined,
        `namespace ${gone}, never created by the guide, is not created by its restore`,
      );
    }
  }
  // No credential in the RestoreSession or the guide's Events.
  const secrets = [PASSWORD, s3.secretAccessKey];
  const events = (await client.list<Obj>(K8S.events, { namespace: o.ns.demo })).items;
  for (const text of [JSON.stringify(rs), JSON.stringify(events)]) {
    for (const v of secrets)
      assert.ok(!text.includes(v), `guide ${r.guide.key}: a credential in status or Events`);
  }
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'cairn-guides-restore-'));
  s3 = await startMinio();
  await s3.createBucket(BUCKET);
  world = guideWorld({ client, s3, work, password: PASSWORD, suffix: SUFFIX });
});

after(async () => {
  for (const n of world.namespaces) {
    for (const bs of (await client.list<Obj>(KUBESTASH.backupStorages, { namespace: n })).items) {
      await client.delete(KUBESTASH.backupStorages, bs.metadata?.name ?? '', { namespace: n });
    }
  }
  for (const n of world.namespaces) await client.delete(K8S.namespaces, n).catch(() => undefined);
  for (const c of world.clusterScoped) await client.delete(c.r, c.name).catch(() => undefined);
  await s3?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

test(
  'the cluster-resources restore guides, applied as written after their backups on MinIO, bring back every object their filters select, equal to what was deleted, leave out what they exclude, end Succeeded, and put no credential in the RestoreSession, Events or logs',
  { timeout: 600_000 },
  async (t) => {
    const dir = process.env.CAIRN_TEST_DIR ?? '';
    try {
      const outcomes = await Promise.all(RESTORES.map((r) => world.runGuide(r.guide)));
      // One restore after the other: the full-cluster guide brings back every cluster-scoped object of its
      // dump, which holds the filtering guide's ClusterRoles; were they deleted already for the filtering
      // guide's restore, the full-cluster restore would re-create them (as it should).
      for (const [i, r] of RESTORES.entries()) await restoreGuide(r, outcomes[i]!);
      // Nor in any container log of the run's namespaces or the operator's log.
      const logs = [
        ...world.namespaces.flatMap((n) =>
          filesUnder(join(dir, 'pods', n)).filter((f) => f.includes('/logs/')),
        ),
        join(dir, 'logs', 'operator.log'),
      ];
      assert.ok(logs.length > 1, 'the credential scan reads the restore Jobs’ container logs');
      for (const f of logs) {
        const text = readFileSync(f, 'utf8');
        for (const v of [PASSWORD, s3.secretAccessKey])
          assert.ok(!text.includes(v), `${f} holds a credential`);
      }
    } catch (err) {
      for (const n of world.namespaces) t.diagnostic(failureReport(dir, n));
      throw err;
    }
  },
);
