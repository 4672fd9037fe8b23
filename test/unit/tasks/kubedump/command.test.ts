import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerKubedumpCommands } from '../../../../src/tasks/kubedump/command.ts';
import { DumpFlagError } from '../../../../src/tasks/kubedump/flags.ts';
import type { DumpRequest } from '../../../../src/tasks/kubedump/flags.ts';

/** Parses `args` as `cairn kubedump backup <args>`; returns the request the run received. */
async function parse(args: string[]): Promise<DumpRequest | undefined> {
  let received: DumpRequest | undefined;
  const program = new Command('cairn')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerKubedumpCommands(program, {
    run: (r) => {
      received = r;
      return Promise.resolve();
    },
  });
  for (const c of program.commands)
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  for (const c of program.commands.flatMap((c) => c.commands))
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  await program.parseAsync(['kubedump', 'backup', ...args], { from: 'user' });
  return received;
}

// The argv of the catalog Functions after templating with the Addon defaults.
const V2_ARGV = [
  '--namespace=demo',
  '--backupsession=cluster-resources-backup-frequent-backup-1701234567',
  '--enable-cache=true',
  '--scratch-dir=/kubestash-tmp',
  '--and-label-selectors=',
  '--or-label-selectors=app:my-app,app:my-sts',
  '--include-cluster-resources=true',
  '--include-namespaces=demo-a,demo-b',
  '--exclude-namespaces=kube-system,longhorn-system',
  '--include-resources=*',
  '--exclude-resources=',
];
const V1_ARGV = [
  '--namespace=demo',
  '--backupsession=kube-system-backup-frequent-backup-1701234567',
  '--enable-cache=true',
  '--scratch-dir=/kubestash-tmp',
  '--sanitize=true',
  '--label-selector=k8s-app=kube-dns',
  '--include-dependants=false',
];

void describe('cairn kubedump backup', () => {
  void test('the argv of the current catalog Function reaches the run as a v2 request', async () => {
    const r = await parse(V2_ARGV);
    assert.ok(r?.generation === 'v2');
    assert.equal(r.namespace, 'demo');
    assert.deepEqual(r.v2.includeNamespaces, ['demo-a', 'demo-b']);
    assert.deepEqual(r.v2.andLabelSelectors, []);
    assert.deepEqual(r.v2.orLabelSelectors, ['app:my-app', 'app:my-sts']);
    assert.equal(r.v2.includeClusterResources, true);
  });

  void test('the argv of the first generation Function reaches the run as a v1 request', async () => {
    const r = await parse(V1_ARGV);
    assert.ok(r?.generation === 'v1');
    assert.equal(r.v1.labelSelectorText, 'k8s-app=kube-dns');
    assert.equal(r.v1.sanitize, true);
    assert.equal(r.v1.includeDependants, false);
  });

  void test('values may also follow the flag as a separate argument, and a bare boolean flag means true', async () => {
    const r = await parse(['--namespace', 'demo', '--backupsession', 'bs', '--include-dependants']);
    assert.ok(r?.generation === 'v1');
    assert.equal(r.v1.includeDependants, true);
    assert.equal(r.namespace, 'demo');
  });

  void test('a malformed value fails before the run, naming the flag', async () => {
    await assert.rejects(parse([...V2_ARGV, '--include-resources=Deployment']), (err: unknown) => {
      assert.ok(err instanceof DumpFlagError);
      assert.match(err.message, /^--include-resources: "Deployment" is not a resource/);
      return true;
    });
  });

  void test('an unknown flag is refused by the parser', async () => {
    await assert.rejects(
      parse([...V2_ARGV, '--include-namespace=demo']),
      /unknown option '--include-namespace=demo'/,
    );
  });

  void test('by default a valid request runs the backup, which first connects with the given kubeconfig', async () => {
    const program = new Command('cairn');
    registerKubedumpCommands(program);
    await assert.rejects(
      program.parseAsync(['kubedump', 'backup', ...V2_ARGV, '--kubeconfig', '/nonexistent/kubeconfig'], {
        from: 'user',
      }),
      /\/nonexistent\/kubeconfig/,
    );
  });
});
