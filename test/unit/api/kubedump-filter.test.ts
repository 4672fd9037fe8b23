import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_EXCLUDED_RESOURCES,
  includeExclude,
  isDumpableResource,
  kubedumpFilter,
  kubedumpFilterFromParams,
  labelTokens,
  matchesLabelSelectors,
  parseBooleanParam,
  parseFilterList,
  resourceId,
  selectResources,
  shouldInclude,
  shouldIncludeNamespace,
  shouldIncludeObject,
  shouldIncludeResource,
} from '../../../src/api/kubedump-filter.ts';
import type { ApiResource } from '../../../src/api/kubedump-filter.ts';

const RW = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
function res(group: string, name: string, namespaced = true, verbs: readonly string[] = RW): ApiResource {
  return { group, version: 'v1', name, kind: name, namespaced, verbs };
}

void describe('resource ids', () => {
  void test('are the plural name for the core group', () => {
    assert.equal(resourceId({ group: '', name: 'pods' }), 'pods');
  });

  void test('are <plural>.<group> for other groups', () => {
    assert.equal(resourceId({ group: 'apps', name: 'deployments' }), 'deployments.apps');
    assert.equal(
      resourceId({ group: 'apiextensions.k8s.io', name: 'customresourcedefinitions' }),
      'customresourcedefinitions.apiextensions.k8s.io',
    );
  });
});

void describe('include/exclude lists (upstream vectors)', () => {
  void test('the default includes everything', () => {
    assert.equal(shouldInclude(includeExclude(), 'anything'), true);
  });

  void test('includes {a, b} leave c out', () => {
    const f = includeExclude(['a', 'b']);
    assert.equal(shouldInclude(f, 'a'), true);
    assert.equal(shouldInclude(f, 'b'), true);
    assert.equal(shouldInclude(f, 'c'), false);
  });

  void test('excludes {x, y} leave z in', () => {
    const f = includeExclude([], ['x', 'y']);
    assert.equal(shouldInclude(f, 'x'), false);
    assert.equal(shouldInclude(f, 'y'), false);
    assert.equal(shouldInclude(f, 'z'), true);
  });

  void test('include "*" admits everything', () => {
    const f = includeExclude(['*']);
    assert.equal(shouldInclude(f, 'foo'), true);
    assert.equal(shouldInclude(f, 'bar'), true);
  });

  void test('includes {a, *} with excludes {b, *} admit a and c and keep b out', () => {
    const f = includeExclude(['a', '*'], ['b', '*']);
    assert.equal(shouldInclude(f, 'a'), true);
    assert.equal(shouldInclude(f, 'b'), false);
    assert.equal(shouldInclude(f, 'c'), true);
  });

  void test('bare names match group-qualified ids only through the fallback', () => {
    const f = includeExclude(
      ['a', 'pods', 'endpointslices.discovery.k8s.io'],
      ['b', 'pods.metrics.k8s.io', 'endpointslices', '*'],
    );
    assert.equal(shouldInclude(f, 'a'), true);
    assert.equal(shouldInclude(f, 'pods'), true);
    assert.equal(shouldInclude(f, 'endpointslices.discovery.k8s.io'), true);
    assert.equal(shouldInclude(f, 'pods.metrics.k8s.io'), false);
    assert.equal(shouldInclude(f, 'endpointslices'), false);
  });
});

void describe('include/exclude lists (bare-name fallback)', () => {
  void test('a bare include admits the group-qualified id', () => {
    assert.equal(shouldInclude(includeExclude(['deployments']), 'deployments.apps'), true);
  });

  void test('a bare exclude removes the group-qualified id when includes name other things', () => {
    assert.equal(shouldInclude(includeExclude(['pods'], ['deployments']), 'deployments.apps'), false);
  });

  void test('a bare exclude does not remove the group-qualified id when includes are empty (compatibility quirk)', () => {
    assert.equal(shouldInclude(includeExclude([], ['deployments']), 'deployments.apps'), true);
    assert.equal(shouldInclude(includeExclude(['*'], ['deployments']), 'deployments.apps'), true);
  });

  void test('a group-qualified exclude always removes the id', () => {
    assert.equal(shouldInclude(includeExclude([], ['deployments.apps']), 'deployments.apps'), false);
  });

  void test('a bare exclude wins over a bare include', () => {
    assert.equal(shouldInclude(includeExclude(['deployments'], ['deployments']), 'deployments.apps'), false);
  });
});

void describe('resource selection', () => {
  const all = kubedumpFilter({ includeClusterResources: true });

  void test('cluster-scoped resources are excluded unless cluster resources are included', () => {
    const f = kubedumpFilter({ includeResources: ['pods', 'clusterroles.rbac.authorization.k8s.io'] });
    assert.equal(shouldIncludeResource(f, 'clusterroles.rbac.authorization.k8s.io', false), false);
    assert.equal(shouldIncludeResource(f, 'pods', true), true);
  });

  void test('nodes are excluded even when included and cluster resources are on', () => {
    const f = kubedumpFilter({ includeResources: ['pods', 'nodes'], includeClusterResources: true });
    assert.equal(shouldIncludeResource(f, 'nodes', false), false);
    assert.equal(shouldIncludeResource(f, 'nodes', true), false);
  });

  void test('the default excludes apply whatever the parameters say', () => {
    for (const id of DEFAULT_EXCLUDED_RESOURCES) assert.equal(shouldIncludeResource(all, id, true), false);
  });

  void test('a cluster-scoped resource is selected when cluster resources are on', () => {
    const f = kubedumpFilter({ includeResources: ['*'], includeClusterResources: true });
    assert.equal(shouldIncludeResource(f, 'customresourcedefinitions.apiextensions.k8s.io', false), true);
  });

  void test('only whole, readable and creatable resources are dumpable', () => {
    assert.equal(isDumpableResource(res('', 'pods')), true);
    assert.equal(isDumpableResource(res('', 'pods/log', true, ['get'])), false);
    assert.equal(isDumpableResource(res('', 'pods/status')), false);
    assert.equal(isDumpableResource(res('', 'bindings', true, ['create'])), false);
    assert.equal(
      isDumpableResource(res('authorization.k8s.io', 'selfsubjectreviews', false, ['create'])),
      false,
    );
    assert.equal(isDumpableResource(res('', 'componentstatuses', false, ['get', 'list'])), false);
  });

  void test('selectResources keeps the discovered order and applies every rule', () => {
    const discovered = [
      res('', 'pods', true),
      res('', 'pods/log', true, ['get']),
      res('', 'nodes', false),
      res('apps', 'deployments', true),
      res('rbac.authorization.k8s.io', 'clusterroles', false),
      res('discovery.k8s.io', 'endpointslices', true),
      res('metrics.k8s.io', 'pods', true, ['get', 'list']),
    ];
    const selected = (f: Parameters<typeof selectResources>[1]) =>
      selectResources(discovered, f).map(resourceId);
    assert.deepEqual(selected(kubedumpFilter()), ['pods', 'deployments.apps']);
    assert.deepEqual(selected(all), ['pods', 'deployments.apps', 'clusterroles.rbac.authorization.k8s.io']);
    assert.deepEqual(selected(kubedumpFilter({ excludeResources: ['deployments.apps'] })), ['pods']);
  });
});

void describe('namespace selection', () => {
  void test('uses the same include/exclude logic on namespace names', () => {
    const f = kubedumpFilter({ excludeNamespaces: ['kube-system'] });
    assert.equal(shouldIncludeNamespace(f, 'kube-system'), false);
    assert.equal(shouldIncludeNamespace(f, 'default'), true);
    const only = kubedumpFilter({ includeNamespaces: ['demo-a', 'demo-b'] });
    assert.equal(shouldIncludeNamespace(only, 'demo-a'), true);
    assert.equal(shouldIncludeNamespace(only, 'demo-c'), false);
  });

  void test('ignores "*" among the excluded namespaces', () => {
    assert.equal(shouldIncludeNamespace(kubedumpFilter({ excludeNamespaces: ['*'] }), 'default'), true);
  });

  void test('does not apply to cluster-scoped objects', () => {
    const f = kubedumpFilter({ includeNamespaces: ['demo'] });
    assert.equal(shouldIncludeObject(f, { namespace: '' }), true);
    assert.equal(shouldIncludeObject(f, {}), true);
    assert.equal(shouldIncludeObject(f, { namespace: 'other' }), false);
    assert.equal(shouldIncludeObject(f, { namespace: 'demo' }), true);
  });
});

void describe('label selectors', () => {
  const labels = { app: 'nginx', tier: 'web' };

  void test('offer k:v, k=v and k for each label', () => {
    assert.deepEqual([...labelTokens({ app: 'nginx' })].sort(), ['app', 'app:nginx', 'app=nginx']);
    assert.equal(labelTokens(undefined).size, 0);
  });

  void test('pass when both lists are empty', () => {
    assert.equal(matchesLabelSelectors(kubedumpFilter(), labels), true);
    assert.equal(matchesLabelSelectors(kubedumpFilter(), undefined), true);
  });

  void test('ANDed tokens must all be offered', () => {
    assert.equal(
      matchesLabelSelectors(kubedumpFilter({ andLabelSelectors: ['app:nginx', 'tier=web'] }), labels),
      true,
    );
    assert.equal(
      matchesLabelSelectors(kubedumpFilter({ andLabelSelectors: ['app:nginx', 'tier=db'] }), labels),
      false,
    );
  });

  void test('a key alone matches any value of that key', () => {
    assert.equal(matchesLabelSelectors(kubedumpFilter({ andLabelSelectors: ['tier'] }), labels), true);
  });

  void test('ORed tokens need at least one offered', () => {
    assert.equal(
      matchesLabelSelectors(kubedumpFilter({ orLabelSelectors: ['app:apache', 'tier:web'] }), labels),
      true,
    );
    assert.equal(matchesLabelSelectors(kubedumpFilter({ orLabelSelectors: ['app:apache'] }), labels), false);
  });

  void test('both lists must pass together', () => {
    const f = kubedumpFilter({
      andLabelSelectors: ['app=nginx'],
      orLabelSelectors: ['tier:db', 'tier:cache'],
    });
    assert.equal(matchesLabelSelectors(f, labels), false);
  });

  void test('an object without labels fails any non-empty selector', () => {
    assert.equal(matchesLabelSelectors(kubedumpFilter({ orLabelSelectors: ['app'] }), {}), false);
    assert.equal(
      shouldIncludeObject(kubedumpFilter({ andLabelSelectors: ['app'] }), { namespace: 'x' }),
      false,
    );
  });

  void test('a value is not matched as a key', () => {
    assert.equal(matchesLabelSelectors(kubedumpFilter({ andLabelSelectors: ['nginx'] }), labels), false);
  });
});

void describe('filter parameters', () => {
  void test('lists are comma-separated with whitespace and empty entries dropped', () => {
    assert.deepEqual(parseFilterList('a, b,,c '), ['a', 'b', 'c']);
    assert.deepEqual(parseFilterList(''), []);
    assert.deepEqual(parseFilterList(undefined), []);
  });

  void test('booleans accept the spellings Go flags accept and default to false', () => {
    for (const v of ['true', 'True', 'TRUE', 't', 'T', '1']) assert.equal(parseBooleanParam('X', v), true);
    for (const v of ['false', 'False', 'FALSE', 'f', 'F', '0', '', undefined]) {
      assert.equal(parseBooleanParam('X', v), false);
    }
  });

  void test('a malformed boolean is an error naming the parameter', () => {
    assert.throws(
      () => parseBooleanParam('IncludeClusterResources', 'yes'),
      /IncludeClusterResources.*"yes"/,
    );
  });

  void test('task parameters build the same filter as explicit options', () => {
    const f = kubedumpFilterFromParams({
      IncludeClusterResources: 'true',
      IncludeNamespaces: 'demo-a,demo-b',
      ExcludeNamespaces: 'kube-system',
      IncludeResources: '*',
      ExcludeResources: 'secrets,events.events.k8s.io',
      ANDedLabelSelectors: 'app:demo',
      ORedLabelSelectors: 'tier=web, tier=db',
    });
    assert.deepEqual(
      f,
      kubedumpFilter({
        includeClusterResources: true,
        includeNamespaces: ['demo-a', 'demo-b'],
        excludeNamespaces: ['kube-system'],
        includeResources: ['*'],
        excludeResources: ['secrets', 'events.events.k8s.io'],
        andLabelSelectors: ['app:demo'],
        orLabelSelectors: ['tier=web', 'tier=db'],
      }),
    );
  });

  void test('no parameters select every namespaced resource in every namespace', () => {
    const f = kubedumpFilterFromParams({});
    assert.equal(f.includeClusterResources, false);
    assert.equal(shouldIncludeResource(f, 'deployments.apps', true), true);
    assert.equal(shouldIncludeNamespace(f, 'anything'), true);
  });
});
