// The KubeStash Kinds as the CRDs declare them (src/api/kinds, src/api/schema/crd.ts): groups, plurals, scopes,
// short names, categories, status subresources and printer columns of the API reference, and the Kinds' types.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_KINDS } from '../../../src/api/kinds/index.ts';
import type { BackupConfiguration } from '../../../src/api/kinds/backupconfiguration.ts';
import { def, rootSchema } from './crds-schema-fixture.ts';

const ALL = ['kubestash', 'appscode', 'all'];
const NO_ALL = ['kubestash', 'appscode'];

/** The groups and kinds table of the API reference (§1.1). */
const KINDS: [string, string, string, 'Namespaced' | 'Cluster', string[], string[], boolean][] = [
  ['storage.kubestash.com', 'BackupStorage', 'backupstorages', 'Namespaced', [], ALL, true],
  ['storage.kubestash.com', 'RetentionPolicy', 'retentionpolicies', 'Namespaced', [], NO_ALL, false],
  ['storage.kubestash.com', 'Repository', 'repositories', 'Namespaced', ['repo'], ALL, true],
  ['storage.kubestash.com', 'Snapshot', 'snapshots', 'Namespaced', [], NO_ALL, true],
  ['core.kubestash.com', 'BackupConfiguration', 'backupconfigurations', 'Namespaced', ['bc'], ALL, true],
  ['core.kubestash.com', 'BackupSession', 'backupsessions', 'Namespaced', [], ALL, true],
  ['core.kubestash.com', 'RestoreSession', 'restoresessions', 'Namespaced', ['restore'], ALL, true],
  ['core.kubestash.com', 'BackupBlueprint', 'backupblueprints', 'Namespaced', [], ALL, false],
  ['core.kubestash.com', 'HookTemplate', 'hooktemplates', 'Namespaced', [], ALL, false],
  ['core.kubestash.com', 'BackupVerifier', 'backupverifier', 'Namespaced', [], ALL, false],
  [
    'core.kubestash.com',
    'BackupVerificationSession',
    'backupverificationsession',
    'Namespaced',
    [],
    ALL,
    true,
  ],
  ['addons.kubestash.com', 'Addon', 'addons', 'Cluster', [], ALL, false],
  ['addons.kubestash.com', 'Function', 'functions', 'Cluster', ['fn'], ALL, false],
];

/** Printer columns of the API reference (§2), by Kind: name and JSON path, Age last. */
const COLUMNS: Record<string, string[]> = {
  BackupStorage: [
    'Provider .spec.storage.provider',
    'Default .spec.default',
    'Deletion-Policy .spec.deletionPolicy',
    'Total-Size .status.totalSize',
    'Phase .status.phase',
  ],
  RetentionPolicy: ['Max-Retention-Period .spec.maxRetentionPeriod', 'Default .spec.default'],
  Repository: [
    'Integrity .status.integrity',
    'Snapshot-Count .status.snapshotCount',
    'Size .status.size',
    'Phase .status.phase',
    'Last-Successful-Backup .status.lastBackupTime',
  ],
  Snapshot: [
    'Repository .spec.repository',
    'Session .spec.session',
    'Snapshot-Time .status.snapshotTime',
    'Deletion-Policy .spec.deletionPolicy',
    'Phase .status.phase',
  ],
  BackupConfiguration: ['Phase .status.phase', 'Paused .spec.paused'],
  BackupSession: [
    'Invoker-Type .spec.invoker.kind',
    'Invoker-Name .spec.invoker.name',
    'Phase .status.phase',
    'Duration .status.duration',
  ],
  RestoreSession: [
    'Repository .spec.dataSource.repository',
    'Phase .status.phase',
    'Duration .status.duration',
  ],
  BackupVerifier: [],
  BackupVerificationSession: ['Phase .status.phase', 'Duration .status.duration'],
  BackupBlueprint: [],
  HookTemplate: ['Executor .spec.executor.type', 'Timeout .spec.timeout'],
  Addon: [],
  Function: [],
};

void describe('the Kinds', () => {
  void test('are exactly the KubeStash Kinds of the API reference, with its groups, plurals, scopes, short names, categories and status subresources', () => {
    const actual = ALL_KINDS.map((k) => [
      k.group,
      k.kind,
      k.plural,
      k.scope,
      [...k.shortNames],
      [...k.categories],
      k.statusSubresource,
    ]);
    assert.deepEqual(
      [...actual].sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [...KINDS].sort((a, b) => a[1].localeCompare(b[1])),
    );
  });

  void test('keep the singular plurals of BackupVerifier and BackupVerificationSession', () => {
    assert.equal(def('BackupVerifier').plural, 'backupverifier');
    assert.equal(def('BackupVerificationSession').plural, 'backupverificationsession');
  });

  void test('have the printer columns of the API reference, ending with Age', () => {
    for (const k of ALL_KINDS) {
      const columns = k.printerColumns.map((c) => `${c.name} ${c.jsonPath}`);
      assert.deepEqual(columns, [...(COLUMNS[k.kind] ?? []), 'Age .metadata.creationTimestamp'], k.kind);
    }
  });

  void test('have a status in the schema exactly when they have a status subresource', () => {
    for (const k of ALL_KINDS) {
      const props = rootSchema(k.kind).properties as Record<string, unknown>;
      assert.equal('status' in props, k.statusSubresource, k.kind);
    }
  });
});

void test('the TypeScript type of a Kind is the schema: a KubeStash manifest type-checks', () => {
  const bc: BackupConfiguration = {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'cluster-resources-backup', namespace: 'demo' },
    spec: {
      backends: [{ name: 's3', storageRef: { name: 's3-storage', namespace: 'demo' } }],
      sessions: [
        {
          name: 'frequent-backup',
          scheduler: { schedule: '*/5 * * * *', jobTemplate: { backoffLimit: 1 } },
          repositories: [{ name: 's3-repo', backend: 's3', directory: '/cluster', deletionPolicy: 'Retain' }],
          addon: {
            name: 'kubedump-addon',
            tasks: [{ name: 'manifest-backup', params: { IncludeClusterResources: 'true' } }],
            jobTemplate: { spec: { serviceAccountName: 'reader', resources: { requests: { cpu: '200m' } } } },
          },
        },
      ],
    },
  };
  assert.equal(bc.spec.sessions[0]?.repositories[0]?.deletionPolicy, 'Retain');
});
