// The Azure storage backend against Azurite, started by this file: the behaviours every provider shares, and
// a wrong account key denied without showing its value. No dev cluster is needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createBackend } from '../../../src/storage/backend.ts';
import { startAzurite, type AzuriteServer } from '../../harness/objectstores.ts';
import { assertAccessDenied, close, open, PREFIX, ready, type Target } from './fixture.ts';
import { sharedBehaviours } from './shared-behaviours.ts';

describe('Azure backend (Azurite)', () => {
  let azurite: AzuriteServer | undefined;
  let t: Target | undefined;
  before(async () => {
    azurite = await startAzurite();
    process.stdout.write(`# azurite ready in ${azurite.startupMs} ms\n`);
    await azurite.createContainer('cairn-test');
    t = await open(
      azurite.storageSpec('cairn-test', PREFIX),
      azurite.storageSpec('never-created', PREFIX),
      azurite.secretData,
      azurite.backendOptions,
    );
  });
  after(async () => {
    await close(t);
    await azurite?.dispose();
  });

  sharedBehaviours(() => ready(t));

  test('a wrong account key is access-denied, and its value appears nowhere in the error', async () => {
    const { storage } = ready(t);
    assert.ok(azurite);
    const plantedKey = Buffer.from(`cairn-planted-azure-key-${randomBytes(12).toString('hex')}`).toString(
      'base64',
    );
    const backend = await createBackend(
      storage,
      { AZURE_ACCOUNT_NAME: azurite.accountName, AZURE_ACCOUNT_KEY: plantedKey },
      azurite.backendOptions,
    );
    try {
      await assertAccessDenied(backend, storage, [plantedKey]);
    } finally {
      await backend.close();
    }
  });
});
