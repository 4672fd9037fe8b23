import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Agent as HttpsAgent } from 'node:https';

import { StorageSharedKeyCredential } from '@azure/storage-blob';

import { createBackend } from '../../../src/storage/backend.ts';
import { azureClientSettings } from '../../../src/storage/backends/azure.ts';
import {
  checkDeletePrefix,
  checkKey,
  checkPrefix,
  contentTypeFor,
  directoryPrefix,
  forEachLimit,
} from '../../../src/storage/backends/common.ts';
import { gcsStorageOptions } from '../../../src/storage/backends/gcs.ts';
import { DEFAULT_S3_REGION, s3ClientConfig } from '../../../src/storage/backends/s3.ts';
import { StorageConfigError } from '../../../src/storage/errors.ts';
import type { AzureStorage, S3Storage } from '../../../src/storage/types.ts';

const s3 = (endpoint: string, extra: Partial<S3Storage> = {}): S3Storage => ({
  provider: 's3',
  endpoint,
  bucket: 'qa',
  prefix: 'demo',
  insecureTLS: false,
  ...extra,
});
const keys = { AWS_ACCESS_KEY_ID: 'id', AWS_SECRET_ACCESS_KEY: 'secret' };

function httpsAgentOf(config: ReturnType<typeof s3ClientConfig>): HttpsAgent {
  const handler = config.requestHandler as { httpsAgent: HttpsAgent };
  return handler.httpsAgent;
}

describe('S3 client settings', () => {
  test('a custom endpoint is used as given, with path-style addressing', () => {
    const config = s3ClientConfig(s3('http://127.0.0.1:9000'), keys, {});
    assert.equal(config.endpoint, 'http://127.0.0.1:9000');
    assert.equal(config.forcePathStyle, true);
  });

  test('an endpoint without a scheme means https', () => {
    assert.equal(
      s3ClientConfig(s3('minio.example.com:9000'), keys, {}).endpoint,
      'https://minio.example.com:9000',
    );
  });

  test("AWS's own endpoint is left to the SDK, which picks the regional virtual-hosted one", () => {
    const config = s3ClientConfig(s3('s3.amazonaws.com', { region: 'eu-west-1' }), keys, {});
    assert.equal(config.endpoint, undefined);
    assert.equal(config.forcePathStyle, undefined);
    assert.equal(config.region, 'eu-west-1');
  });

  test('the region defaults to us-east-1, or to the one named in an AWS endpoint', () => {
    assert.equal(s3ClientConfig(s3('http://127.0.0.1:9000'), keys, {}).region, DEFAULT_S3_REGION);
    assert.equal(s3ClientConfig(s3('s3.us-west-2.amazonaws.com'), keys, {}).region, 'us-west-2');
  });

  test('checksums are only computed and validated when an operation requires them (MinIO compatibility)', () => {
    const config = s3ClientConfig(s3('http://127.0.0.1:9000'), keys, {});
    assert.equal(config.requestChecksumCalculation, 'WHEN_REQUIRED');
    assert.equal(config.responseChecksumValidation, 'WHEN_REQUIRED');
  });

  test('the access keys and an optional session token come from the Secret', () => {
    const config = s3ClientConfig(s3('http://127.0.0.1:9000'), { ...keys, AWS_SESSION_TOKEN: 'tok' }, {});
    assert.deepEqual(config.credentials, {
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      sessionToken: 'tok',
    });
  });

  test('without keys the SDK default chain is used (IRSA, instance profile)', () => {
    assert.equal(s3ClientConfig(s3('s3.amazonaws.com'), {}, {}).credentials, undefined);
  });

  test('half a key pair is a configuration error naming the missing key', () => {
    assert.throws(
      () => s3ClientConfig(s3('s3.amazonaws.com'), { AWS_ACCESS_KEY_ID: 'id' }, {}),
      (err: unknown) => err instanceof StorageConfigError && /AWS_SECRET_ACCESS_KEY/.test(err.message),
    );
  });

  test('insecureTLS turns off certificate verification and CA_CERT_DATA becomes the trusted CA', () => {
    const insecure = httpsAgentOf(s3ClientConfig(s3('https://m:9000', { insecureTLS: true }), keys, {}));
    assert.equal(insecure.options.rejectUnauthorized, false);
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const withCa = httpsAgentOf(s3ClientConfig(s3('https://m:9000'), { ...keys, CA_CERT_DATA: pem }, {}));
    assert.equal(withCa.options.ca, pem);
    assert.equal(withCa.options.rejectUnauthorized, undefined);
  });

  test('maxConnections bounds the sockets; attempts and timeouts follow the options', () => {
    const config = s3ClientConfig(s3('https://m:9000', { maxConnections: 4 }), keys, {
      maxAttempts: 5,
      requestTimeoutMs: 1234,
    });
    assert.equal(httpsAgentOf(config).maxSockets, 4);
    assert.equal(config.maxAttempts, 5);
    const handler = config.requestHandler as { connectionTimeout: number; requestTimeout: number };
    assert.equal(handler.connectionTimeout, 1234);
    assert.equal(handler.requestTimeout, 1234);
  });
});

describe('GCS client settings', () => {
  const key = JSON.stringify({
    type: 'service_account',
    project_id: 'from-key',
    private_key: '-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----\n',
    client_email: 'sa@from-key.iam.gserviceaccount.com',
  });

  test('the service-account key is the credential and GOOGLE_PROJECT_ID the project', () => {
    const options = gcsStorageOptions(
      { GOOGLE_SERVICE_ACCOUNT_JSON_KEY: key, GOOGLE_PROJECT_ID: 'explicit' },
      {},
    );
    assert.equal(
      (options.credentials as { client_email?: string } | undefined)?.client_email,
      'sa@from-key.iam.gserviceaccount.com',
    );
    assert.equal(options.projectId, 'explicit');
    assert.equal(options.apiEndpoint, undefined);
  });

  test("without GOOGLE_PROJECT_ID the key's own project is used", () => {
    assert.equal(gcsStorageOptions({ GOOGLE_SERVICE_ACCOUNT_JSON_KEY: key }, {}).projectId, 'from-key');
  });

  test('a malformed key is a configuration error that does not quote it', () => {
    const bad = 'not-json-PRIVATE-material';
    assert.throws(
      () => gcsStorageOptions({ GOOGLE_SERVICE_ACCOUNT_JSON_KEY: bad }, {}),
      (err: unknown) => err instanceof StorageConfigError && !err.message.includes(bad),
    );
  });

  test('an emulator endpoint is called without credentials', () => {
    const options = gcsStorageOptions(
      { GOOGLE_PROJECT_ID: 'p' },
      { endpoints: { gcs: 'http://127.0.0.1:4443' } },
    );
    assert.equal(options.apiEndpoint, 'http://127.0.0.1:4443');
    assert.equal(options.useAuthWithCustomEndpoint, false);
  });

  test('attempts include the first: three attempts are two retries', () => {
    assert.equal(gcsStorageOptions({}, {}).retryOptions?.maxRetries, 2);
    assert.equal(gcsStorageOptions({}, { maxAttempts: 1 }).retryOptions?.maxRetries, 0);
  });
});

describe('Azure client settings', () => {
  const azure = (storageAccount: string): AzureStorage => ({
    provider: 'azure',
    storageAccount,
    container: 'c',
    prefix: '',
  });
  const accountKey = Buffer.from('not-a-real-account-key').toString('base64');

  test('the account in the spec wins over AZURE_ACCOUNT_NAME and names the service URL', () => {
    const settings = azureClientSettings(
      azure('specaccount'),
      { AZURE_ACCOUNT_NAME: 'secretaccount', AZURE_ACCOUNT_KEY: accountKey },
      {},
    );
    assert.equal(settings.account, 'specaccount');
    assert.equal(settings.url, 'https://specaccount.blob.core.windows.net');
    assert.ok(settings.credential instanceof StorageSharedKeyCredential);
    assert.equal(settings.credential.accountName, 'specaccount');
  });

  test('AZURE_ACCOUNT_NAME is the fallback when the spec has no account', () => {
    const settings = azureClientSettings(
      azure(''),
      { AZURE_ACCOUNT_NAME: 'fromsecret', AZURE_ACCOUNT_KEY: accountKey },
      {},
    );
    assert.equal(settings.account, 'fromsecret');
  });

  test('AZURE_ENDPOINT_SUFFIX selects a sovereign cloud', () => {
    const settings = azureClientSettings(
      azure('acct'),
      { AZURE_ACCOUNT_KEY: accountKey, AZURE_ENDPOINT_SUFFIX: 'core.chinacloudapi.cn' },
      {},
    );
    assert.equal(settings.url, 'https://acct.blob.core.chinacloudapi.cn');
  });

  test("an emulator endpoint replaces the service URL (Azurite's path style)", () => {
    const settings = azureClientSettings(
      azure('acct'),
      { AZURE_ACCOUNT_KEY: accountKey },
      { endpoints: { azure: 'http://127.0.0.1:10000/acct/' } },
    );
    assert.equal(settings.url, 'http://127.0.0.1:10000/acct');
  });

  test('a SAS token is appended to the service URL', () => {
    const settings = azureClientSettings(azure('acct'), { AZURE_ACCOUNT_SAS: '?sv=2024&sig=abc' }, {});
    assert.equal(settings.url, 'https://acct.blob.core.windows.net?sv=2024&sig=abc');
  });

  test('no account anywhere, or no key and no SAS, is a configuration error', () => {
    assert.throws(
      () => azureClientSettings(azure(''), { AZURE_ACCOUNT_KEY: accountKey }, {}),
      StorageConfigError,
    );
    assert.throws(() => azureClientSettings(azure('acct'), {}, {}), StorageConfigError);
  });
});

describe('keys and prefixes', () => {
  test('keys as paths.ts builds them are accepted unchanged', () => {
    assert.equal(checkKey('demo/repo/snapshots/s-1.yaml'), 'demo/repo/snapshots/s-1.yaml');
    assert.equal(checkPrefix(''), '');
    assert.equal(checkPrefix('demo/repo'), 'demo/repo');
  });

  test('keys that start or end with "/", climb out or are empty are refused', () => {
    for (const key of ['/demo/metadata.yaml', 'demo/', '', 'demo/../x', 'a//b', 'a\\b']) {
      assert.throws(() => checkKey(key), StorageConfigError, JSON.stringify(key));
    }
    assert.throws(() => checkPrefix('/demo'), StorageConfigError);
  });

  test('deleting needs a non-empty prefix', () => {
    assert.throws(() => checkDeletePrefix(''), StorageConfigError);
    assert.equal(checkDeletePrefix('demo/repo'), 'demo/repo');
  });

  test('a prefix is a directory: its service-side form ends with "/"', () => {
    assert.equal(directoryPrefix('demo/repo'), 'demo/repo/');
    assert.equal(directoryPrefix(''), '');
  });

  test('YAML files get application/x-yaml unless a content type is given', () => {
    assert.equal(contentTypeFor('demo/metadata.yaml', undefined), 'application/x-yaml');
    assert.equal(contentTypeFor('demo/blob', undefined), 'application/octet-stream');
    assert.equal(contentTypeFor('demo/metadata.yaml', 'text/plain'), 'text/plain');
  });
});

describe('bounded concurrency', () => {
  test('never runs more than the limit at once and visits every item', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (item) => {
      running++;
      peak = Math.max(peak, running);
      await Promise.resolve();
      seen.push(item);
      running--;
    });
    assert.equal(peak, 3);
    assert.deepEqual(
      seen.sort((a, b) => a - b),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });

  test('rejects with the first failure', async () => {
    await assert.rejects(
      forEachLimit([1, 2, 3], 2, (item) =>
        item === 2 ? Promise.reject(new Error('two')) : Promise.resolve(),
      ),
      /two/,
    );
  });
});

describe('the factory', () => {
  test('a local storage needs an absolute root', async () => {
    await assert.rejects(
      createBackend({ provider: 'local', mountPath: '/backup' }, {}, { localRoot: 'relative/dir' }),
      StorageConfigError,
    );
  });

  test('each provider gets its own adapter', async () => {
    const accountKey = Buffer.from('k').toString('base64');
    const backends = await Promise.all([
      createBackend({ provider: 'local', mountPath: '/backup' }),
      createBackend(s3('http://127.0.0.1:9'), keys),
      createBackend(
        { provider: 'gcs', bucket: 'b', prefix: '' },
        {},
        { endpoints: { gcs: 'http://127.0.0.1:9' } },
      ),
      createBackend(
        { provider: 'azure', storageAccount: 'a', container: 'c', prefix: '' },
        { AZURE_ACCOUNT_KEY: accountKey },
      ),
    ]);
    assert.deepEqual(
      backends.map((b) => b.provider),
      ['local', 's3', 'gcs', 'azure'],
    );
    assert.equal(backends[1]?.location, 'bucket "qa" at http://127.0.0.1:9');
    await Promise.all(backends.map((b) => b.close()));
  });
});
