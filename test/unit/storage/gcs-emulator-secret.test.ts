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

test('the service-account key is validated but not handed to the SDK when an emulator is called', () => {
  const key = JSON.stringify({ type: 'service_account', project_id: 'from-key' });
  const options = gcsStorageOptions({ ...SECRET, GOOGLE_SERVICE_ACCOUNT_JSON_KEY: key }, {});
  assert.equal(options.credentials, undefined);
  assert.equal(options.projectId, 'p');
  assert.throws(
    () => gcsStorageOptions({ ...SECRET, GOOGLE_SERVICE_ACCOUNT_JSON_KEY: 'nope' }, {}),
    /not a JSON/,
  );
  assert.ok(gcsStorageOptions({ GOOGLE_SERVICE_ACCOUNT_JSON_KEY: key }, {}).credentials);
});
