// fake-gcs-server (GCS) for tests: on 127.0.0.1 with a free port and a filesystem backend in a fresh
// directory; the handle gives what both Cairn's storage backends and restic need to reach it.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryPaths, requireBinary } from '../../src/devcluster/toolchain.ts';
import type { BackendOptions } from '../../src/storage/backend.ts';
import type { StorageSpec } from '../../src/storage/types.ts';
import {
  emulator,
  generated,
  httpStatusIs,
  launch,
  portOf,
  runner,
  type CleanupOwner,
  type Emulator,
  type EmulatorOptions,
} from './emulator-launcher.ts';

export interface FakeGcsServer extends Emulator {
  /** `http://127.0.0.1:PORT`, the emulator's API endpoint. */
  readonly endpoint: string;
  readonly projectId: string;
  readonly secretData: Record<string, string>;
  /** STORAGE_EMULATOR_HOST, GOOGLE_ACCESS_TOKEN and GOOGLE_PROJECT_ID. */
  readonly resticEnv: Record<string, string>;
  /** `{ endpoints: { gcs } }`: the emulator endpoint is never part of a user's spec. */
  readonly backendOptions: BackendOptions;
  storageSpec(bucket: string, prefix?: string): StorageSpec;
  createBucket(name: string): Promise<void>;
}

/** Starts fake-gcs-server (built by setup) with a filesystem backend in a fresh directory. */
export async function startFakeGcs(owner?: CleanupOwner, o?: EmulatorOptions): Promise<FakeGcsServer> {
  const binary = requireBinary(binaryPaths().fakeGcsServer, 'fake-gcs-server');
  const projectId = 'cairn-test';
  const secretData = { GOOGLE_PROJECT_ID: projectId };
  return launch(
    ['fake-gcs-server'],
    (ports) => {
      const port = portOf(ports, 'fake-gcs-server');
      const dir = mkdtempSync(join(tmpdir(), 'cairn-fake-gcs-'));
      const data = join(dir, 'data');
      mkdirSync(data);
      const endpoint = `http://127.0.0.1:${port}`;
      const r = runner({
        name: 'fake-gcs-server',
        dir,
        port,
        command: binary,
        // -data only preloads objects; -filesystem-root is where the filesystem backend keeps them.
        args: [
          '-scheme',
          'http',
          '-host',
          '127.0.0.1',
          '-port',
          String(port),
          '-public-host',
          `127.0.0.1:${port}`,
          '-external-url',
          endpoint,
          '-backend',
          'filesystem',
          '-filesystem-root',
          data,
          '-log-level',
          'warn',
        ],
        env: process.env,
        ready: httpStatusIs(`${endpoint}/storage/v1/b`, (s) => s === 200),
      });
      const make = (): FakeGcsServer =>
        emulator<FakeGcsServer>(r, {
          endpoint,
          projectId,
          secretData,
          resticEnv: {
            STORAGE_EMULATOR_HOST: endpoint,
            GOOGLE_ACCESS_TOKEN: generated('token'),
            GOOGLE_PROJECT_ID: projectId,
          },
          backendOptions: { endpoints: { gcs: endpoint } },
          storageSpec: (bucket, prefix) => ({ provider: 'gcs', gcs: { bucket, prefix } }),
          async createBucket(name) {
            const res = await fetch(`${endpoint}/storage/v1/b?project=${projectId}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ name }),
            });
            if (!res.ok) throw new Error(`creating bucket ${name} on fake-gcs-server: HTTP ${res.status}`);
          },
        });
      return { r, make };
    },
    owner,
    o,
  );
}
