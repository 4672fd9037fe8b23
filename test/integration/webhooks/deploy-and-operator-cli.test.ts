// The operator as it ships: deploy/ accepted by the API server (server-side dry run), and `cairn operator`
// serving probes, logging from a fixed vocabulary and exiting cleanly on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { binaryPaths, projectRoot } from '../../../src/devcluster/toolchain.ts';
import { probe, waitFor } from '../../../src/devcluster/probe.ts';
import { LOG_FIELD_NAMES } from '../../../src/common/log.ts';
import { clusterTest } from '../../harness/cluster.ts';

void test('deploy/ is accepted by the API server (server-side dry run of kubectl apply -k)', async () => {
  const kubectl = binaryPaths().kubectl;
  const kubeconfig = process.env.CAIRN_TEST_KUBECONFIG ?? '';
  const run = (args: string[], input?: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], {
        cwd: projectRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      p.on('exit', (code) => resolve({ code, out }));
      p.stdin.end(input ?? '');
    });
  const rendered = await run(['kustomize', 'deploy']);
  assert.equal(rendered.code, 0, rendered.out);
  // The dev cluster holds the same two webhook configurations pointing at a URL; applying the Service
  // variant over them would mix url and service, so they are checked under other names.
  const docs = parseAllDocuments(rendered.out).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string } },
  );
  for (const d of docs) {
    if (d.kind.endsWith('WebhookConfiguration')) d.metadata.name += '-dry-run';
  }
  assert.equal(docs.filter((d) => d.metadata.name.endsWith('-dry-run')).length, 2);
  const renamed = docs.map((d) => stringify(d)).join('---\n');
  const applied = await run(
    ['apply', '--server-side', '--dry-run=server', '--field-manager=cairn-deploy-test', '-f', '-'],
    renamed,
  );
  assert.equal(applied.code, 0, applied.out);
  assert.match(applied.out, /deployment\.apps\/cairn-operator serverside-applied \(server dry run\)/);
});

clusterTest(
  'cairn operator serves probes, logs JSON lines from a fixed vocabulary and exits 0 on SIGTERM',
  async ({ namespace }) => {
    const kubeconfig = process.env.CAIRN_TEST_KUBECONFIG ?? '';
    const proc = spawn(
      `${projectRoot}bin/cairn`,
      [
        'operator',
        `--kubeconfig=${kubeconfig}`,
        '--webhook-bind-address=127.0.0.1:0',
        '--probe-bind-address=127.0.0.1:0',
        `--cert-secret-namespace=${namespace}`,
        `--mutating-configuration=${namespace}-absent`,
        `--validating-configuration=${namespace}-absent`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const lines = () =>
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      const probes = await waitFor(
        () =>
          lines().find((l) => l.msg === 'server listening' && l.reason === 'probes')?.addr as
            string | undefined,
        {
          what: 'cairn operator to listen',
          timeoutMs: 30_000,
          abortIf: () => (proc.exitCode !== null ? `exited:\n${out}` : undefined),
        },
      );
      await waitFor(() => (lines().some((l) => l.msg === 'operator started') ? true : undefined), {
        what: 'cairn operator to start',
        timeoutMs: 30_000,
      });
      assert.equal((await probe(`http://${probes}/healthz`)).status, 200);
      const ready = await probe(`http://${probes}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(ready.body, /webhook configuration .* not found/);
      assert.match(
        (await probe(`http://${probes}/metrics`)).body,
        /cairn_webhook_certificate_expiry_timestamp_seconds \d+/,
      );
      proc.kill('SIGTERM');
      const exit = await waitFor(
        () => (proc.exitCode !== null || proc.signalCode !== null ? { code: proc.exitCode } : undefined),
        { what: 'cairn operator to exit after SIGTERM', timeoutMs: 20_000 },
      );
      assert.equal(exit.code, 0);
      // pino's own fields, then the fixed vocabulary of src/common/log.ts (typed there, so a new field must be
      // declared before any log line can carry it).
      const vocabulary = new Set<string>(['level', 'time', 'component', 'msg', ...LOG_FIELD_NAMES]);
      for (const l of lines()) for (const k of Object.keys(l)) assert.ok(vocabulary.has(k), `log field ${k}`);
      assert.ok(lines().some((l) => l.msg === 'operator stopped'));
      assert.doesNotMatch(out, /BEGIN (EC )?PRIVATE KEY/);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  },
);
