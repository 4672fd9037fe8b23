import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FunctionArgsError,
  backupBuiltins,
  resolveFunctionArgs,
  taskArgs,
} from '../../../src/api/function-args.ts';
import type { ParameterDeclaration } from '../../../src/api/function-args.ts';

// The catalog's kubedump Functions and Addon task parameters, current (v2) and up to v2025.4.30 (v1).
const BACKUP_V2_ARGS = [
  'backup',
  '--namespace=${namespace:=default}',
  '--backupsession=${backupSession:=}',
  '--enable-cache=${enableCache:=}',
  '--scratch-dir=${scratchDir:=}',
  '--and-label-selectors=${ANDedLabelSelectors:=}',
  '--or-label-selectors=${ORedLabelSelectors:=}',
  '--include-cluster-resources=${IncludeClusterResources:=}',
  '--include-namespaces=${IncludeNamespaces:=}',
  '--exclude-namespaces=${ExcludeNamespaces:=}',
  '--include-resources=${IncludeResources:=}',
  '--exclude-resources=${ExcludeResources:=}',
];
const BACKUP_V2_PARAMS: ParameterDeclaration[] = [
  { name: 'enableCache', required: false, default: 'true' },
  { name: 'scratchDir', required: false, default: '/kubestash-tmp' },
  { name: 'ANDedLabelSelectors', required: false, default: '' },
  { name: 'ORedLabelSelectors', required: false, default: '' },
  { name: 'IncludeClusterResources', required: false, default: 'false' },
  { name: 'IncludeNamespaces', required: false, default: '' },
  { name: 'ExcludeNamespaces', required: false, default: '' },
  { name: 'IncludeResources', required: false, default: '' },
  { name: 'ExcludeResources', required: false, default: '' },
];
const BACKUP_V1_ARGS = [
  'backup',
  '--namespace=${namespace:=default}',
  '--backupsession=${backupSession:=}',
  '--enable-cache=${enableCache:=}',
  '--scratch-dir=${scratchDir:=}',
  '--sanitize=${sanitize:=true}',
  '--label-selector=${labelSelector:=}',
  '--include-dependants=${includeDependants:=false}',
];
const BACKUP_V1_PARAMS: ParameterDeclaration[] = [
  { name: 'enableCache', required: false, default: 'true' },
  { name: 'scratchDir', required: false, default: '/kubestash-tmp' },
  { name: 'sanitize', required: false, default: 'true' },
  { name: 'includeDependants', required: false, default: 'false' },
  { name: 'labelSelector', required: false, default: '' },
];
const RESTORE_ARGS = [
  'restore',
  '--namespace=${namespace:=default}',
  '--restoresession=${restoreSession:=}',
  '--snapshot=${snapshot:=}',
];

const SESSION = { namespace: 'demo', backupSession: 'cluster-resources-backup-frequent-backup-1701234567' };

function fails(run: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(run, (err: unknown) => {
    assert.ok(err instanceof FunctionArgsError, String(err));
    for (const p of patterns) assert.match(err.message, p);
    return true;
  });
}

void describe('the catalog kubedump-backup Function (current)', () => {
  void test('with the filtering demonstration params resolves to the filter flags and the Addon defaults', () => {
    const r = resolveFunctionArgs({
      args: BACKUP_V2_ARGS,
      parameters: BACKUP_V2_PARAMS,
      params: {
        IncludeClusterResources: 'true',
        IncludeNamespaces: 'demo-a,demo-b',
        ExcludeNamespaces: 'kube-system,longhorn-system',
        IncludeResources: '*',
        ORedLabelSelectors: 'app:my-app,app:my-sts',
      },
      builtins: SESSION,
      task: 'manifest-backup',
    });
    assert.deepEqual(r.args, [
      'backup',
      '--namespace=demo',
      `--backupsession=${SESSION.backupSession}`,
      '--enable-cache=true',
      '--scratch-dir=/kubestash-tmp',
      '--and-label-selectors=',
      '--or-label-selectors=app:my-app,app:my-sts',
      '--include-cluster-resources=true',
      '--include-namespaces=demo-a,demo-b',
      '--exclude-namespaces=kube-system,longhorn-system',
      '--include-resources=*',
      '--exclude-resources=',
    ]);
    assert.deepEqual(r.undeclaredParams, []);
    assert.deepEqual(r.unusedParams, []);
    assert.deepEqual(r.unknownVariables, []);
  });

  void test('without params resolves every flag to the Addon default', () => {
    const r = resolveFunctionArgs({ args: BACKUP_V2_ARGS, parameters: BACKUP_V2_PARAMS, builtins: SESSION });
    assert.equal(r.args[3], '--enable-cache=true');
    assert.equal(r.args[7], '--include-cluster-resources=false');
  });

  void test('an unquoted YAML boolean param is written as text', () => {
    const r = resolveFunctionArgs({
      args: BACKUP_V2_ARGS,
      parameters: BACKUP_V2_PARAMS,
      params: { IncludeClusterResources: true },
      builtins: SESSION,
    });
    assert.equal(r.args[7], '--include-cluster-resources=true');
  });

  void test('a session without a namespace falls back to the default written in the arg', () => {
    const r = resolveFunctionArgs({ args: BACKUP_V2_ARGS, parameters: BACKUP_V2_PARAMS, builtins: {} });
    assert.equal(r.args[1], '--namespace=default');
    assert.equal(r.args[2], '--backupsession=');
  });

  void test('a first-generation param given to the current Addon is reported as undeclared and unused', () => {
    const r = resolveFunctionArgs({
      args: BACKUP_V2_ARGS,
      parameters: BACKUP_V2_PARAMS,
      params: { labelSelector: 'app=web', includeNamespaces: 'demo' },
      builtins: SESSION,
    });
    assert.deepEqual(r.undeclaredParams, ['includeNamespaces', 'labelSelector']);
    assert.deepEqual(r.unusedParams, ['includeNamespaces', 'labelSelector']);
  });
});

void describe('the catalog kubedump-backup Function (v2025.4.30)', () => {
  void test('with the filter guide params resolves the label selector and keeps the other defaults', () => {
    const r = resolveFunctionArgs({
      args: BACKUP_V1_ARGS,
      parameters: BACKUP_V1_PARAMS,
      params: { labelSelector: 'k8s-app=kube-dns' },
      builtins: SESSION,
    });
    assert.deepEqual(r.args.slice(3), [
      '--enable-cache=true',
      '--scratch-dir=/kubestash-tmp',
      '--sanitize=true',
      '--label-selector=k8s-app=kube-dns',
      '--include-dependants=false',
    ]);
  });

  void test('with the passing-args guide params turns sanitising off', () => {
    const r = resolveFunctionArgs({
      args: BACKUP_V1_ARGS,
      parameters: BACKUP_V1_PARAMS,
      params: { sanitize: 'false' },
      builtins: SESSION,
    });
    assert.equal(r.args[5], '--sanitize=false');
  });

  void test('with the application guide params includes the dependants', () => {
    const r = resolveFunctionArgs({
      args: BACKUP_V1_ARGS,
      parameters: BACKUP_V1_PARAMS,
      params: { includeDependants: 'true' },
      builtins: SESSION,
    });
    assert.equal(r.args[7], '--include-dependants=true');
  });

  void test('an empty param value falls back to the default written in the arg', () => {
    const r = resolveFunctionArgs({
      args: BACKUP_V1_ARGS,
      parameters: BACKUP_V1_PARAMS,
      params: { sanitize: '' },
      builtins: SESSION,
    });
    assert.equal(r.args[5], '--sanitize=true');
  });
});

void describe('the catalog kubedump-restore Function', () => {
  void test('resolves the restore session and snapshot built-ins', () => {
    const r = resolveFunctionArgs({
      args: RESTORE_ARGS,
      builtins: {
        namespace: 'demo',
        restoreSession: 'restore-1',
        snapshot: 's3-repo-frequent-backup-1701234567',
      },
    });
    assert.deepEqual(r.args, [
      'restore',
      '--namespace=demo',
      '--restoresession=restore-1',
      '--snapshot=s3-repo-frequent-backup-1701234567',
    ]);
  });
});

void describe('reference forms', () => {
  const resolve = (arg: string, builtins = {}, params = {}): string | undefined =>
    resolveFunctionArgs({ args: [arg], builtins, params }).args[0];

  void test('${name} takes the value as it is', () => {
    assert.equal(resolve('--ns=${namespace}', { namespace: 'demo' }), '--ns=demo');
  });

  void test('${name:=d} and ${name:-d} give the default for an unset or empty value', () => {
    assert.equal(resolve('${namespace:=x}', { namespace: '' }), 'x');
    assert.equal(resolve('${namespace:-x}', {}), 'x');
    assert.equal(resolve('${namespace:=x}', { namespace: 'demo' }), 'demo');
  });

  void test('${name=d} and ${name-d} give the default only for an unset value', () => {
    assert.equal(resolve('${namespace=x}', { namespace: '' }), '');
    assert.equal(resolve('${namespace-x}', {}), 'x');
  });

  void test('a default may contain separators and colons', () => {
    assert.equal(resolve('${IncludeNamespaces:=a,b:c=d}'), 'a,b:c=d');
  });

  void test('several references in one arg are all resolved', () => {
    assert.equal(
      resolve('${invokerKind}/${invokerName}', { invokerKind: 'BackupConfiguration', invokerName: 'bc' }),
      'BackupConfiguration/bc',
    );
  });

  void test('$${ writes a literal ${ and a lone $ is kept', () => {
    assert.equal(resolve('$${namespace} costs $5', { namespace: 'demo' }), '${namespace} costs $5');
  });

  void test('built-ins take precedence over undeclared params, declared params over built-ins', () => {
    assert.equal(
      resolveFunctionArgs({
        args: ['${namespace}'],
        builtins: { namespace: 'demo' },
        params: { namespace: 'other' },
      }).args[0],
      'demo',
    );
    assert.equal(
      resolveFunctionArgs({
        args: ['${enableCache}'],
        builtins: { enableCache: 'true' },
        parameters: [{ name: 'enableCache', default: 'true' }],
        params: { enableCache: 'false' },
      }).args[0],
      'false',
    );
  });

  void test('task variables resolve names that are neither built-in nor parameters', () => {
    assert.equal(
      resolveFunctionArgs({ args: ['--x=${myVar}'], builtins: {}, variables: { myVar: 'v' } }).args[0],
      '--x=v',
    );
  });

  void test('a defaulted reference to an unknown name is reported as a likely typo', () => {
    const r = resolveFunctionArgs({ args: ['--x=${namepsace:=default}'], builtins: { namespace: 'demo' } });
    assert.equal(r.args[0], '--x=default');
    assert.deepEqual(r.unknownVariables, ['namepsace']);
  });
});

void describe('failures', () => {
  void test('an unknown variable without a default is an error naming it', () => {
    fails(
      () =>
        resolveFunctionArgs({
          args: ['backup', '--x=${nosuch}'],
          builtins: SESSION,
          task: 'manifest-backup',
        }),
      /arg 1 "--x=\$\{nosuch\}"/,
      /unknown variable \$\{nosuch\}/,
      /task manifest-backup/,
      /\$\{nosuch:=\}/,
    );
  });

  void test('a known variable without a value and without a default is an error naming it', () => {
    fails(
      () => resolveFunctionArgs({ args: ['--snapshot=${snapshot}'], builtins: SESSION }),
      /\$\{snapshot\} has no value here and no default/,
    );
  });

  void test('a malformed reference is an error', () => {
    fails(() => resolveFunctionArgs({ args: ['${namespace'], builtins: SESSION }), /is not closed/);
    fails(() => resolveFunctionArgs({ args: ['${}'], builtins: SESSION }), /is not a reference/);
    fails(() => resolveFunctionArgs({ args: ['${1x}'], builtins: SESSION }), /is not a reference/);
    fails(() => resolveFunctionArgs({ args: ['${namespace:x}'], builtins: SESSION }), /is not a reference/);
  });

  void test('a required parameter without a value is an error naming it', () => {
    fails(
      () =>
        resolveFunctionArgs({
          args: ['${dbName}'],
          parameters: [{ name: 'dbName', required: true }],
          builtins: {},
          task: 'logical-backup',
        }),
      /parameter dbName of task logical-backup is required/,
    );
  });

  void test('a param that is a list or an object is an error naming it', () => {
    fails(
      () => resolveFunctionArgs({ args: [], params: { IncludeNamespaces: ['a', 'b'] }, builtins: {} }),
      /param IncludeNamespaces must be a string/,
      /IncludeNamespaces: "a,b"/,
    );
  });
});

void describe('a backup Job of a session', () => {
  void test('gets the session, invoker and target as built-in variables', () => {
    assert.deepEqual(
      backupBuiltins({
        namespace: 'demo',
        backupSession: 'bs-1',
        invokerKind: 'BackupConfiguration',
        invokerName: 'application-manifest-backup',
        target: { apiGroup: 'apps', kind: 'Deployment', name: 'web' },
      }),
      {
        namespace: 'demo',
        backupSession: 'bs-1',
        invokerKind: 'BackupConfiguration',
        invokerName: 'application-manifest-backup',
        targetApiGroup: 'apps',
        targetKind: 'Deployment',
        targetName: 'web',
        targetNamespace: 'demo',
      },
    );
  });

  void test('of a cluster backup has no target variables', () => {
    const b = backupBuiltins({
      namespace: 'demo',
      backupSession: 'bs-1',
      invokerKind: 'BackupConfiguration',
      invokerName: 'bc',
    });
    assert.equal(b.targetName, undefined);
  });

  void test('runs the task Function with the session params and plain task variables', () => {
    const r = taskArgs(
      { args: [...BACKUP_V2_ARGS, '--extra=${extra:=none}'] },
      { name: 'manifest-backup', parameters: BACKUP_V2_PARAMS },
      {
        params: { IncludeNamespaces: 'kubedb,db' },
        variables: [
          { name: 'extra', value: 'x' },
          { name: 'fromSecret', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
        ],
      },
      backupBuiltins({
        namespace: 'demo',
        backupSession: 'bs-1',
        invokerKind: 'BackupConfiguration',
        invokerName: 'bc',
      }),
    );
    assert.equal(r.args[8], '--include-namespaces=kubedb,db');
    assert.equal(r.args.at(-1), '--extra=x');
    assert.deepEqual(r.unknownVariables, []);
  });

  void test('of a task without a reference runs with the Addon defaults', () => {
    const r = taskArgs(
      { args: BACKUP_V1_ARGS },
      { name: 'manifest-backup', parameters: BACKUP_V1_PARAMS },
      undefined,
      { namespace: 'demo', backupSession: 'bs-1' },
    );
    assert.equal(
      r.args.join(' '),
      'backup --namespace=demo --backupsession=bs-1 --enable-cache=true --scratch-dir=/kubestash-tmp --sanitize=true --label-selector= --include-dependants=false',
    );
  });
});
