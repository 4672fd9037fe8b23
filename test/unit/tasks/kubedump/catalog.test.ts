// Cairn's catalog (deploy/addons) and `cairn kubedump backup` agree: the backup Function's args, templated by
// the operator's rules with the Addon's parameters and the params of KubeStash's guides, are accepted by the
// command and planned as each guide means.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { backupBuiltins, taskArgs } from '../../../../src/api/function-args.ts';
import type { Addon, Task } from '../../../../src/api/kinds/addon.ts';
import type { FunctionObject } from '../../../../src/api/kinds/function.ts';
import type { TypedObjectReference } from '../../../../src/api/kinds/references.ts';
import { projectRoot } from '../../../../src/devcluster/toolchain.ts';
import { registerKubedumpCommands } from '../../../../src/tasks/kubedump/command.ts';
import type { DumpRequest } from '../../../../src/tasks/kubedump/flags.ts';
import { planDump } from '../../../../src/tasks/kubedump/plan.ts';
import type { DumpPlan } from '../../../../src/tasks/kubedump/plan.ts';

const CATALOG = join(projectRoot, 'deploy', 'addons');
const fn = parse(readFileSync(join(CATALOG, 'kubedump-backup-function.yaml'), 'utf8')) as FunctionObject;
const addon = parse(readFileSync(join(CATALOG, 'kubedump-addon.yaml'), 'utf8')) as Addon;
const task = addon.spec.backupTasks?.find((t) => t.name === 'manifest-backup') as Task;

/** What the Job of a guide's BackupConfiguration would run, parsed by the command and planned. */
async function run(
  params: Record<string, string> | undefined,
  target?: TypedObjectReference,
): Promise<DumpPlan> {
  const builtins = backupBuiltins({
    namespace: 'demo',
    backupSession: 'guide-frequent-backup-1701234567',
    invokerKind: 'BackupConfiguration',
    invokerName: 'guide',
    ...(target ? { target } : {}),
  });
  const resolved = taskArgs(fn.spec, task, params ? { params } : undefined, builtins);
  assert.deepEqual(resolved.undeclaredParams, []);
  assert.deepEqual(resolved.unknownVariables, []);
  assert.deepEqual(resolved.args.slice(0, 2), ['kubedump', 'backup']);
  let request: DumpRequest | undefined;
  const program = new Command('cairn').exitOverride();
  registerKubedumpCommands(program, {
    run: (r) => {
      request = r;
      return Promise.resolve();
    },
  });
  await program.parseAsync(resolved.args, { from: 'user' });
  assert.ok(request);
  assert.equal(request.backupSession, 'guide-frequent-backup-1701234567');
  return planDump({ request, target, invokerNamespace: 'demo' });
}

void describe("the catalog's kubedump-backup Function run by the command", () => {
  void test('the filtering demonstration (current guides) is a v2 filter with cluster resources', async () => {
    const p = await run({
      IncludeClusterResources: 'true',
      IncludeNamespaces: 'demo-a,demo-b',
      ExcludeNamespaces: 'kube-system,longhorn-system',
      IncludeResources: '*',
      ORedLabelSelectors: 'app:my-app,app:my-sts',
    });
    assert.equal(p.generation, 'v2');
    assert.equal(p.filter.includeClusterResources, true);
    assert.deepEqual([...p.filter.namespaces.includes], ['demo-a', 'demo-b']);
    assert.deepEqual(p.filter.orLabelSelectors, ['app:my-app', 'app:my-sts']);
    assert.equal(p.dumpDir, '/kubestash-tmp/manifest');
  });

  void test('the full cluster backup guide is a v2 filter of two namespaces', async () => {
    const p = await run({
      IncludeClusterResources: 'true',
      IncludeNamespaces: 'kubedb,db',
      IncludeResources: '*',
    });
    assert.equal(p.generation, 'v2');
    assert.deepEqual(p.listNamespaces, ['kubedb', 'db']);
  });

  void test('the first-generation filter guide is a cluster backup with a label selector', async () => {
    const p = await run({ labelSelector: 'k8s-app=kube-dns' });
    assert.deepEqual(p.dumpScope, {
      generation: 'v1',
      target: 'cluster',
      sanitize: true,
      labelSelector: 'k8s-app=kube-dns',
    });
  });

  void test('the first-generation namespace guide (no params) is a namespace backup', async () => {
    const p = await run(undefined, { apiGroup: '', kind: 'Namespace', name: 'kube-system' });
    assert.deepEqual(p.scope, { kind: 'namespace', namespace: 'kube-system' });
    assert.equal(p.sanitize, 'v1');
  });

  void test('the first-generation application guide includes the dependants', async () => {
    const target = {
      apiGroup: 'apps',
      kind: 'Deployment',
      name: 'kubestash-kubestash-operator',
      namespace: 'kubestash',
    };
    const p = await run({ includeDependants: 'true' }, target);
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
  });

  void test('the first-generation passing-args guide turns sanitising off', async () => {
    const target = {
      apiGroup: 'apps',
      kind: 'Deployment',
      name: 'kubestash-kubestash-operator',
      namespace: 'kubestash',
    };
    const p = await run({ sanitize: 'false' }, target);
    assert.equal(p.sanitize, 'none');
    assert.equal(p.layout, 'v1-application');
  });

  void test('a configuration without params or target is a v2 backup of every namespace', async () => {
    const p = await run(undefined);
    assert.equal(p.generation, 'v2');
    assert.equal(p.filter.includeClusterResources, false);
    assert.equal(p.listNamespaces, undefined);
  });
});
