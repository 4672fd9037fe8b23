// A local BackupStorage's volume is mounted in the backup pods, not on the machine the CLI runs on: the
// download is refused, naming the storage, its volume and the fix (--local-root), before restic runs; and
// --local-root is refused for an object store or a directory that does not exist.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceType } from '../../../../src/api/resource-type.ts';
import { fetchSnapshot } from '../../../../src/cli/snapshot/fetch.ts';
import { CliInputError } from '../../../../src/cli/snapshot/flags.ts';
import type { KubeClient } from '../../../../src/kube/types.ts';
import { SecretBook } from '../../../../src/repository/secret-book.ts';

const SNAPSHOT = {
  metadata: { name: 'snap', namespace: 'demo' },
  spec: { repository: 'repo' },
  status: {
    phase: 'Succeeded',
    components: {
      manifest: { path: 'repository/v1/daily/manifest', resticStats: [{ summary: { id: 'a'.repeat(64) } }] },
    },
  },
};

/** A client that serves the Snapshot, its Repository and a BackupStorage of `storage`, and nothing else. */
function client(storage: Record<string, unknown>): KubeClient {
  const objects: Record<string, unknown> = {
    snapshots: SNAPSHOT,
    repositories: {
      metadata: { name: 'repo', namespace: 'demo' },
      spec: {
        storageRef: { name: 'store', namespace: 'demo' },
        path: 'p',
        encryptionSecret: { name: 'enc' },
      },
    },
    backupstorages: { metadata: { name: 'store', namespace: 'demo' }, spec: { storage } },
  };
  const read = (r: ResourceType): Promise<unknown> => {
    const o = objects[r.plural];
    return o
      ? Promise.resolve(structuredClone(o))
      : Promise.reject(new Error(`unexpected read of ${r.plural}`));
  };
  return { namespace: 'demo', find: read, get: read } as unknown as KubeClient;
}

const fetch = (storage: Record<string, unknown>, localRoot?: string) =>
  fetchSnapshot({
    client: client(storage),
    snapshot: 'snap',
    target: join(tmpdir(), 'never-written'),
    restic: process.execPath, // an executable; never run, the refusals come first
    ...(localRoot !== undefined ? { localRoot } : {}),
    book: new SecretBook(),
    progress: { update: () => undefined, finish: () => undefined },
    signal: new AbortController().signal,
  });

describe('downloading from a local BackupStorage', () => {
  test('without --local-root it is refused, naming the storage, its hostPath and the flag', async () => {
    await assert.rejects(
      fetch({ provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/srv/backups' } } }),
      (err: unknown) =>
        err instanceof CliInputError &&
        err.message.startsWith(
          'BackupStorage demo/store is a local volume mounted at /safe/data inside the backup pods',
        ) &&
        err.message.includes('the hostPath /srv/backups on its node') &&
        err.message.includes('pass --local-root DIR'),
    );
  });

  test('an NFS volume is named by its export', async () => {
    await assert.rejects(
      fetch({
        provider: 'local',
        local: { mountPath: '/m', nfs: { server: 'nfs.example', path: '/exports/b' } },
      }),
      (err: unknown) =>
        err instanceof CliInputError && err.message.includes('the NFS export nfs.example:/exports/b'),
    );
  });

  test('--local-root must be a directory', async () => {
    const missing = join(tmpdir(), 'cairn-no-such-dir-for-local-root');
    await assert.rejects(
      fetch({ provider: 'local', local: { mountPath: '/m', hostPath: { path: '/h' } } }, missing),
      (err: unknown) =>
        err instanceof CliInputError && err.message === `--local-root ${missing} is not a directory`,
    );
  });

  test('--local-root is refused for an object store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-local-root-'));
    try {
      await assert.rejects(
        fetch({ provider: 's3', s3: { endpoint: 'http://x', bucket: 'b', secretName: 's' } }, dir),
        (err: unknown) =>
          err instanceof CliInputError &&
          /--local-root applies to local BackupStorages only; demo\/store is s3/.test(err.message),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
