// The emulator harness itself: the connection info it returns works for restic as well as for Cairn's
// backends, and an emulator tied to a test context is gone after that test. No dev cluster is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import { probe } from '../../src/devcluster/probe.ts';
import { createBackend, listAll, type BackendOptions } from '../../src/storage/backend.ts';
import { componentPath, componentRepositoryKey } from '../../src/storage/paths.ts';
import { resolveStorage } from '../../src/storage/resolve.ts';
import type { StorageSpec } from '../../src/storage/types.ts';
import { startFakeGcs, startMinio } from '../harness/objectstores.ts';

const run = promisify(execFile);
const REPO = 'cluster-manifests';
const COMPONENT = componentPath('frequent-backup', 'manifest');

/** Runs restic with only the given environment (plus a private HOME and cache), as a backup Job would. */
async function restic(args: string[], env: Record<string, string>): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), 'cairn-restic-home-'));
  try {
    const { stdout } = await run(requireBinary(binaryPaths().restic, 'restic'), [...args, '--no-cache'], {
      env: { ...env, HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      timeout: 60_000,
    });
    return stdout;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** restic initialises a repository at the component key, and the SDK backend sees restic's files there. */
async function resticAndBackendAgree(
  spec: StorageSpec,
  repository: (dirKey: string) => string,
  resticEnv: Record<string, string>,
  secret: Record<string, string>,
  options: BackendOptions,
): Promise<void> {
  const storage = resolveStorage(spec);
  const dirKey = componentRepositoryKey(storage, REPO, COMPONENT);
  const env = { ...resticEnv, RESTIC_PASSWORD: 'not-a-real-password' };
  const init = await restic(['init', '--json', '--repo', repository(dirKey)], env);
  assert.match(init, /"message_type":"initialized"/);
  assert.equal((await restic(['snapshots', '--json', '--repo', repository(dirKey)], env)).trim(), '[]');

  const backend = await createBackend(storage, secret, options);
  try {
    assert.ok(await backend.stat(`${dirKey}/config`), 'restic config at the component key');
    const keys = await listAll(backend, dirKey);
    assert.ok(
      keys.some((key) => key.startsWith(`${dirKey}/keys/`)),
      keys.join('\n'),
    );
  } finally {
    await backend.close();
  }
}

test('restic and the S3 backend work on MinIO with the connection info the harness returns', async (t) => {
  const minio = await startMinio(t);
  t.diagnostic(`minio ready in ${minio.startupMs} ms`);
  await minio.createBucket('restic');
  const spec = minio.storageSpec('restic', 'demo');
  await resticAndBackendAgree(
    spec,
    (dirKey) => `s3:${minio.endpoint}/restic/${dirKey}`,
    minio.resticEnv,
    minio.secretData,
    minio.backendOptions,
  );
});

test('restic and the GCS backend work on fake-gcs-server with the connection info the harness returns', async (t) => {
  const gcs = await startFakeGcs(t);
  t.diagnostic(`fake-gcs-server ready in ${gcs.startupMs} ms`);
  await gcs.createBucket('restic');
  const spec = gcs.storageSpec('restic', 'demo');
  await resticAndBackendAgree(
    spec,
    (dirKey) => `gs:restic:/${dirKey}`,
    gcs.resticEnv,
    gcs.secretData,
    gcs.backendOptions,
  );
});

test('an emulator started with a test context is stopped and its directory removed after that test', async (t) => {
  let dir = '';
  let url = '';
  await t.test('uses the emulator', async (inner) => {
    const gcs = await startFakeGcs(inner);
    dir = gcs.dir;
    url = `${gcs.endpoint}/storage/v1/b`;
    assert.equal((await probe(url)).status, 200);
  });
  assert.ok(dir !== '' && !existsSync(dir), 'the data directory is removed');
  assert.equal((await probe(url, { timeoutMs: 1_000 })).status, 0, 'nothing answers on its port any more');
});
