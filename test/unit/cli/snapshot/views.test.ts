// What manifest-view, manifest-restore and download print: the tree of a dump with its counts and the
// filters applied, the restore results grouped by outcome, and download progress on a terminal and off it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubedumpFilter } from '../../../../src/api/kubedump-filter.ts';
import { K8S } from '../../../../src/api/resource-type.ts';
import { downloadSummary } from '../../../../src/cli/snapshot/download.ts';
import { dryRunPath } from '../../../../src/cli/snapshot/dry-run-files.ts';
import { downloadBar, plainProgress, terminalProgress } from '../../../../src/cli/snapshot/progress.ts';
import { renderReport, restoreReport } from '../../../../src/cli/snapshot/results-view.ts';
import { manifestTree, renderTree } from '../../../../src/cli/snapshot/tree-view.ts';
import type { DumpItem, ObjectResult, RestoreSummary } from '../../../../src/restore/types.ts';

function item(
  resource: string,
  namespace: string | undefined,
  name: string,
  labels?: Record<string, string>,
): DumpItem {
  return {
    resource,
    apiVersion: 'v1',
    kind: 'Thing',
    name,
    ...(namespace ? { namespace } : {}),
    object: { metadata: { name, ...(namespace ? { namespace } : {}), ...(labels ? { labels } : {}) } },
    file: `${resource}/${namespace ? `namespaces/${namespace}` : 'cluster'}/${name}.yaml`,
  };
}

const ITEMS: DumpItem[] = [
  item('configmaps', 'demo', 'b', { app: 'web' }),
  item('configmaps', 'demo', 'a'),
  item('configmaps', 'other', 'c', { app: 'web' }),
  item('deployments.apps', 'demo', 'web', { app: 'web' }),
  item('clusterroles.rbac.authorization.k8s.io', undefined, 'reader'),
  item('nodes', undefined, 'node-1'),
];

describe('manifest-view', () => {
  test('the tree lists type, namespace and sorted names with counts per type and namespace, and a total', () => {
    const tree = manifestTree('snap', ITEMS, kubedumpFilter({ includeClusterResources: true }));
    assert.equal(tree.total, 5, 'nodes are never selected (a default exclude)');
    assert.deepEqual(tree.namespaces, ['demo', 'other']);
    assert.equal(
      renderTree(tree),
      [
        'clusterroles.rbac.authorization.k8s.io (1)',
        '  (cluster-scoped) (1)',
        '    reader',
        'configmaps (3)',
        '  demo (2)',
        '    a',
        '    b',
        '  other (1)',
        '    c',
        'deployments.apps (1)',
        '  demo (1)',
        '    web',
        'Total: 5 objects of 3 resource types in 2 namespaces (Snapshot snap)',
        '',
      ].join('\n'),
    );
  });

  test('the filters of a backup select what is shown: namespaces, resources, labels, cluster scope', () => {
    const ids = (f: Parameters<typeof kubedumpFilter>[0]): string[] =>
      manifestTree('s', ITEMS, kubedumpFilter(f)).types.flatMap((t) => [
        ...t.cluster.map((n) => `${t.resource} ${n}`),
        ...t.namespaces.flatMap((ns) => ns.names.map((n) => `${t.resource} ${ns.namespace}/${n}`)),
      ]);
    assert.deepEqual(ids({ includeNamespaces: ['other'] }), ['configmaps other/c']);
    assert.deepEqual(ids({ includeClusterResources: true, excludeResources: ['configmaps'] }), [
      'clusterroles.rbac.authorization.k8s.io reader',
      'deployments.apps demo/web',
    ]);
    assert.deepEqual(ids({ andLabelSelectors: ['app=web'] }), [
      'configmaps demo/b',
      'configmaps other/c',
      'deployments.apps demo/web',
    ]);
  });

  test('an empty selection says so', () => {
    const text = renderTree(manifestTree('s', ITEMS, kubedumpFilter({ includeNamespaces: ['none'] })));
    assert.equal(text, 'Snapshot s holds no object that passes the filters.\n');
  });
});

function summary(results: ObjectResult[]): RestoreSummary {
  const counts = { created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const r of results) counts[r.outcome]++;
  return { counts, results, passes: 2, durationMs: 1500 };
}

const RESULTS: ObjectResult[] = [
  { resource: 'namespaces', name: 'demo', outcome: 'created' },
  { resource: 'configmaps', namespace: 'copy', sourceNamespace: 'demo', name: 'a', outcome: 'created' },
  {
    resource: 'pods',
    namespace: 'demo',
    name: 'done',
    outcome: 'skipped',
    reason: 'CompletedPod',
    message: 'the Pod had completed',
  },
  {
    resource: 'services',
    namespace: 'demo',
    name: 'web',
    outcome: 'failed',
    reason: 'Immutable',
    message: 'spec.clusterIP cannot change',
  },
  {
    resource: 'deployments.apps',
    namespace: 'demo',
    name: 'web',
    outcome: 'updated',
    diff: ['spec.replicas: 2 → 3'],
  },
];

describe('manifest-restore', () => {
  test('results are grouped by outcome with reasons, mappings and diffs, then the counts', () => {
    const text = renderReport(restoreReport('snap', summary(RESULTS), { dryRun: false }));
    assert.equal(
      text,
      [
        'created (2):',
        '  namespaces demo',
        '  configmaps copy/a (from demo)',
        'updated (1):',
        '  deployments.apps demo/web',
        '      spec.replicas: 2 → 3',
        'skipped (1):',
        '  pods demo/done — CompletedPod: the Pod had completed',
        'failed (1):',
        '  services demo/web — Immutable: spec.clusterIP cannot change',
        'Restored Snapshot snap: 2 created, 1 updated, 0 unchanged, 1 skipped, 1 failed (2 passes, 1.5 s)',
        '',
      ].join('\n'),
    );
  });

  test('a dry run says nothing was written and words each outcome as what would happen', () => {
    const text = renderReport(
      restoreReport('snap', summary(RESULTS.slice(0, 2)), { dryRun: true, dryRunDir: '/d' }),
    );
    assert.match(text, /^Dry run of Snapshot snap: nothing was written to the cluster\.\n/);
    assert.match(text, /\nwould create \(2\):\n/);
    assert.match(text, /Would restore Snapshot snap: 2 would create, 0 would update, 0 unchanged/);
    assert.match(text, /The objects it would send are in \/d\n$/);
  });

  test('as data, the report keeps each outcome as a list and the counts', () => {
    const report = restoreReport('snap', summary(RESULTS), { dryRun: false });
    assert.deepEqual(report.counts, { created: 2, updated: 1, unchanged: 0, skipped: 1, failed: 1 });
    assert.deepEqual(
      report.results.failed.map((r) => r.name),
      ['web'],
    );
    assert.equal(report.results.unchanged.length, 0);
  });
});

describe('download progress', () => {
  const p = {
    component: 'manifest',
    fraction: 0.5,
    filesDone: 1204,
    totalFiles: 2408,
    bytesDone: 2048,
    totalBytes: 4096,
  };

  test('the bar shows the component, the share done, files and bytes', () => {
    assert.equal(downloadBar(p, 10), 'manifest  [#####-----]  50%  1,204/2,408 files  2.0 KiB/4.0 KiB');
  });

  test('on a terminal the bar is redrawn in place and cleared at the end', () => {
    const out: string[] = [];
    const sink = terminalProgress((t) => out.push(t));
    sink.update(p);
    sink.update({ ...p, fraction: 1 });
    sink.finish();
    assert.ok(out.slice(0, 2).every((t) => t.startsWith('\r') && !t.includes('\n')));
    assert.equal(out[2], '\r\u001b[K');
  });

  test('off a terminal, plain lines: one when a component starts, then at most one per interval', () => {
    const out: string[] = [];
    let now = 0;
    const sink = plainProgress(
      (t) => out.push(t),
      () => now,
      10_000,
    );
    sink.update(p);
    now = 5_000;
    sink.update(p);
    now = 10_000;
    sink.update({ ...p, fraction: 1, filesDone: 2408 });
    assert.deepEqual(out, [
      'manifest: downloading, 50% (1204/2408 files, 2.0 KiB)\n',
      'manifest: 100% (2408/2408 files, 2.0 KiB)\n',
    ]);
  });
});

describe('download summary and dry-run files', () => {
  test('the summary gives files, bytes and where each component landed, then the total', () => {
    const restic = (files: number, bytes: number) => ({
      totalFiles: files,
      filesRestored: files - 1,
      filesSkipped: 1,
      filesDeleted: 0,
      totalBytes: bytes,
      bytesRestored: bytes,
      bytesSkipped: 0,
      secondsElapsed: 1,
    });
    const text = downloadSummary(
      {
        namespace: 'demo',
        snapshot: 'snap',
        repository: 'repo',
        components: [
          {
            component: 'manifest',
            path: 'repository/v1/daily/manifest',
            directory: '/out/snap/manifest',
            trees: [
              {
                id: 'a'.repeat(64),
                hostPath: '/kubestash-tmp/manifest',
                root: '/out/snap/manifest/kubestash-tmp/manifest',
              },
            ],
            restic: [restic(1200, 2048)],
          },
        ],
      },
      '/out/snap',
    );
    assert.equal(
      text,
      'manifest: 1,200 files, 2.0 KiB in /out/snap/manifest/kubestash-tmp/manifest\n' +
        'Downloaded Snapshot demo/snap: 1 component, 1,200 files, 2.0 KiB into /out/snap\n',
    );
  });

  test('a dry-run file sits where KubeStash writes it: <groupResource>/{cluster|namespaces/<ns>}/<name>.yaml', () => {
    assert.equal(
      dryRunPath({ resource: 'deployments.apps', namespace: 'demo', name: 'web', type: K8S.deployments }),
      'deployments.apps/namespaces/demo/web.yaml',
    );
    assert.equal(
      dryRunPath({
        resource: 'clusterroles.rbac.authorization.k8s.io',
        name: 'kubeadm:get-nodes',
        type: K8S.clusterRoles,
      }),
      'clusterroles.rbac.authorization.k8s.io/cluster/kubeadm:get-nodes.yaml',
    );
  });
});
