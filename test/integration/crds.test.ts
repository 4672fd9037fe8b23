import { randomUUID } from 'node:crypto';
// Cairn's generated CRDs against the real API server: they install, serve every Kind with KubeStash's
// names and printer columns, apply their defaults, prune unknown fields, and reject invalid objects with
// messages that name the field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { ALL_KINDS } from '../../src/api/kinds/index.ts';
import type { KindDefinition } from '../../src/api/schema/crd.ts';
import { adminKubeConfig, clusterTest } from '../harness/cluster.ts';
import type { ClusterContext } from '../harness/cluster.ts';
import { FIELD_MANAGER, installCrds, kubeRequest, resourcePath, statusMessage } from '../harness/crds.ts';

type Obj = Record<string, unknown>;

function kindOf(name: string): KindDefinition {
  const def = ALL_KINDS.find((k) => k.kind === name);
  if (!def) throw new Error(`no Kind ${name}`);
  return def;
}

function manifest(kind: string, name: string, spec: Obj): Obj {
  const def = kindOf(kind);
  return { apiVersion: `${def.group}/v1alpha1`, kind, metadata: { name }, spec };
}

async function create(
  ctx: ClusterContext,
  obj: Obj,
): Promise<{ status: number; body: Obj; message: string }> {
  const def = kindOf(obj.kind as string);
  const res = await kubeRequest(ctx.kc, 'POST', resourcePath(def, ctx.namespace), { body: obj });
  return { status: res.status, body: res.body as Obj, message: statusMessage(res.body) };
}

async function createOk(ctx: ClusterContext, obj: Obj): Promise<Obj> {
  const res = await create(ctx, obj);
  assert.equal(res.status, 201, `creating ${String(obj.kind)}: ${res.message}`);
  return res.body;
}

/** Asserts the object is rejected as invalid with a message matching every pattern. */
async function rejected(ctx: ClusterContext, obj: Obj, ...patterns: RegExp[]): Promise<void> {
  const res = await create(ctx, obj);
  assert.equal(
    res.status,
    422,
    `expected ${String(obj.kind)} to be rejected, got ${res.status}: ${res.message}`,
  );
  for (const p of patterns) assert.match(res.message, p);
}

async function update(ctx: ClusterContext, obj: Obj): Promise<{ status: number; message: string }> {
  const def = kindOf(obj.kind as string);
  const name = (obj.metadata as { name: string }).name;
  const res = await kubeRequest(ctx.kc, 'PUT', resourcePath(def, ctx.namespace, name), { body: obj });
  return { status: res.status, message: statusMessage(res.body) };
}

/**
 * Changes the spec of the object as it is now and PUTs it, again from a fresh read when the operator's
 * reconcilers (status, finalizers) changed it in between: the answer is the API server's verdict on the
 * spec change, never a 409 from a race with a reconciler.
 */
async function updateSpec(
  ctx: ClusterContext,
  obj: Obj,
  change: (spec: Obj) => Obj,
): Promise<{ status: number; message: string }> {
  const def = kindOf(obj.kind as string);
  const name = (obj.metadata as { name: string }).name;
  for (let attempt = 1; ; attempt++) {
    const current = await kubeRequest(ctx.kc, 'GET', resourcePath(def, ctx.namespace, name));
    assert.equal(current.status, 200, `reading ${name}: ${statusMessage(current.body)}`);
    const live = current.body as Obj & { spec: Obj };
    const res = await update(ctx, { ...live, spec: change(live.spec) });
    if (res.status !== 409 || attempt === 5) return res;
  }
}

const s3Storage = (name: string, extra: Obj = {}): Obj =>
  manifest('BackupStorage', name, {
    // a prefix of its own: the webhook refuses two BackupStorages on one location, cluster-wide
    storage: {
      provider: 's3',
      s3: { bucket: 'b', endpoint: 'http://minio:9000', prefix: `p-${name}-${randomUUID()}` },
    },
    ...extra,
  });

const session = (name: string, extra: Obj = {}): Obj => ({
  name,
  scheduler: { schedule: '*/5 * * * *', jobTemplate: { backoffLimit: 1 } },
  repositories: [{ name: `${name}-repo`, backend: 'main', directory: `/${name}` }],
  addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
  ...extra,
});

const backupConfiguration = (name: string, sessions: Obj[]): Obj =>
  manifest('BackupConfiguration', name, {
    backends: [{ name: 'main', storageRef: { name: 's3' }, retentionPolicy: { name: 'keep' } }],
    sessions,
  });

void test('every generated CRD installs with server-side apply and becomes Established', async () => {
  const crds = await installCrds(adminKubeConfig());
  assert.deepEqual(
    crds.map((c) => c.metadata?.name).sort(),
    ALL_KINDS.map((k) => `${k.plural}.${k.group}`).sort(),
  );
  for (const crd of crds) {
    const managers = (crd.metadata?.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`);
    assert.ok(
      managers.includes(`${FIELD_MANAGER}/Apply`),
      `${crd.metadata?.name}: managers ${managers.join(', ')}`,
    );
  }
});

void test('discovery serves every Kind under KubeStash names, scope, short names, categories and subresources', async () => {
  const kc = adminKubeConfig();
  await installCrds(kc);
  for (const group of [...new Set(ALL_KINDS.map((k) => k.group))]) {
    const res = await kubeRequest(kc, 'GET', `/apis/${group}/v1alpha1`);
    assert.equal(res.status, 200, statusMessage(res.body));
    const resources = (res.body as { resources: Obj[] }).resources;
    for (const def of ALL_KINDS.filter((k) => k.group === group)) {
      const served = resources.find((r) => r.name === def.plural);
      assert.ok(served, `${group} does not serve ${def.plural}`);
      assert.equal(served.kind, def.kind);
      assert.equal(served.singularName, def.singular);
      assert.equal(served.namespaced, def.scope === 'Namespaced');
      assert.deepEqual(served.shortNames ?? [], [...def.shortNames]);
      assert.deepEqual(served.categories, [...def.categories]);
      const status = resources.some((r) => r.name === `${def.plural}/status`);
      assert.equal(status, def.statusSubresource, `${def.kind}: status subresource`);
    }
  }
});

clusterTest('every Kind can be listed', async (ctx) => {
  await installCrds(ctx.kc);
  for (const def of ALL_KINDS) {
    const res = await kubeRequest(ctx.kc, 'GET', resourcePath(def, ctx.namespace));
    assert.equal(res.status, 200, `list ${def.kind}: ${statusMessage(res.body)}`);
    assert.equal((res.body as { kind: string }).kind, `${def.kind}List`);
    assert.ok(Array.isArray((res.body as { items: unknown }).items));
  }
});

clusterTest('a Table response of every Kind has the printer columns of the API reference', async (ctx) => {
  await installCrds(ctx.kc);
  for (const def of ALL_KINDS) {
    const res = await kubeRequest(ctx.kc, 'GET', resourcePath(def, ctx.namespace), {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
    });
    assert.equal(res.status, 200, `table of ${def.kind}: ${statusMessage(res.body)}`);
    const table = res.body as { kind: string; columnDefinitions: { name: string }[] };
    assert.equal(table.kind, 'Table');
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', ...def.printerColumns.map((c) => c.name)],
      def.kind,
    );
  }
});

clusterTest('a row of a Table shows the values of the printer columns', async (ctx) => {
  await installCrds(ctx.kc);
  await createOk(ctx, s3Storage('s3', { default: true, deletionPolicy: 'WipeOut' }));
  const res = await kubeRequest(ctx.kc, 'GET', resourcePath(kindOf('BackupStorage'), ctx.namespace), {
    accept: 'application/json;as=Table;v=v1;g=meta.k8s.io',
  });
  const table = res.body as { rows: { cells: unknown[] }[] };
  assert.deepEqual(table.rows[0]?.cells.slice(0, 4), ['s3', 's3', true, 'WipeOut']);
});

clusterTest('defaults of the API reference are applied by the API server', async (ctx) => {
  await installCrds(ctx.kc);
  const storage = (await createOk(ctx, s3Storage('s3'))) as { spec: Obj };
  assert.equal(storage.spec.deletionPolicy, 'Delete');
  assert.deepEqual(storage.spec.usagePolicy, { allowedNamespaces: { from: 'Same' } });

  const policy = (await createOk(
    ctx,
    manifest('RetentionPolicy', 'keep', { maxRetentionPeriod: '30d' }),
  )) as {
    spec: Obj;
  };
  assert.deepEqual(policy.spec.failedSnapshots, { last: 1 });
  assert.deepEqual(policy.spec.usagePolicy, { allowedNamespaces: { from: 'Same' } });

  const bc = (await createOk(ctx, backupConfiguration('bc', [session('daily', { retryConfig: {} })]))) as {
    spec: { sessions: Obj[] };
  };
  assert.equal(bc.spec.sessions[0]?.sessionHistoryLimit, 1);
  assert.deepEqual(bc.spec.sessions[0]?.retryConfig, { maxRetry: 1 });
});

clusterTest('unknown fields are pruned, and free-form task params are kept as written', async (ctx) => {
  await installCrds(ctx.kc);
  const params = { IncludeClusterResources: 'true', Anything: 'kept', nested: { also: 'kept' } };
  const bc = backupConfiguration('bc', [
    session('daily', { addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup', params }] } }),
  ]);
  (bc.spec as Obj).typoField = 'dropped';
  const stored = (await createOk(ctx, bc)) as { spec: Obj & { sessions: { addon: { tasks: Obj[] } }[] } };
  assert.equal(stored.spec.typoField, undefined);
  assert.deepEqual(stored.spec.sessions[0]?.addon.tasks[0]?.params, params);
});

clusterTest(
  'invalid objects are rejected with messages that name the field and the fix',
  async (ctx, t: TestContext) => {
    await installCrds(ctx.kc);
    await t.test('a RetentionPolicy with neither maxRetentionPeriod nor successfulSnapshots', () =>
      rejected(
        ctx,
        manifest('RetentionPolicy', 'empty', { failedSnapshots: { last: 2 } }),
        /spec\.maxRetentionPeriod or spec\.successfulSnapshots is required/,
      ),
    );
    await t.test('a RetentionPolicy whose maxRetentionPeriod is not a retention period', () =>
      rejected(
        ctx,
        manifest('RetentionPolicy', 'bad-period', { maxRetentionPeriod: '2months' }),
        /spec\.maxRetentionPeriod/,
      ),
    );
    await t.test('a BackupStorage whose block does not match its provider', async () => {
      await rejected(
        ctx,
        manifest('BackupStorage', 'mismatch', { storage: { provider: 's3', gcs: { bucket: 'b' } } }),
        /spec\.storage\.s3 is required when spec\.storage\.provider is s3/,
        /spec\.storage\.gcs is set but spec\.storage\.provider is not gcs/,
      );
    });
    await t.test('a usage policy with from: Selector and no selector', () =>
      rejected(
        ctx,
        s3Storage('selector', { usagePolicy: { allowedNamespaces: { from: 'Selector' } } }),
        /spec\.usagePolicy\.allowedNamespaces\.selector is required when from is Selector/,
      ),
    );
    await t.test('a BackupConfiguration with two sessions of the same name', () =>
      rejected(
        ctx,
        backupConfiguration('dup', [session('s'), session('s')]),
        /spec\.sessions names must be unique/,
      ),
    );
    await t.test('a BackupConfiguration whose repository names an undeclared backend', () =>
      rejected(
        ctx,
        backupConfiguration('nobackend', [
          session('s', { repositories: [{ name: 'r', backend: 'elsewhere', directory: '/r' }] }),
        ]),
        /spec\.sessions\[0\]\.repositories\[0\]\.backend names backend "elsewhere", which is not in spec\.backends: use the name of one of its entries/,
      ),
    );
    await t.test('a Repository whose path climbs out of the storage prefix', () =>
      rejected(
        ctx,
        manifest('Repository', 'escape', { storageRef: { name: 's3' }, path: 'team/../../other-team' }),
        /spec\.path: Invalid value: .*spec\.path has a "\." or "\.\." segment/,
      ),
    );
    await t.test('a BackupConfiguration directory with an empty segment', () =>
      rejected(
        ctx,
        backupConfiguration('double-slash', [
          session('s', { repositories: [{ name: 'r', backend: 'main', directory: 'a//b' }] }),
        ]),
        /spec\.sessions\[0\]\.repositories\[0\]\.directory: Invalid value: .*has an empty segment/,
      ),
    );
    await t.test('a BackupConfiguration session without a scheduler or tasks', () => {
      const { scheduler: _scheduler, ...noScheduler } = session('s', {
        addon: { name: 'kubedump-addon', tasks: [] },
      });
      return rejected(
        ctx,
        backupConfiguration('incomplete', [noScheduler]),
        /spec\.sessions\[\]\.scheduler is required/,
        /spec\.sessions\[\]\.addon\.tasks must name at least one task/,
      );
    });
    await t.test('a RestoreSession of the latest snapshot without a repository', () =>
      rejected(
        ctx,
        manifest('RestoreSession', 'latest', {
          dataSource: { snapshot: 'latest' },
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] },
        }),
        /spec\.dataSource\.repository is required when spec\.dataSource\.snapshot is latest/,
      ),
    );
    await t.test('a Query BackupVerifier without query and without scheduler', () =>
      rejected(
        ctx,
        manifest('BackupVerifier', 'query', {
          type: 'Query',
          function: 'kubedbverifier',
          restoreOption: { addonInfo: { name: 'kubedump-addon', tasks: [{ name: 'manifest-restore' }] } },
        }),
        /spec\.query is required when spec\.type is Query/,
        /spec\.scheduler is required/,
      ),
    );
  },
);

clusterTest('immutable fields cannot be changed after creation', async (ctx, t: TestContext) => {
  await installCrds(ctx.kc);
  await t.test('Repository spec.path', async () => {
    const repo = manifest('Repository', 'repo', { storageRef: { name: 's3' }, path: '/one' });
    const created = await createOk(ctx, repo);
    const res = await updateSpec(ctx, created, (spec) => ({ ...spec, path: '/two' }));
    assert.equal(res.status, 422, res.message);
    assert.match(res.message, /spec\.path cannot be changed after creation/);
    const paused = await updateSpec(ctx, created, (spec) => ({ ...spec, paused: true }));
    assert.equal(paused.status, 200, `other fields stay mutable: ${paused.message}`);
  });
  await t.test('BackupSession spec', async () => {
    const bs = manifest('BackupSession', 'bs', {
      invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'bc' },
      session: 'daily',
    });
    const created = await createOk(ctx, bs);
    const res = await updateSpec(ctx, created, (spec) => ({ ...spec, session: 'weekly' }));
    assert.equal(res.status, 422, res.message);
    assert.match(res.message, /spec of a BackupSession cannot be changed after creation/);
    assert.match(res.message, /create a new BackupSession with another name \(kubectl create -f\)/);
  });
  await t.test('BackupVerificationSession spec', async () => {
    const bvs = manifest('BackupVerificationSession', 'bvs', {
      invoker: { apiGroup: 'core.kubestash.com', kind: 'BackupConfiguration', name: 'bc' },
      session: 'daily',
      repository: 'repo',
      snapshot: 'snap',
    });
    const created = await createOk(ctx, bvs);
    const res = await updateSpec(ctx, created, (spec) => ({ ...spec, snapshot: 'other' }));
    assert.equal(res.status, 422, res.message);
    assert.match(res.message, /spec of a BackupVerificationSession cannot be changed after creation/);
  });
});
