import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../../src/devcluster/probe.ts';
import { projectRoot } from '../../src/devcluster/toolchain.ts';
import { processesUnder } from '../harness/processes.ts';

const cairn = join(projectRoot, 'bin', 'cairn');

interface Up {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

async function up(dir: string): Promise<Up> {
  const proc = spawn(cairn, ['up', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  await waitFor(() => (out.includes('the dev cluster is ready') ? true : undefined), {
    what: `cairn up --dir ${dir}`,
    timeoutMs: 90_000,
    abortIf: () => (proc.exitCode !== null ? `exited early:\n${out}` : undefined),
  });
  return { proc, output: () => out, exited };
}

function client(dir: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(join(dir, 'kubeconfig'));
  return kc.makeApiClient(CoreV1Api);
}

async function noProcessesUnder(dir: string): Promise<void> {
  await waitFor(() => (processesUnder(dir).length === 0 ? true : undefined), {
    what: `every process under ${dir} to exit (left: ${processesUnder(dir).join('; ')})`,
    timeoutMs: 30_000,
  });
}

void test(
  'cairn up serves a cluster, stops cleanly on SIGINT, and brings the same objects back on restart',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-up-'));
    try {
      const first = await up(dir);
      assert.match(first.output(), new RegExp(`export KUBECONFIG=${join(dir, 'kubeconfig')}`));
      assert.match(first.output(), /kubectl --kubeconfig \S+ get namespaces/);
      await client(dir).createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'survivor' }, data: { a: 'b' } },
      });
      first.proc.kill('SIGINT');
      assert.equal(await first.exited, 0);
      assert.deepEqual(processesUnder(dir), [], 'no process is left once cairn up has exited');

      const second = await up(dir);
      const cm = await client(dir).readNamespacedConfigMap({ name: 'survivor', namespace: 'default' });
      assert.equal(cm.data?.a, 'b');

      const down = spawn(cairn, ['down', '--dir', dir], { stdio: 'ignore' });
      assert.equal(await new Promise((r) => down.once('exit', r)), 0);
      assert.equal(await second.exited, 0);
      assert.deepEqual(processesUnder(dir), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test(
  'killing cairn up with SIGKILL leaves no etcd, apiserver or controller-manager behind',
  { timeout: 180_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-kill-'));
    try {
      const running = await up(dir);
      assert.ok(processesUnder(dir).length >= 3, 'the components run while cairn up does');
      running.proc.kill('SIGKILL');
      await running.exited;
      await noProcessesUnder(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

void test(
  'cairn up refuses a second up on the same directory, and after a SIGKILL a new up takes over the stale lock with the same objects',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-lock-'));
    try {
      const first = await up(dir);
      await client(dir).createNamespacedConfigMap({
        namespace: 'default',
        body: { metadata: { name: 'survivor' }, data: { a: 'b' } },
      });

      const second = spawn(cairn, ['up', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
      let refused = '';
      second.stdout?.on('data', (b: Buffer) => (refused += b.toString()));
      second.stderr?.on('data', (b: Buffer) => (refused += b.toString()));
      assert.equal(await new Promise((r) => second.once('exit', r)), 1);
      assert.match(
        refused,
        new RegExp(
          `a dev cluster already runs on ${dir} \\(pid ${first.proc.pid}\\); use it, or stop it with 'cairn down --dir ${dir}'`,
        ),
      );
      assert.equal(
        (await client(dir).readNamespacedConfigMap({ name: 'survivor', namespace: 'default' })).data?.a,
        'b',
        'the first cluster still serves after the refusal',
      );

      first.proc.kill('SIGKILL');
      await first.exited;
      await noProcessesUnder(dir);

      const third = await up(dir);
      assert.match(
        third.output(),
        new RegExp(`found a stale lock of pid ${first.proc.pid} on ${dir} \\(that process is gone\\)`),
      );
      const cm = await client(dir).readNamespacedConfigMap({ name: 'survivor', namespace: 'default' });
      assert.equal(cm.data?.a, 'b', 'the objects of the killed cluster are back');

      const down = spawn(cairn, ['down', '--dir', dir], { stdio: 'ignore' });
      assert.equal(await new Promise((r) => down.once('exit', r)), 0);
      assert.equal(await third.exited, 0);
      await noProcessesUnder(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
