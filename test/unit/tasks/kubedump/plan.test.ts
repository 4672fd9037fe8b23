import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { shouldIncludeObject, shouldIncludeResource } from '../../../../src/api/kubedump-filter.ts';
import { selectorMatches } from '../../../../src/api/label-selector.ts';
import { parseDumpFlags } from '../../../../src/tasks/kubedump/flags.ts';
import type { FlagValues } from '../../../../src/tasks/kubedump/flags.ts';
import { planDump } from '../../../../src/tasks/kubedump/plan.ts';
import type { PlanInput } from '../../../../src/tasks/kubedump/plan.ts';

const SESSION = {
  namespace: 'demo',
  backupsession: 'bs-1',
  'enable-cache': 'true',
  'scratch-dir': '/kubestash-tmp',
};
const V1 = { ...SESSION, sanitize: 'true', 'label-selector': '', 'include-dependants': 'false' };

function plan(flags: FlagValues, target?: PlanInput['target']) {
  return planDump({ request: parseDumpFlags(flags), target, invokerNamespace: 'demo' });
}

void describe('first generation plans follow the target', () => {
  void test('no target dumps the whole cluster, cluster-scoped types included, in the cluster layout', () => {
    const p = plan(V1);
    assert.deepEqual(p.scope, { kind: 'cluster' });
    assert.equal(p.layout, 'v1-cluster');
    assert.equal(p.sanitize, 'v1');
    assert.equal(p.listNamespaces, undefined);
    assert.equal(shouldIncludeResource(p.filter, 'clusterroles.rbac.authorization.k8s.io', false), true);
    assert.equal(shouldIncludeResource(p.filter, 'nodes', false), false);
    assert.equal(shouldIncludeObject(p.filter, { namespace: 'kube-system' }), true);
    assert.equal(p.labelSelector, undefined);
    assert.deepEqual(p.ignored, []);
    assert.deepEqual(p.dumpScope, { generation: 'v1', target: 'cluster', sanitize: true });
  });

  void test('the filter guide selector applies to the cluster scope', () => {
    const p = plan({ ...V1, 'label-selector': 'k8s-app=kube-dns' });
    assert.ok(p.labelSelector);
    assert.equal(selectorMatches(p.labelSelector, { 'k8s-app': 'kube-dns' }), true);
    assert.equal(selectorMatches(p.labelSelector, { 'k8s-app': 'metrics-server' }), false);
    assert.deepEqual(p.dumpScope, {
      generation: 'v1',
      target: 'cluster',
      sanitize: true,
      labelSelector: 'k8s-app=kube-dns',
    });
  });

  void test('a Namespace target dumps only the namespaced objects of that namespace', () => {
    const p = plan(V1, { apiGroup: '', kind: 'Namespace', name: 'kube-system' });
    assert.deepEqual(p.scope, { kind: 'namespace', namespace: 'kube-system' });
    assert.equal(p.layout, 'v1-namespace');
    assert.deepEqual(p.listNamespaces, ['kube-system']);
    assert.equal(shouldIncludeResource(p.filter, 'clusterroles.rbac.authorization.k8s.io', false), false);
    assert.equal(shouldIncludeResource(p.filter, 'configmaps', true), true);
    assert.equal(shouldIncludeObject(p.filter, { namespace: 'kube-system' }), true);
    assert.equal(shouldIncludeObject(p.filter, { namespace: 'demo' }), false);
  });

  void test('a workload target with includeDependants is an application rooted at it in its own namespace', () => {
    const p = plan(
      { ...V1, 'include-dependants': 'true' },
      { apiGroup: 'apps', kind: 'Deployment', name: 'kubestash-kubestash-operator', namespace: 'kubestash' },
    );
    assert.deepEqual(p.scope, {
      kind: 'application',
      root: {
        group: 'apps',
        kind: 'Deployment',
        name: 'kubestash-kubestash-operator',
        namespace: 'kubestash',
      },
      includeDependants: true,
    });
    assert.equal(p.layout, 'v1-application');
    assert.deepEqual(p.listNamespaces, ['kubestash']);
    assert.equal(shouldIncludeObject(p.filter, { namespace: 'demo' }), false);
  });

  void test('an application target without includeDependants keeps only the root and takes the invoker namespace when none is named', () => {
    const p = plan(V1, { apiGroup: 'apps', kind: 'StatefulSet', name: 'db' });
    assert.deepEqual(p.scope, {
      kind: 'application',
      root: { group: 'apps', kind: 'StatefulSet', name: 'db', namespace: 'demo' },
      includeDependants: false,
    });
  });

  void test('sanitize=false keeps the objects as the server returns them', () => {
    const p = plan({ ...V1, sanitize: 'false' });
    assert.equal(p.sanitize, 'none');
    assert.deepEqual(p.dumpScope, { generation: 'v1', target: 'cluster', sanitize: false });
  });

  void test('flags that do not apply to the scope are reported, not silently used', () => {
    assert.deepEqual(plan({ ...V1, 'include-dependants': 'true' }).ignored, [
      '--include-dependants (only for an application target)',
    ]);
    const app = plan(
      { ...V1, 'label-selector': 'app=x' },
      { apiGroup: 'apps', kind: 'Deployment', name: 'web' },
    );
    assert.equal(app.labelSelector, undefined);
    assert.deepEqual(app.ignored, ['--label-selector (not applied to an application target)']);
  });
});

void describe('second generation plans follow the filter flags', () => {
  void test('the filtering demonstration selects demo-a and demo-b, cluster types and the ORed labels', () => {
    const p = plan({
      ...SESSION,
      'include-cluster-resources': 'true',
      'include-namespaces': 'demo-a,demo-b',
      'exclude-namespaces': 'kube-system,longhorn-system',
      'include-resources': '*',
      'or-label-selectors': 'app:my-app,app:my-sts',
    });
    assert.deepEqual(p.scope, { kind: 'filter' });
    assert.equal(p.layout, 'v2');
    assert.equal(p.sanitize, 'v2');
    assert.equal(p.dumpDir, '/kubestash-tmp/manifest');
    assert.deepEqual(p.listNamespaces, ['demo-a', 'demo-b']);
    assert.equal(shouldIncludeResource(p.filter, 'clusterroles.rbac.authorization.k8s.io', false), true);
    assert.equal(shouldIncludeObject(p.filter, { namespace: 'demo-a', labels: { app: 'my-app' } }), true);
    assert.equal(shouldIncludeObject(p.filter, { namespace: 'demo-a', labels: { app: 'other' } }), false);
    assert.equal(
      shouldIncludeObject(p.filter, { namespace: 'kube-system', labels: { app: 'my-app' } }),
      false,
    );
    assert.equal(shouldIncludeObject(p.filter, { labels: { app: 'my-sts' } }), true);
  });

  void test('without namespace includes every type is listed cluster-wide', () => {
    const p = plan({ ...SESSION, 'exclude-namespaces': 'kube-system' });
    assert.equal(p.listNamespaces, undefined);
    assert.equal(shouldIncludeResource(p.filter, 'clusterroles.rbac.authorization.k8s.io', false), false);
  });

  void test('an include list with * is listed cluster-wide; excluded entries are not listed', () => {
    assert.equal(plan({ ...SESSION, 'include-namespaces': 'demo,*' }).listNamespaces, undefined);
    assert.deepEqual(
      plan({ ...SESSION, 'include-namespaces': 'a,b,a', 'exclude-namespaces': 'b' }).listNamespaces,
      ['a'],
    );
  });

  void test('a target is reported as ignored when second-generation flags are set', () => {
    const p = plan(
      { ...SESSION, 'include-cluster-resources': 'true' },
      { apiGroup: '', kind: 'Namespace', name: 'demo' },
    );
    assert.deepEqual(p.scope, { kind: 'filter' });
    assert.match(p.ignored[0] ?? '', /spec\.target Namespace\/demo/);
  });

  void test('src/dump gets the filter', () => {
    const p = plan({ ...SESSION, 'include-namespaces': 'demo' });
    assert.deepEqual(p.dumpScope, { generation: 'v2', filter: p.filter });
  });
});

void describe('with no flag of either generation set (the catalog Function without params)', () => {
  const NONE = {
    ...SESSION,
    sanitize: '',
    'label-selector': '',
    'include-dependants': '',
    'include-namespaces': '',
    'include-cluster-resources': '',
  };

  void test('a configuration without a target is a second-generation backup of every namespace', () => {
    const p = plan(NONE);
    assert.equal(p.generation, 'v2');
    assert.deepEqual(p.scope, { kind: 'filter' });
    assert.equal(shouldIncludeResource(p.filter, 'clusterroles.rbac.authorization.k8s.io', false), false);
  });

  void test('a Namespace target, as in the first-generation namespace guide, is a v1 namespace backup', () => {
    const p = plan(NONE, { apiGroup: '', kind: 'Namespace', name: 'kube-system' });
    assert.equal(p.generation, 'v1');
    assert.deepEqual(p.scope, { kind: 'namespace', namespace: 'kube-system' });
    assert.equal(p.sanitize, 'v1');
    assert.deepEqual(p.dumpScope, {
      generation: 'v1',
      target: 'namespace',
      namespace: 'kube-system',
      sanitize: true,
    });
  });

  void test('a workload target is a v1 application backup without dependants', () => {
    const p = plan(NONE, { apiGroup: 'apps', kind: 'Deployment', name: 'web', namespace: 'prod' });
    assert.deepEqual(p.scope, {
      kind: 'application',
      root: { group: 'apps', kind: 'Deployment', name: 'web', namespace: 'prod' },
      includeDependants: false,
    });
    assert.deepEqual(p.dumpScope, {
      generation: 'v1',
      target: 'application',
      namespace: 'prod',
      group: 'apps',
      kind: 'Deployment',
      name: 'web',
      includeDependants: false,
      sanitize: true,
    });
  });
});

void describe('dump directory', () => {
  void test('the dump directory is under the scratch directory, also when that is the root', () => {
    assert.equal(plan({ ...SESSION, 'scratch-dir': '/' }).dumpDir, '/manifest');
    assert.equal(plan({ ...SESSION, 'scratch-dir': '/tmp/x/' }).dumpDir, '/tmp/x/manifest');
  });
});
