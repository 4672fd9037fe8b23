import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DUMP_FLAGS, DumpFlagError, parseDumpFlags } from '../../../../src/tasks/kubedump/flags.ts';
import type { DumpRequest, FlagValues, V1Options, V2Options } from '../../../../src/tasks/kubedump/flags.ts';

const SESSION = { namespace: 'demo', backupsession: 'cluster-resources-backup-frequent-backup-1701234567' };

function v1(values: FlagValues): V1Options {
  const r = parseDumpFlags(values);
  assert.equal(r.generation, 'v1');
  return r.v1;
}
function v2(values: FlagValues): V2Options {
  const r = parseDumpFlags(values);
  assert.equal(r.generation, 'v2');
  return r.v2;
}
const V1_DEFAULTS: V1Options = {
  sanitize: true,
  labelSelectorText: '',
  labelSelector: { matchExpressions: [] },
  includeDependants: false,
};
const V2_DEFAULTS: V2Options = {
  includeNamespaces: [],
  excludeNamespaces: [],
  includeResources: [],
  excludeResources: [],
  includeClusterResources: false,
  andLabelSelectors: [],
  orLabelSelectors: [],
};
function fails(values: FlagValues, ...patterns: RegExp[]): void {
  assert.throws(
    () => parseDumpFlags(values),
    (err: unknown) => {
      assert.ok(err instanceof DumpFlagError, String(err));
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

void describe('flags both generations pass', () => {
  void test("the values KubeStash's current Function resolves to with its Addon defaults give a v2 request", () => {
    const r: DumpRequest = parseDumpFlags({
      ...SESSION,
      'enable-cache': 'true',
      'scratch-dir': '/kubestash-tmp',
      'and-label-selectors': '',
      'or-label-selectors': '',
      'include-cluster-resources': 'false',
      'include-namespaces': '',
      'exclude-namespaces': '',
      'include-resources': '',
      'exclude-resources': '',
    });
    assert.deepEqual(r, {
      generation: 'v2',
      namespace: 'demo',
      backupSession: SESSION.backupsession,
      enableCache: true,
      scratchDir: '/kubestash-tmp',
      v1: V1_DEFAULTS,
      v2: V2_DEFAULTS,
    });
  });

  void test("Cairn's catalog Function with no params set leaves the generation to the target", () => {
    const empty = Object.fromEntries(DUMP_FLAGS.map((f) => [f.name, '']));
    const r = parseDumpFlags({
      ...empty,
      ...SESSION,
      'enable-cache': 'true',
      'scratch-dir': '/kubestash-tmp',
    });
    assert.equal(r.generation, undefined);
    assert.deepEqual(r.v1, V1_DEFAULTS);
    assert.deepEqual(r.v2, V2_DEFAULTS);
  });

  void test('empty flags of the other generation do not count as set', () => {
    assert.equal(parseDumpFlags({ ...SESSION, sanitize: '', 'include-namespaces': 'demo' }).generation, 'v2');
    assert.equal(
      parseDumpFlags({ ...SESSION, sanitize: 'false', 'include-namespaces': ' ' }).generation,
      'v1',
    );
  });

  void test('empty values take the defaults of the Function and Addon', () => {
    const r = parseDumpFlags({ namespace: '', backupsession: 'bs', 'enable-cache': '', 'scratch-dir': '' });
    assert.equal(r.namespace, 'default');
    assert.equal(r.enableCache, true);
    assert.equal(r.scratchDir, '/kubestash-tmp');
  });

  void test('--enable-cache accepts the spellings of Go booleans and a bare flag', () => {
    assert.equal(parseDumpFlags({ ...SESSION, 'enable-cache': 'false' }).enableCache, false);
    assert.equal(parseDumpFlags({ ...SESSION, 'enable-cache': 'F' }).enableCache, false);
    assert.equal(parseDumpFlags({ ...SESSION, 'enable-cache': '0' }).enableCache, false);
    assert.equal(parseDumpFlags({ ...SESSION, 'enable-cache': 'TRUE' }).enableCache, true);
    assert.equal(parseDumpFlags({ ...SESSION, 'enable-cache': true }).enableCache, true);
  });

  void test('--scratch-dir keeps an absolute path without its trailing slash', () => {
    assert.equal(parseDumpFlags({ ...SESSION, 'scratch-dir': '/tmp/scratch/' }).scratchDir, '/tmp/scratch');
    assert.equal(parseDumpFlags({ ...SESSION, 'scratch-dir': '/' }).scratchDir, '/');
  });

  void test('a missing --backupsession fails naming the flag', () => {
    fails({ namespace: 'demo' }, /^--backupsession: is required/, /e\.g\. --backupsession=/);
    fails({ namespace: 'demo', backupsession: '' }, /--backupsession: is required/);
  });

  void test('a --backupsession that is not an object name fails', () => {
    fails(
      { namespace: 'demo', backupsession: 'Backup_1' },
      /--backupsession: "Backup_1" is not an object name/,
    );
  });

  void test('a --namespace that is not a namespace name fails with an example', () => {
    fails(
      { ...SESSION, namespace: 'Demo' },
      /--namespace: "Demo" is not a namespace name/,
      /e\.g\. --namespace=demo/,
    );
    fails({ ...SESSION, namespace: 'a'.repeat(64) }, /--namespace:/);
  });

  void test('a boolean that is not true or false fails naming the flag and a valid value', () => {
    fails(
      { ...SESSION, 'enable-cache': 'yes' },
      /--enable-cache: must be true or false, got "yes"/,
      /--enable-cache=true/,
    );
  });

  void test('a relative --scratch-dir fails', () => {
    fails(
      { ...SESSION, 'scratch-dir': 'tmp' },
      /--scratch-dir: "tmp" is not an absolute path; e\.g\. --scratch-dir=\/kubestash-tmp/,
    );
  });

  void test('an unknown flag fails and lists the known ones', () => {
    fails(
      { ...SESSION, 'include-namespace': 'demo' },
      /unknown flag --include-namespace/,
      /--include-namespaces/,
    );
  });

  void test('a flag given without a value where text is needed fails', () => {
    fails({ ...SESSION, namespace: true }, /--namespace: needs a value/);
  });
});

void describe('first generation flags', () => {
  void test('the v1 Function defaults give a sanitising request without selector or dependants', () => {
    const r = v1({
      ...SESSION,
      'enable-cache': 'true',
      'scratch-dir': '/kubestash-tmp',
      sanitize: 'true',
      'label-selector': '',
      'include-dependants': 'false',
    });
    assert.equal(r.sanitize, true);
    assert.equal(r.labelSelectorText, '');
    assert.deepEqual(r.labelSelector, { matchExpressions: [] });
    assert.equal(r.includeDependants, false);
  });

  void test('--sanitize=false from the guide that passes args keeps the decorators', () => {
    assert.equal(v1({ ...SESSION, sanitize: 'false' }).sanitize, false);
  });

  void test('--include-dependants=true from the application guide is read', () => {
    assert.equal(v1({ ...SESSION, 'include-dependants': 'true' }).includeDependants, true);
  });

  void test('empty --sanitize and --include-dependants take their defaults', () => {
    const r = parseDumpFlags({ ...SESSION, sanitize: '', 'include-dependants': '' }).v1;
    assert.equal(r.sanitize, true);
    assert.equal(r.includeDependants, false);
  });

  void test('--label-selector of the filter guide becomes a selector object', () => {
    const r = v1({ ...SESSION, 'label-selector': 'k8s-app=kube-dns' });
    assert.equal(r.labelSelectorText, 'k8s-app=kube-dns');
    assert.deepEqual(r.labelSelector, {
      matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['kube-dns'] }],
    });
  });

  void test('--label-selector takes set-based requirements', () => {
    const r = v1({
      ...SESSION,
      'label-selector': 'tier in (web, api),!canary,env!=dev,app.kubernetes.io/name',
    });
    assert.deepEqual(r.labelSelector.matchExpressions, [
      { key: 'tier', operator: 'In', values: ['web', 'api'] },
      { key: 'canary', operator: 'DoesNotExist' },
      { key: 'env', operator: 'NotIn', values: ['dev'] },
      { key: 'app.kubernetes.io/name', operator: 'Exists' },
    ]);
  });

  void test('a malformed --label-selector fails naming the flag and showing a valid selector', () => {
    fails(
      { ...SESSION, 'label-selector': 'app=(web' },
      /^--label-selector: not a label selector:/,
      /e\.g\. --label-selector=app=web/,
    );
    fails({ ...SESSION, 'label-selector': 'tier in ()' }, /--label-selector: .*value set of "in" is empty/);
    fails({ ...SESSION, 'label-selector': 'app=web,,tier=x' }, /--label-selector: .*empty requirement/);
    fails({ ...SESSION, 'label-selector': 'replicas>1' }, /--label-selector: .*numeric comparisons/);
    fails({ ...SESSION, 'label-selector': 'bad key=x' }, /--label-selector: .*not a label key/);
  });

  void test('a v1 boolean that is not true or false fails naming the flag', () => {
    fails({ ...SESSION, sanitize: 'maybe' }, /--sanitize: must be true or false/);
    fails({ ...SESSION, 'include-dependants': 'yes' }, /--include-dependants: must be true or false/);
  });
});

void describe('second generation flags', () => {
  void test('the filter of the filtering demonstration guide is read entry by entry', () => {
    const r = v2({
      ...SESSION,
      'include-cluster-resources': 'true',
      'include-namespaces': 'demo-a,demo-b',
      'exclude-namespaces': 'kube-system,longhorn-system',
      'include-resources': '*',
      'or-label-selectors': 'app:my-app,app:my-sts',
    });
    assert.equal(r.includeClusterResources, true);
    assert.deepEqual(r.includeNamespaces, ['demo-a', 'demo-b']);
    assert.deepEqual(r.excludeNamespaces, ['kube-system', 'longhorn-system']);
    assert.deepEqual(r.includeResources, ['*']);
    assert.deepEqual(r.excludeResources, []);
    assert.deepEqual(r.orLabelSelectors, ['app:my-app', 'app:my-sts']);
    assert.deepEqual(r.andLabelSelectors, []);
  });

  void test('list entries are trimmed and blanks dropped', () => {
    const r = v2({
      ...SESSION,
      'include-namespaces': ' kubedb, db ,',
      'exclude-resources': 'secrets, events.events.k8s.io',
    });
    assert.deepEqual(r.includeNamespaces, ['kubedb', 'db']);
    assert.deepEqual(r.excludeResources, ['secrets', 'events.events.k8s.io']);
  });

  void test('--and-label-selectors take key:value, key=value and bare keys', () => {
    const r = v2({
      ...SESSION,
      'and-label-selectors': 'app:my-app,tier=web,app.kubernetes.io/part-of,empty=',
    });
    assert.deepEqual(r.andLabelSelectors, ['app:my-app', 'tier=web', 'app.kubernetes.io/part-of', 'empty=']);
  });

  void test('resources are accepted as plural or plural.group, including custom groups', () => {
    const r = v2({
      ...SESSION,
      'include-resources':
        'pods,deployments.apps,customresourcedefinitions.apiextensions.k8s.io,backupstorages.storage.kubestash.com',
    });
    assert.equal(r.includeResources.length, 4);
  });

  void test('a resource written as a kind, a subresource or with uppercase fails naming the flag', () => {
    fails(
      { ...SESSION, 'include-resources': 'Deployment' },
      /^--include-resources: "Deployment" is not a resource/,
      /e\.g\. --include-resources=deployments\.apps,configmaps/,
    );
    fails(
      { ...SESSION, 'exclude-resources': 'deployments/scale' },
      /--exclude-resources: "deployments\/scale" is not a resource/,
    );
    fails(
      { ...SESSION, 'exclude-resources': 'deployments.Apps' },
      /--exclude-resources: "deployments\.Apps"/,
    );
    fails({ ...SESSION, 'include-resources': 'pods.' }, /--include-resources: "pods\."/);
  });

  void test('a namespace entry that is not a namespace name fails naming the flag', () => {
    fails(
      { ...SESSION, 'include-namespaces': 'demo,Kube_System' },
      /^--include-namespaces: "Kube_System" is not a namespace name/,
    );
    fails({ ...SESSION, 'exclude-namespaces': 'a b' }, /--exclude-namespaces: "a b"/);
  });

  void test('a malformed label token fails naming the flag', () => {
    fails(
      { ...SESSION, 'or-label-selectors': 'app:my app' },
      /^--or-label-selectors: "app:my app"/,
      /key:value/,
    );
    fails({ ...SESSION, 'and-label-selectors': ':x' }, /--and-label-selectors: ":x"/);
  });

  void test('--include-cluster-resources that is not a boolean fails', () => {
    fails(
      { ...SESSION, 'include-cluster-resources': 'all' },
      /--include-cluster-resources: must be true or false, got "all"/,
    );
  });

  void test('flags of both generations together are refused, naming them', () => {
    fails(
      { ...SESSION, sanitize: 'true', 'include-namespaces': 'demo' },
      /both kubedump generations were set/,
      /--sanitize/,
      /--include-namespaces/,
    );
  });
});

void describe('the flag table', () => {
  void test('names every parameter of both catalog Addons', () => {
    const params = DUMP_FLAGS.map((f) => f.param);
    for (const p of [
      'enableCache',
      'scratchDir',
      'sanitize',
      'includeDependants',
      'labelSelector',
      'ANDedLabelSelectors',
      'ORedLabelSelectors',
      'IncludeClusterResources',
      'IncludeNamespaces',
      'ExcludeNamespaces',
      'IncludeResources',
      'ExcludeResources',
    ]) {
      assert.ok(params.includes(p), p);
    }
  });

  void test('has examples that parse', () => {
    for (const f of DUMP_FLAGS) {
      const values: Record<string, string> = { ...SESSION, [f.name]: f.example };
      assert.doesNotThrow(() => parseDumpFlags(values), f.name);
    }
  });
});
