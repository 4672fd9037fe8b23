// Global setup of the integration suite: one dev cluster (with its pod runner) for every test file.
// Test files find it through the CAIRN_TEST_* environment variables set here (see cluster.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendFileSync } from 'node:fs';
import { startDevEnvironment, type DevEnvironment } from '../../src/devcluster/environment.ts';
import { processesUnder } from './processes.ts';

export const TEST_IMAGE = 'cairn.test/cairn';

let env: DevEnvironment | undefined;
let dir = '';

export async function globalSetup(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'cairn-test-'));
  const logFile = join(dir, 'harness.log');
  const started = Date.now();
  env = await startDevEnvironment({
    dir,
    images: [TEST_IMAGE],
    log: (m) => appendFileSync(logFile, `${new Date().toISOString()} ${m}\n`),
  });
  process.env.CAIRN_TEST_DIR = dir;
  process.env.CAIRN_TEST_KUBECONFIG = env.cluster.info.kubeconfig;
  process.env.CAIRN_TEST_IMAGE = TEST_IMAGE;
  process.stdout.write(`# dev cluster for the suite ready in ${Date.now() - started} ms (${dir})\n`);
}

export async function globalTeardown(): Promise<void> {
  if (!env) return;
  await env.stop();
  const left = processesUnder(dir);
  if (left.length > 0) {
    process.stderr.write(`# processes left running after the suite:\n${left.join('\n')}\n`);
    process.exitCode = 1;
  }
  if (process.exitCode || process.env.CAIRN_TEST_KEEP) {
    process.stdout.write(`# dev cluster state kept in ${dir}\n`);
  } else {
    rmSync(dir, { recursive: true, force: true });
  }
}
