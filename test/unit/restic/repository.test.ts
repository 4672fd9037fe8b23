import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  buildRepositoryTarget,
  targetOptionArgs,
  type RepositoryTargetInput,
} from '../../../src/restic/target.ts';
import { ResticUsageError } from '../../../src/restic/errors.ts';
import { StorageConfigError } from '../../../src/storage/errors.ts';

const COMPONENT = 'repository/v1/frequent-backup/manifest';
const DIR = '/tmp/cairn-secrets';
const encryptionSecret = { RESTIC_PASSWORD: 'correct horse battery staple' };

function input(overrides: Partial<RepositoryTargetInput>): RepositoryTargetInput {
  return {
    storage: { provider: 'local', local: { mountPath: '/safe/data' } },
    encryptionSecret,
    repositoryPath: '/cluster-manifests',
    componentPath: COMPONENT,
    secretsDir: DIR,
    ...overrides,
  };
}

describe('s3 targets', () => {
  const storage = {
    provider: 's3',
    s3: { endpoint: 'http://minio.local:9000', bucket: 'backups', prefix: 'demo', region: 'us-east-1' },
  };
  const storageSecret = { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG' };

  test('the URL is s3:<endpoint>/<bucket>/<prefix>/<repo path>/<component path>', () => {
    const target = buildRepositoryTarget(input({ storage, storageSecret }));
    assert.equal(
      target.repository,
      's3:http://minio.local:9000/backups/demo/cluster-manifests/repository/v1/frequent-backup/manifest',
    );
  });

  test('credentials, password and region travel in the environment', () => {
    const target = buildRepositoryTarget(input({ storage, storageSecret }));
    assert.deepEqual(target.env, {
      RESTIC_PASSWORD: 'correct horse battery staple',
      AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      AWS_DEFAULT_REGION: 'us-east-1',
    });
    assert.deepEqual(target.files, []);
  });

  test('an empty prefix puts the repository path right after the bucket', () => {
    const target = buildRepositoryTarget(
      input({ storage: { provider: 's3', s3: { endpoint: 'minio:9000', bucket: 'b' } }, storageSecret }),
    );
    assert.equal(target.repository, `s3:minio:9000/b/cluster-manifests/${COMPONENT}`);
  });

  test('no access keys means the pod identity is used and no AWS key variables are set', () => {
    const target = buildRepositoryTarget(input({ storage }));
    assert.equal(target.env.AWS_ACCESS_KEY_ID, undefined);
    assert.equal(target.env.AWS_SECRET_ACCESS_KEY, undefined);
  });

  test('only one of the two access keys is refused with the name of the missing one', () => {
    assert.throws(
      () => buildRepositoryTarget(input({ storage, storageSecret: { AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE' } })),
      /not AWS_SECRET_ACCESS_KEY/,
    );
  });

  test('a session token is passed on next to the keys', () => {
    const target = buildRepositoryTarget(
      input({ storage, storageSecret: { ...storageSecret, AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEJr' } }),
    );
    assert.equal(target.env.AWS_SESSION_TOKEN, 'FwoGZXIvYXdzEJr');
    assert.ok(target.secrets.includes('FwoGZXIvYXdzEJr'));
  });

  test('maxConnections becomes -o s3.connections and insecureTLS becomes --insecure-tls', () => {
    const target = buildRepositoryTarget(
      input({ storage: { provider: 's3', s3: { bucket: 'b', maxConnections: 12, insecureTLS: true } } }),
    );
    assert.deepEqual(targetOptionArgs(target), ['-o', 's3.connections=12', '--insecure-tls']);
  });

  test('path-style addressing is requested with -o s3.bucket-lookup=path', () => {
    const target = buildRepositoryTarget(input({ storage, s3BucketLookup: 'path' }));
    assert.deepEqual(targetOptionArgs(target), ['-o', 's3.bucket-lookup=path']);
    assert.deepEqual(targetOptionArgs(buildRepositoryTarget(input({ storage, s3BucketLookup: 'auto' }))), []);
  });

  test('CA_CERT_DATA becomes a private file passed with --cacert', () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const target = buildRepositoryTarget(
      input({ storage, storageSecret: { ...storageSecret, CA_CERT_DATA: pem } }),
    );
    assert.deepEqual(target.files, [{ path: `${DIR}/ca-cert.pem`, contents: pem, mode: 0o600 }]);
    assert.deepEqual(targetOptionArgs(target), ['--cacert', `${DIR}/ca-cert.pem`]);
  });
});

describe('gcs targets', () => {
  const storage = { provider: 'gcs', gcs: { bucket: 'kubestash-qa', prefix: 'demo', maxConnections: 4 } };
  const key = '{"type":"service_account","private_key":"-----BEGIN PRIVATE KEY-----\\nabc\\n"}';

  test('the URL is gs:<bucket>:/<prefix>/<repo path>/<component path>', () => {
    const target = buildRepositoryTarget(input({ storage }));
    assert.equal(target.repository, `gs:kubestash-qa:/demo/cluster-manifests/${COMPONENT}`);
  });

  test('the service account key is returned as a file and named by GOOGLE_APPLICATION_CREDENTIALS', () => {
    const target = buildRepositoryTarget(
      input({
        storage,
        storageSecret: { GOOGLE_PROJECT_ID: 'my-project', GOOGLE_SERVICE_ACCOUNT_JSON_KEY: key },
      }),
    );
    assert.deepEqual(target.files, [{ path: `${DIR}/gcs-service-account.json`, contents: key, mode: 0o600 }]);
    assert.equal(target.env.GOOGLE_APPLICATION_CREDENTIALS, `${DIR}/gcs-service-account.json`);
    assert.equal(target.env.GOOGLE_PROJECT_ID, 'my-project');
    assert.ok(target.secrets.includes(key));
  });

  test('maxConnections becomes -o gs.connections', () => {
    assert.deepEqual(targetOptionArgs(buildRepositoryTarget(input({ storage }))), ['-o', 'gs.connections=4']);
  });

  test('without a key no credentials file is written (workload identity)', () => {
    const target = buildRepositoryTarget(input({ storage }));
    assert.deepEqual(target.files, []);
    assert.equal(target.env.GOOGLE_APPLICATION_CREDENTIALS, undefined);
  });
});

describe('azure targets', () => {
  const storage = {
    provider: 'azure',
    azure: { storageAccount: 'acct7620', container: 'container7620', prefix: 'nipun', maxConnections: 3 },
  };

  test('the URL is azure:<container>:/<prefix>/<repo path>/<component path>', () => {
    const target = buildRepositoryTarget(input({ storage }));
    assert.equal(target.repository, `azure:container7620:/nipun/cluster-manifests/${COMPONENT}`);
  });

  test('the account name comes from the spec and the key from the Secret', () => {
    const target = buildRepositoryTarget(
      input({ storage, storageSecret: { AZURE_ACCOUNT_KEY: 'a2V5a2V5a2V5', AZURE_ACCOUNT_NAME: 'other' } }),
    );
    assert.equal(target.env.AZURE_ACCOUNT_NAME, 'acct7620');
    assert.equal(target.env.AZURE_ACCOUNT_KEY, 'a2V5a2V5a2V5');
  });

  test('the account name falls back to the Secret when the spec leaves it empty', () => {
    const target = buildRepositoryTarget(
      input({
        storage: { provider: 'azure', azure: { container: 'c' } },
        storageSecret: { AZURE_ACCOUNT_NAME: 'x1' },
      }),
    );
    assert.equal(target.env.AZURE_ACCOUNT_NAME, 'x1');
  });

  test('no account name anywhere is refused', () => {
    assert.throws(
      () => buildRepositoryTarget(input({ storage: { provider: 'azure', azure: { container: 'c' } } })),
      /storageAccount is empty/,
    );
  });

  test('an endpoint suffix and a SAS token from the Secret are passed on', () => {
    const target = buildRepositoryTarget(
      input({
        storage,
        storageSecret: {
          AZURE_ENDPOINT_SUFFIX: 'core.chinacloudapi.cn',
          AZURE_ACCOUNT_SAS: 'sv=2022&sig=abc',
        },
      }),
    );
    assert.equal(target.env.AZURE_ENDPOINT_SUFFIX, 'core.chinacloudapi.cn');
    assert.equal(target.env.AZURE_ACCOUNT_SAS, 'sv=2022&sig=abc');
  });

  test('maxConnections becomes -o azure.connections', () => {
    assert.deepEqual(targetOptionArgs(buildRepositoryTarget(input({ storage }))), [
      '-o',
      'azure.connections=3',
    ]);
  });
});

describe('local targets', () => {
  test('the URL is the path under the mount path', () => {
    const target = buildRepositoryTarget(input({}));
    assert.equal(target.repository, `/safe/data/cluster-manifests/${COMPONENT}`);
    assert.deepEqual(target.env, { RESTIC_PASSWORD: 'correct horse battery staple' });
  });

  test('maxConnections becomes -o local.connections and CA data is ignored', () => {
    const target = buildRepositoryTarget(
      input({
        storage: { provider: 'local', local: { mountPath: '/safe/data', maxConnections: 2 } },
        storageSecret: { CA_CERT_DATA: 'pem' },
      }),
    );
    assert.deepEqual(targetOptionArgs(target), ['-o', 'local.connections=2']);
    assert.deepEqual(target.files, []);
  });
});

describe('passwords and inputs', () => {
  test('a missing RESTIC_PASSWORD is refused', () => {
    assert.throws(() => buildRepositoryTarget(input({ encryptionSecret: {} })), ResticUsageError);
    assert.throws(
      () => buildRepositoryTarget(input({ encryptionSecret: { RESTIC_PASSWORD: '' } })),
      /RESTIC_PASSWORD/,
    );
  });

  test('the storage Secret wins over the encryption Secret on a shared key, as in KubeStash', () => {
    const target = buildRepositoryTarget(input({ storageSecret: { RESTIC_PASSWORD: 'from-storage' } }));
    assert.equal(target.env.RESTIC_PASSWORD, 'from-storage');
    assert.ok(
      target.secrets.includes('correct horse battery staple'),
      'the shadowed password is still redacted',
    );
  });

  test('a password is used verbatim, trailing newline included', () => {
    const target = buildRepositoryTarget(input({ encryptionSecret: { RESTIC_PASSWORD: 'pw\n' } }));
    assert.equal(target.env.RESTIC_PASSWORD, 'pw\n');
  });

  test('a relative secrets directory is refused', () => {
    assert.throws(() => buildRepositoryTarget(input({ secretsDir: 'tmp/x' })), /absolute/);
  });

  test('a component path outside the layout is refused before anything is built', () => {
    assert.throws(() => buildRepositoryTarget(input({ componentPath: '../../other' })), StorageConfigError);
    assert.throws(() => buildRepositoryTarget(input({ componentPath: 'snapshots' })), StorageConfigError);
  });

  test('non-credential values are not listed as secrets', () => {
    const target = buildRepositoryTarget(
      input({
        storage: { provider: 'gcs', gcs: { bucket: 'b' } },
        storageSecret: { GOOGLE_PROJECT_ID: 'my-project', CA_CERT_DATA: 'pem-data' },
      }),
    );
    assert.deepEqual(target.secrets, ['correct horse battery staple']);
  });
});
