// Cairn's catalog (deploy/addons) and `cairn kubedump restore` agree: the restore Function's args, templated
// by the operator's rules with the Addon's parameters and the params of KubeStash's restore guides, are
// accepted by the command and read as each guide means.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { taskArgs } from '../../../../src/api/function-args.ts';
import type { Addon, Task } from '../../../../src/api/kinds/addon.ts';
import type { FunctionObject } from '../../../../src/api/kinds/function.ts';
import { projectRoot } from '../../../../src/devcluster/toolchain.ts';
import { registerKubedumpCommands } from '../../../../src/tasks/kubedump/command.ts';
import type { RestoreRequest } from '../../../../src/tasks/kubedump/restore-flags.ts';

const CATALOG = join(projectRoot, 'deploy', 'addons');
const fn = parse(readFileSync(join(CATALOG, 'kubedump-restore-function.yaml'), 'utf8')) as FunctionObject;
const addon = parse(readFileSync(join(CATALOG, 'kubedump-addon.yaml'), 'utf8')) as Addon;
const task = addon.spec.restoreTasks?.find((t) => t.name === 'manifest-restore') as Task;

/** Parses `args` with the real command; resolves with the request it would run. */
async function parseArgs(args: string[]): Promise<RestoreRequest> {
  let request: RestoreRequest | undefined;
  const program = new Command('cairn').exitOverride();
  registerKubedumpCommands(program, {
    restore: (r) => {
      request = r;
      return Promise.resolve();
    },
  });
  await program.parseAsync(args, { from: 'user' });
  assert.ok(request);
  return request;
}

/** What the Job of a guide's RestoreSession would run. */
function run(params: Record<string, string> | undefined, snapshot = 'latest'): Promise<RestoreRequest> {
  const resolved = taskArgs(fn.spec, task, params ? { params } : undefined, {
    namespace: 'demo',
    restoreSession: 'cluster-restore',
    snapshot,
  });
  assert.deepEqual(resolved.undeclaredParams, []);
  assert.deepEqual(resolved.unknownVariables, []);
  assert.deepEqual(resolved.args.slice(0, 2), ['kubedump', 'restore']);
  return parseArgs(resolved.args);
}

void describe("the catalog's kubedump-restore Function run by the command", () => {
  void test('without params: the named Snapshot, nothing overridden, cluster resources left out', async () => {
    const r = await run(undefined, 'gcs-repository-cluster-backup-frequent-backup-1725258000');
    assert.equal(r.namespace, 'demo');
    assert.equal(r.restoreSession, 'cluster-restore');
    assert.equal(r.snapshot, 'gcs-repository-cluster-backup-frequent-backup-1725258000');
    assert.equal(r.overrideResources, false);
    assert.equal(r.restorePVs, false);
    assert.equal(r.filter.includeClusterResources, false);
    assert.equal(r.scratchDir, '/kubestash-tmp');
    assert.equal(r.enableCache, true);
  });

  void test("the restore filtering guide's params reach the request", async () => {
    const r = await run({
      IncludeClusterResources: 'true',
      IncludeNamespaces: 'demo-a',
      ExcludeResources: 'secrets',
      ORedLabelSelectors: 'app:my-app',
      OverrideResources: 'true',
      StorageClassMappings: 'standard=fast',
      RestorePVs: 'true',
    });
    assert.equal(r.snapshot, undefined, 'latest is resolved by the task');
    assert.equal(r.filter.includeClusterResources, true);
    assert.deepEqual(r.filter.includeNamespaces, ['demo-a']);
    assert.deepEqual(r.filter.excludeResources, ['secrets']);
    assert.deepEqual(r.filter.orLabelSelectors, ['app:my-app']);
    assert.equal(r.overrideResources, true);
    assert.equal(r.restorePVs, true);
    assert.deepEqual([...r.storageClassMappings], [['standard', 'fast']]);
  });

  void test("Cairn's own flags are accepted after the Function's", async () => {
    const r = await parseArgs([
      'kubedump',
      'restore',
      '--namespace=demo',
      '--restoresession=rs',
      '--namespace-mappings=demo=demo-copy',
      '--max-iterations=2',
    ]);
    assert.deepEqual([...r.namespaceMappings], [['demo', 'demo-copy']]);
    assert.equal(r.maxIterations, 2);
  });

  void test('a malformed value fails before the run, naming the flag', async () => {
    await assert.rejects(
      parseArgs(['kubedump', 'restore', '--restoresession=rs', '--storage-class-mappings=standard']),
      /--storage-class-mappings: "standard" is not an old=new pair of StorageClass names; e\.g\. --storage-class-mappings=standard=fast,gp2=gp3/,
    );
  });
});
