import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildRepositoryTarget } from '../../../src/restic/target.ts';
import { gcsStorageOptions } from '../../../src/storage/backends/gcs.ts';

const SECRET = {
  GOOGLE_PROJECT_ID: 'p',
  GOOGLE_ACCESS_TOKEN: 'token-for-the-emulator',
  STORAGE_EMULATOR_HOST: 'http://127.0.0.1:4443',
};

test('STORAGE_EMULATOR_HOST in a GCS storage Secret points the storage at the emulator, called without credentials', () => {
  const options = gcsStorageOptions(SECRET, {});
  assert.equal(options.apiEndpoint, 'http://127.0.0.1:4443');
  assert.equal(options.useAuthWithCustomEndpoint, false);
  assert.equal(gcsStorageOptions({ GOOGLE_PROJECT_ID: 'p' }, {}).apiEndpoint, undefined);
});

test('an emulator endpoint the caller passes wins over the Secret’s', () => {
  const options = gcsStorageOptions(SECRET, { endpoints: { gcs: 'http://127.0.0.1:9999' } });
  assert.equal(options.apiEndpoint, 'http://127.0.0.1:9999');
});

test('STORAGE_EMULATOR_HOST in a GCS storage Secret reaches restic’s environment, and is not taken for a secret value', () => {
  const target = buildRepositoryTarget({
    storage: { provider: 'gcs', gcs: { bucket: 'b', prefix: 'demo', secretName: 'gcs-secret' } },
    storageSecret: SECRET,
    encryptionSecret: { RESTIC_PASSWORD: 'pw-gcs-1234' },
    repositoryPath: 'r',
    componentPath: 'repository/v1/frequent-backup/manifest',
    secretsDir: '/run/x',
  });
  assert.equal(target.repository, 'gs:b:/demo/r/repository/v1/frequent-backup/manifest');
  assert.equal(target.env.STORAGE_EMULATOR_HOST, 'http://127.0.0.1:4443');
  assert.equal(target.env.GOOGLE_ACCESS_TOKEN, 'token-for-the-emulator');
  assert.ok(!target.secrets.includes('http://127.0.0.1:4443'));
});
