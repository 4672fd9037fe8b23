import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULT_S3_ENDPOINT, resolveStorage } from '../../../src/storage/resolve.ts';
import { StorageConfigError } from '../../../src/storage/errors.ts';

describe('resolveStorage', () => {
  test('an S3 storage from the KubeStash guide resolves with its fields normalised', () => {
    assert.deepEqual(
      resolveStorage({
        provider: 's3',
        s3: {
          bucket: 'kubestash-qa/',
          region: 'us-east-2',
          endpoint: 'http://s3.us-east-2.amazonaws.com/',
          secretName: 'aws-s3-secret',
          prefix: 'nipun/',
        },
      }),
      {
        provider: 's3',
        endpoint: 'http://s3.us-east-2.amazonaws.com',
        bucket: 'kubestash-qa',
        prefix: 'nipun',
        region: 'us-east-2',
        secretName: 'aws-s3-secret',
        insecureTLS: false,
      },
    );
  });

  test('an S3 storage without an endpoint uses the AWS endpoint', () => {
    const storage = resolveStorage({ provider: 's3', s3: { bucket: 'b' } });
    assert.equal(storage.provider === 's3' && storage.endpoint, DEFAULT_S3_ENDPOINT);
  });

  test('an S3 endpoint may be a bare host with a port', () => {
    const storage = resolveStorage({ provider: 's3', s3: { bucket: 'b', endpoint: 'minio.local:9000' } });
    assert.equal(storage.provider === 's3' && storage.endpoint, 'minio.local:9000');
  });

  test('an S3 endpoint with credentials is refused without echoing them', () => {
    assert.throws(
      () =>
        resolveStorage({ provider: 's3', s3: { bucket: 'b', endpoint: 'https://AKIAX:hunter2@minio:9000' } }),
      (err: unknown) => {
        assert.ok(err instanceof StorageConfigError);
        assert.match(err.message, /must not contain credentials/);
        assert.doesNotMatch(err.message, /hunter2|AKIAX/);
        return true;
      },
    );
  });

  test('an S3 endpoint with a path, query or foreign scheme is refused', () => {
    for (const endpoint of ['https://minio:9000/bucket', 'https://minio?x=1', 'ftp://minio', 'minio host']) {
      assert.throws(
        () => resolveStorage({ provider: 's3', s3: { bucket: 'b', endpoint } }),
        StorageConfigError,
      );
    }
  });

  test('insecureTLS and maxConnections are carried over; a zero maxConnections means unset', () => {
    const storage = resolveStorage({
      provider: 's3',
      s3: { bucket: 'b', insecureTLS: true, maxConnections: 8 },
    });
    assert.equal(storage.provider === 's3' && storage.insecureTLS, true);
    assert.equal(storage.maxConnections, 8);
    assert.equal(
      resolveStorage({ provider: 'gcs', gcs: { bucket: 'b', maxConnections: 0 } }).maxConnections,
      undefined,
    );
  });

  test('a negative or fractional maxConnections is refused', () => {
    assert.throws(
      () => resolveStorage({ provider: 'gcs', gcs: { bucket: 'b', maxConnections: -1 } }),
      /positive/,
    );
    assert.throws(
      () => resolveStorage({ provider: 'gcs', gcs: { bucket: 'b', maxConnections: 1.5 } }),
      /positive/,
    );
  });

  test('a GCS storage resolves with bucket and prefix', () => {
    assert.deepEqual(
      resolveStorage({
        provider: 'gcs',
        gcs: { bucket: 'kubestash-qa', prefix: 'demo', secretName: 'gcs-secret' },
      }),
      { provider: 'gcs', bucket: 'kubestash-qa', prefix: 'demo', secretName: 'gcs-secret' },
    );
  });

  test('an Azure storage resolves with account, container and prefix', () => {
    assert.deepEqual(
      resolveStorage({
        provider: 'azure',
        azure: { storageAccount: 'nipunstorageaccount7620', container: 'container7620', prefix: 'nipun' },
      }),
      {
        provider: 'azure',
        storageAccount: 'nipunstorageaccount7620',
        container: 'container7620',
        prefix: 'nipun',
      },
    );
  });

  test('an Azure storage account with other characters than letters and digits is refused', () => {
    assert.throws(
      () => resolveStorage({ provider: 'azure', azure: { storageAccount: 'evil.example', container: 'c' } }),
      /only letters and digits/,
    );
  });

  test('a local storage resolves its mount path to an absolute, normalised path', () => {
    assert.deepEqual(
      resolveStorage({
        provider: 'local',
        local: { mountPath: '/safe/data/', hostPath: { path: '/x' }, subPath: 'a/' },
      }),
      { provider: 'local', mountPath: '/safe/data', subPath: 'a' },
    );
  });

  test('a relative or traversing local mount path is refused', () => {
    assert.throws(() => resolveStorage({ provider: 'local', local: { mountPath: 'data' } }), /absolute/);
    assert.throws(
      () => resolveStorage({ provider: 'local', local: { mountPath: '/a/../b' } }),
      StorageConfigError,
    );
    assert.throws(() => resolveStorage({ provider: 'local', local: {} }), /mountPath must be set/);
  });

  test('a missing or unknown provider is refused with the supported list', () => {
    assert.throws(() => resolveStorage({}), /provider must be set to one of s3, gcs, azure, local/);
    assert.throws(() => resolveStorage({ provider: 'b2' }), /"b2" is not supported/);
  });

  test('a provider without its block is refused', () => {
    assert.throws(
      () => resolveStorage({ provider: 'gcs', s3: { bucket: 'b' } }),
      /spec.storage.gcs must be set/,
    );
  });

  test('blocks of other providers are ignored', () => {
    assert.equal(
      resolveStorage({ provider: 'gcs', gcs: { bucket: 'g' }, s3: { bucket: 's' } }).provider,
      'gcs',
    );
  });

  test('a bucket or container that is empty or holds a slash, colon or whitespace is refused', () => {
    assert.throws(() => resolveStorage({ provider: 's3', s3: { bucket: '' } }), /bucket must be set/);
    assert.throws(() => resolveStorage({ provider: 'gcs', gcs: { bucket: 'a/b' } }), StorageConfigError);
    assert.throws(() => resolveStorage({ provider: 'gcs', gcs: { bucket: 'a:b' } }), /":"/);
    assert.throws(() => resolveStorage({ provider: 'azure', azure: { container: 'a b' } }), /whitespace/);
  });

  test('a prefix with traversal is refused', () => {
    assert.throws(
      () => resolveStorage({ provider: 'gcs', gcs: { bucket: 'b', prefix: '../x' } }),
      StorageConfigError,
    );
  });
});
