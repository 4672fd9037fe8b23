import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_KINDS } from '../../../src/api/kinds/index.ts';
import type { BackupConfiguration } from '../../../src/api/kinds/backupconfiguration.ts';
import { RETENTION_PERIOD_PATTERN } from '../../../src/api/kinds/retentionpolicy.ts';
import { parseRetentionPeriod } from '../../../src/api/retention-period.ts';
import { GO_DURATION_PATTERN } from '../../../src/api/schema/builders.ts';
import { buildCrd } from '../../../src/api/schema/crd.ts';
import type { KindDefinition } from '../../../src/api/schema/crd.ts';
import { walkSchema } from '../../../src/api/schema/structural.ts';
import type { JsonSchemaProps } from '../../../src/api/schema/structural.ts';

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

function def(kind: string): KindDefinition {
  const d = ALL_KINDS.find((k) => k.kind === kind);
  assert.ok(d, `no Kind ${kind}`);
  return d;
}

function rootSchema(kind: string): JsonSchemaProps {
  const crd = buildCrd(def(kind)) as {
    spec: { versions: { schema: { openAPIV3Schema: JsonSchemaProps } }[] };
  };
  const schema = crd.spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema);
  return schema;
}

function nodeAt(kind: string, path: string): JsonSchemaProps {
  let found: JsonSchemaProps | undefined;
  walkSchema(rootSchema(kind), (node, p) => {
    if (p === path) found = node;
  });
  assert.ok(found, `${kind}: no schema at ${path}`);
  return found;
}

type Rule = { rule: string; message: string };
function rulesOf(node: JsonSchemaProps): Rule[] {
  return (node['x-kubernetes-validations'] as Rule[] | undefined) ?? [];
}

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

void describe('the generated schemas', () => {
  void test('are structural: a type on every node, nothing a CRD forbids, no unknown fields kept at the root', () => {
    for (const k of ALL_KINDS) {
      const root = rootSchema(k.kind);
      assert.equal(root['x-kubernetes-preserve-unknown-fields'], undefined, k.kind);
      walkSchema(root, (node, path) => {
        const where = `${k.kind}${path}`;
        for (const key of ['$ref', '$id', 'patternProperties', 'uniqueItems', 'const', 'allOf', 'oneOf']) {
          assert.equal(node[key], undefined, `${where}: ${key}`);
        }
        assert.notEqual(node.additionalProperties, false, where);
        assert.ok(
          !(node.properties && node.additionalProperties),
          `${where}: properties with additionalProperties`,
        );
        assert.ok(
          typeof node.type === 'string' ||
            node['x-kubernetes-int-or-string'] === true ||
            node['x-kubernetes-preserve-unknown-fields'] === true,
          `${where}: no type`,
        );
      });
    }
  });

  void test('describe every field for kubectl explain', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        const isListItemOfScalars = path.endsWith('[]') && node.type !== 'object';
        const isMapValue = path.endsWith('{}');
        if (path === '' || path === '.metadata' || isListItemOfScalars || isMapValue) return;
        assert.ok(
          typeof node.description === 'string' && node.description.length > 3,
          `${k.kind}${path}: no description`,
        );
      });
    }
  });

  void test('state allowed values and defaults in the descriptions', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        const description = typeof node.description === 'string' ? node.description : '';
        if (Array.isArray(node.enum)) assert.match(description, /One of: /, `${k.kind}${path}`);
        if (node.default !== undefined) assert.match(description, /Defaults to /, `${k.kind}${path}`);
      });
    }
  });

  void test('keep unknown fields only in free-form fields and partly modelled Kubernetes core types', () => {
    const allowed = new Set([
      'params',
      'query',
      'manifestOptions',
      'local',
      'source',
      'valueFrom',
      'securityContext',
      'containerSecurityContext',
      'seLinuxOptions',
      'appArmorProfile',
      'windowsOptions',
      'affinity',
      'livenessProbe',
      'readinessProbe',
      'lifecycle',
      'dnsConfig',
      'projected',
      'downwardAPI',
      'ephemeral',
      'components{}',
      'resticStats[]',
      'volumes[]',
      'initContainers[]',
      'topologySpreadConstraints[]',
    ]);
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        if (node['x-kubernetes-preserve-unknown-fields'] !== true) return;
        const name = path.slice(path.lastIndexOf('.') + 1);
        // metadata, spec and status of an embedded PersistentVolumeClaim (template).
        const inClaim = /olumeClaimTemplates?(\[\])?\.(metadata|spec|status)$/.test(path);
        assert.ok(allowed.has(name) || inClaim, `${k.kind}${path} keeps unknown fields`);
      });
    }
  });

  void test('have CEL messages that name the field they are about and say how to fix it', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        for (const r of rulesOf(node)) {
          assert.match(
            r.message,
            /^spec\b/,
            `${k.kind}${path}: the message should start with the field: ${r.message}`,
          );
          assert.match(
            r.message,
            /: \S/,
            `${k.kind}${path}: the message should say how to fix it: ${r.message}`,
          );
        }
      });
    }
  });

  void test('bound every list a CEL rule iterates, so the API server accepts the rule cost', () => {
    for (const k of ALL_KINDS) {
      walkSchema(rootSchema(k.kind), (node, path) => {
        const rules = rulesOf(node);
        if (rules.length === 0) return;
        if (node.type === 'array') assert.equal(typeof node.maxItems, 'number', `${k.kind}${path}`);
        const props = (node.properties ?? {}) as Record<string, JsonSchemaProps>;
        for (const r of rules) {
          for (const [, name] of r.rule.matchAll(/self\.(\w+)\.(?:all|exists|exists_one|map|filter)\(/g)) {
            assert.equal(
              typeof props[name ?? '']?.maxItems,
              'number',
              `${k.kind}${path}.${name} is iterated by ${r.rule}`,
            );
          }
        }
      });
    }
  });
});

void describe('single-object rules in the CRDs', () => {
  const rules = (kind: string, path: string) => rulesOf(nodeAt(kind, path)).map((r) => r.rule);

  void test('apply the defaults of the API reference', () => {
    const defaults: [string, string, unknown][] = [
      ['BackupStorage', '.spec.deletionPolicy', 'Delete'],
      ['BackupStorage', '.spec.usagePolicy', { allowedNamespaces: { from: 'Same' } }],
      ['BackupStorage', '.spec.usagePolicy.allowedNamespaces.from', 'Same'],
      ['RetentionPolicy', '.spec.failedSnapshots', { last: 1 }],
      ['RetentionPolicy', '.spec.failedSnapshots.last', 1],
      ['RetentionPolicy', '.spec.usagePolicy', { allowedNamespaces: { from: 'Same' } }],
      ['Repository', '.spec.deletionPolicy', 'Delete'],
      ['Snapshot', '.spec.deletionPolicy', 'Delete'],
      ['BackupConfiguration', '.spec.sessions[].sessionHistoryLimit', 1],
      ['BackupConfiguration', '.spec.sessions[].retryConfig.maxRetry', 1],
      ['BackupConfiguration', '.spec.sessions[].hooks.preBackup[].executionPolicy', 'Always'],
      ['BackupVerifier', '.spec.sessionHistoryLimit', 1],
      ['BackupVerifier', '.spec.retryConfig.maxRetry', 1],
      ['HookTemplate', '.spec.executor.pod.strategy', 'ExecuteOnOne'],
      ['HookTemplate', '.spec.usagePolicy.allowedNamespaces.from', 'Same'],
    ];
    for (const [kind, path, value] of defaults)
      assert.deepEqual(nodeAt(kind, path).default, value, `${kind}${path}`);
    assert.equal(nodeAt('BackupConfiguration', '.spec.sessions[].retryConfig.maxRetry').minimum, 1);
  });

  void test('require what a Kind cannot work without', () => {
    assert.ok(
      rules('RetentionPolicy', '.spec').includes(
        'has(self.maxRetentionPeriod) || has(self.successfulSnapshots)',
      ),
    );
    assert.ok(rules('BackupConfiguration', '.spec').includes('has(self.sessions)'));
    for (const field of ['scheduler', 'repositories', 'addon']) {
      assert.ok(rules('BackupConfiguration', '.spec.sessions[]').includes(`has(self.${field})`), field);
    }
    assert.ok(rules('BackupConfiguration', '.spec.sessions[].addon.tasks').includes('self.size() > 0'));
    for (const field of ['type', 'restoreOption', 'scheduler']) {
      assert.ok(rules('BackupVerifier', '.spec').includes(`has(self.${field})`), field);
    }
    assert.ok(rules('RestoreSession', '.spec').includes('has(self.dataSource)'));
  });

  void test('keep Repository spec.path and the spec of sessions immutable', () => {
    assert.equal(rules('Repository', '.spec.path')[0], 'self == oldSelf');
    assert.deepEqual(rules('BackupSession', '.spec'), ['self == oldSelf']);
    assert.deepEqual(rules('BackupVerificationSession', '.spec'), ['self == oldSelf']);
  });

  void test('check names are unique and repositories name declared backends', () => {
    assert.equal(
      rules('BackupConfiguration', '.spec.sessions').filter((r) => r.includes('exists_one')).length,
      1,
    );
    assert.equal(
      rules('BackupConfiguration', '.spec.backends').filter((r) => r.includes('exists_one')).length,
      1,
    );
    assert.equal(
      rules('BackupConfiguration', '.spec.sessions[].repositories').filter((r) => r.includes('exists_one'))
        .length,
      1,
    );
    assert.ok(rules('BackupConfiguration', '.spec').some((r) => r.includes('self.backends.exists(')));
  });
});

void describe('patterns', () => {
  const retention = new RegExp(RETENTION_PERIOD_PATTERN);
  const duration = new RegExp(GO_DURATION_PATTERN);

  void test('a retention period is accepted by the CRD exactly when the retention-period parser reads it', () => {
    const samples = [
      '2mo',
      '30d12h30m',
      '1y',
      '1y2mo3d4h5m',
      '7y11mo27d',
      '-1d',
      '5m',
      '1w',
      '2months',
      '30',
      'd',
      '',
      '1x',
      '3 d',
    ];
    for (const s of samples) {
      let parses = true;
      try {
        parseRetentionPeriod(s);
      } catch {
        parses = false;
      }
      assert.equal(retention.test(s), parses, s);
    }
  });

  void test('a Go duration is accepted in the forms metav1.Duration prints and parses', () => {
    for (const s of [
      '30s',
      '1m0s',
      '1h30m',
      '1.5h',
      '500ms',
      '0',
      '7.887161125s',
      '-1m',
      '2h45m0.5s',
      '10µs',
    ]) {
      assert.ok(duration.test(s), s);
    }
    for (const s of ['', '5 minutes', '1d', 'm', '1', '1m 30s']) assert.ok(!duration.test(s), s);
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
