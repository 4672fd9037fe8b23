// Azurite (Azure Blob) for tests: the blob service from the npm devDependency, on 127.0.0.1 with a free port,
// a fresh directory and one generated storage account.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import type { BackendOptions } from '../../src/storage/backend.ts';
import type { StorageSpec } from '../../src/storage/types.ts';
import {
  emulator,
  httpStatusIs,
  launch,
  portOf,
  runner,
  type CleanupOwner,
  type Emulator,
  type EmulatorOptions,
} from './emulator-launcher.ts';

export interface AzuriteServer extends Emulator {
  /** The generated storage account (Azurite serves only this one). */
  readonly accountName: string;
  readonly accountKey: string;
  /** Azurite's path-style account URL, `http://127.0.0.1:PORT/<account>`. */
  readonly accountUrl: string;
  readonly secretData: Record<string, string>;
  /** `{ endpoints: { azure: accountUrl } }`. */
  readonly backendOptions: BackendOptions;
  storageSpec(container: string, prefix?: string): StorageSpec;
  createContainer(name: string): Promise<void>;
}

/** Starts Azurite's blob service (npm devDependency) serving one generated account. */
export async function startAzurite(owner?: CleanupOwner, o?: EmulatorOptions): Promise<AzuriteServer> {
  const require = createRequire(import.meta.url);
  const script = join(require.resolve('azurite/package.json'), '..', 'dist', 'src', 'blob', 'main.js');
  const accountName = `cairntest${randomBytes(4).toString('hex')}`;
  const accountKey = randomBytes(32).toString('base64');
  const secretData = { AZURE_ACCOUNT_NAME: accountName, AZURE_ACCOUNT_KEY: accountKey };
  return launch(
    ['azurite'],
    (ports) => {
      const port = portOf(ports, 'azurite');
      const dir = mkdtempSync(join(tmpdir(), 'cairn-azurite-'));
      const data = join(dir, 'data');
      mkdirSync(data);
      const accountUrl = `http://127.0.0.1:${port}/${accountName}`;
      const r = runner({
        name: 'azurite',
        dir,
        port,
        command: process.execPath,
        args: [
          script,
          '--blobHost',
          '127.0.0.1',
          '--blobPort',
          String(port),
          '--location',
          data,
          '--skipApiVersionCheck',
          '--loose',
          '--silent',
          '--disableTelemetry',
        ],
        // A custom account replaces Azurite's well-known development account.
        env: { ...process.env, AZURITE_ACCOUNTS: `${accountName}:${accountKey}` },
        // Any HTTP answer means it listens; an unauthenticated request gets 4xx.
        ready: httpStatusIs(`${accountUrl}?comp=list`, () => true),
      });
      const make = (): AzuriteServer =>
        emulator<AzuriteServer>(r, {
          accountName,
          accountKey,
          accountUrl,
          secretData,
          backendOptions: { endpoints: { azure: accountUrl } },
          storageSpec: (container, prefix) => ({
            provider: 'azure',
            azure: { storageAccount: accountName, container, prefix },
          }),
          async createContainer(name) {
            const client = new BlobServiceClient(
              accountUrl,
              new StorageSharedKeyCredential(accountName, accountKey),
            );
            await client.getContainerClient(name).create();
          },
        });
      return { r, make };
    },
    owner,
    o,
  );
}
