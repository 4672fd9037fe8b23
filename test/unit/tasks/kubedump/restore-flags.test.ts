import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DumpFlagError } from '../../../../src/tasks/kubedump/flags.ts';
import { parseRestoreFlags, RESTORE_FLAGS } from '../../../../src/tasks/kubedump/restore-flags.ts';

/** What the Function passes when the task sets no params: every flag, empty. */
const EMPTY = Object.fromEntries(RESTORE_FLAGS.map((f) => [f.name, '']));
const base = { ...EMPTY, namespace: 'demo', restoresession: 'cluster-restore' };

void describe('kubedump restore flags', () => {
  void test('every flag empty but the session gives the defaults: latest Snapshot, no filter, nothing overridden', () => {
    assert.deepEqual(parseRestoreFlags(base), {
      namespace: 'demo',
      restoreSession: 'cluster-restore',
      snapshot: undefined,
      enableCache: true,
      scratchDir: '/kubestash-tmp',
      filter: {
        includeNamespaces: [],
        excludeNamespaces: [],
        includeResources: [],
        excludeResources: [],
        includeClusterResources: false,
        andLabelSelectors: [],
        orLabelSelectors: [],
      },
      overrideResources: false,
      restorePVs: false,
      storageClassMappings: new Map(),
      namespaceMappings: new Map(),
      maxIterations: undefined,
    });
  });

  void test("the restore filtering guide's params are read as written", () => {
    const r = parseRestoreFlags({
      ...base,
      snapshot: 'gcs-repository-cluster-resources-backup-frequent-backup-1725258000',
      'include-cluster-resources': 'true',
      'include-namespaces': 'demo-a, demo-b',
      'exclude-resources': 'secrets,endpointslices.discovery.k8s.io',
      'or-label-selectors': 'app:my-app,app:my-sts',
      'override-resources': 'true',
      'restore-pvs': 'True',
      'storage-class-mappings': 'standard=fast, gp2=gp3',
      'namespace-mappings': 'demo-a=demo-a-copy',
      'max-iterations': '3',
      'scratch-dir': '/kubestash-tmp/work/',
      'enable-cache': 'false',
    });
    assert.equal(r.snapshot, 'gcs-repository-cluster-resources-backup-frequent-backup-1725258000');
    assert.equal(r.filter.includeClusterResources, true);
    assert.deepEqual(r.filter.includeNamespaces, ['demo-a', 'demo-b']);
    assert.deepEqual(r.filter.excludeResources, ['secrets', 'endpointslices.discovery.k8s.io']);
    assert.deepEqual(r.filter.orLabelSelectors, ['app:my-app', 'app:my-sts']);
    assert.equal(r.overrideResources, true);
    assert.equal(r.restorePVs, true);
    assert.deepEqual(
      [...r.storageClassMappings],
      [
        ['standard', 'fast'],
        ['gp2', 'gp3'],
      ],
    );
    assert.deepEqual([...r.namespaceMappings], [['demo-a', 'demo-a-copy']]);
    assert.equal(r.maxIterations, 3);
    assert.equal(r.scratchDir, '/kubestash-tmp/work');
    assert.equal(r.enableCache, false);
  });

  void test('snapshot latest means the newest Succeeded Snapshot, as an empty value does', () => {
    assert.equal(parseRestoreFlags({ ...base, snapshot: 'latest' }).snapshot, undefined);
  });

  void test('a missing RestoreSession name is refused, naming the flag', () => {
    assert.throws(
      () => parseRestoreFlags({ ...base, restoresession: '' }),
      (err: unknown) =>
        err instanceof DumpFlagError &&
        err.message ===
          '--restoresession: is required: the name of the RestoreSession this Job runs for; e.g. --restoresession=cluster-restore',
    );
  });

  void test('a malformed storage class mapping names the flag and shows a valid value', () => {
    for (const bad of ['standard', 'standard=', '=fast', 'a=b=c', 'Standard=fast']) {
      assert.throws(
        () => parseRestoreFlags({ ...base, 'storage-class-mappings': bad }),
        (err: unknown) =>
          err instanceof DumpFlagError &&
          err.message.startsWith('--storage-class-mappings: ') &&
          err.message.endsWith('; e.g. --storage-class-mappings=standard=fast,gp2=gp3'),
        bad,
      );
    }
  });

  void test('a namespace mapped to two different namespaces is refused; the same pair twice is not', () => {
    assert.throws(
      () => parseRestoreFlags({ ...base, 'namespace-mappings': 'a=b,a=c' }),
      /--namespace-mappings: namespace "a" is mapped twice \(to b and to c\); e\.g\. --namespace-mappings=demo=demo-restored/,
    );
    assert.deepEqual(
      [...parseRestoreFlags({ ...base, 'namespace-mappings': 'a=b,a=b' }).namespaceMappings],
      [['a', 'b']],
    );
    assert.throws(
      () => parseRestoreFlags({ ...base, 'namespace-mappings': 'demo=Demo_2' }),
      /"Demo_2" in "demo=Demo_2" is not a namespace name/,
    );
  });

  void test('max-iterations must be a whole number from 1 to 100', () => {
    for (const bad of ['0', '-1', '2.5', 'five', '101']) {
      assert.throws(
        () => parseRestoreFlags({ ...base, 'max-iterations': bad }),
        /--max-iterations: must be a whole number from 1 to 100/,
      );
    }
  });

  void test('malformed filter, boolean and snapshot values name their flag', () => {
    assert.throws(
      () => parseRestoreFlags({ ...base, 'include-resources': 'Deployment' }),
      /--include-resources: "Deployment" is not a resource/,
    );
    assert.throws(
      () => parseRestoreFlags({ ...base, 'override-resources': 'yes' }),
      /--override-resources: must be true or false, got "yes"/,
    );
    assert.throws(
      () => parseRestoreFlags({ ...base, snapshot: 'My Snapshot' }),
      /--snapshot: "My Snapshot" is not a Snapshot name/,
    );
  });

  void test("a backup-only flag is unknown to restore, and the message lists restore's flags", () => {
    assert.throws(
      () => parseRestoreFlags({ ...base, backupsession: 'x' }),
      /unknown flag --backupsession; the flags are --namespace, --restoresession, --snapshot, /,
    );
  });
});
