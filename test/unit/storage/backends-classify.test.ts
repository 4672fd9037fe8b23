import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import { NoSuchBucket, NoSuchKey, S3ServiceException } from '@aws-sdk/client-s3';
import { RestError } from '@azure/storage-blob';
import { ApiError } from '@google-cloud/storage';

import {
  classifyError,
  classifyFacts,
  errorFacts,
  isStorageBackendError,
  StorageBackendError,
  StorageErrorKind,
  type ErrorContext,
  type StorageOperation,
} from '../../../src/storage/classify.ts';
import { createRedactor } from '../../../src/common/redact.ts';
import type { StorageProvider } from '../../../src/storage/types.ts';

const PLANTED_KEY_ID = 'CAIRNPLANTEDKEYID0042';
const PLANTED_SECRET = 'cairn-planted-secret-value-9f8e7d6c';

function ctx(
  provider: StorageProvider,
  operation: StorageOperation = 'get',
  extra: Partial<ErrorContext> = {},
): ErrorContext {
  return {
    provider,
    operation,
    key: 'demo/cluster-manifests/repository.yaml',
    location: 'bucket "qa"',
    redactor: createRedactor([PLANTED_KEY_ID, PLANTED_SECRET]),
    ...extra,
  };
}

function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
    message,
  });
}

function systemError(code: string, message = `connect ${code} 127.0.0.1:9000`): Error {
  return Object.assign(new Error(message), { code, syscall: 'connect' });
}

function gcsError(status: number, message: string, reason?: string): ApiError {
  return new ApiError({
    code: status,
    message,
    errors: reason ? [{ reason, message }] : [],
    response: undefined as never,
  });
}

function azureError(status: number, code: string | undefined, message = ''): RestError {
  const err = new RestError(message, { statusCode: status, ...(code ? { code } : {}) });
  return err;
}

function kindOf(err: unknown, context: ErrorContext): [StorageErrorKind, boolean] {
  const classified = classifyError(err, context);
  return [classified.kind, classified.retryable];
}

/** Every text an error can show: message, stack, inspection with causes, own properties as JSON. */
function everyText(err: unknown): string {
  const own = err instanceof Error ? Object.getOwnPropertyNames(err) : undefined;
  return [
    String(err),
    err instanceof Error ? err.stack : '',
    inspect(err, { depth: 10 }),
    JSON.stringify(err, own),
  ].join('\n');
}

describe('S3 errors', () => {
  test('NoSuchKey is not-found and terminal', () => {
    const err = new NoSuchKey({
      message: 'The specified key does not exist.',
      $metadata: { httpStatusCode: 404 },
    });
    assert.deepEqual(kindOf(err, ctx('s3')), [StorageErrorKind.notFound, false]);
  });

  test('NoSuchBucket is bucket-missing whatever the operation', () => {
    const err = new NoSuchBucket({
      message: 'The specified bucket does not exist',
      $metadata: { httpStatusCode: 404 },
    });
    for (const op of ['get', 'stat', 'put', 'list', 'delete'] as const) {
      assert.equal(classifyError(err, ctx('s3', op)).kind, StorageErrorKind.bucketMissing, op);
    }
  });

  test('a bare 404 from a HEAD is not-found for an object and bucket-missing for the bucket', () => {
    const err = s3Error('NotFound', 404, 'UnknownError');
    assert.equal(classifyError(err, ctx('s3', 'stat')).kind, StorageErrorKind.notFound);
    assert.equal(
      classifyError(err, ctx('s3', 'stat', { subject: 'bucket' })).kind,
      StorageErrorKind.bucketMissing,
    );
  });

  test('a bare 404 on a listing or an upload means the bucket is missing', () => {
    assert.equal(
      classifyError(s3Error('NotFound', 404), ctx('s3', 'list')).kind,
      StorageErrorKind.bucketMissing,
    );
    assert.equal(
      classifyError(s3Error('NotFound', 404), ctx('s3', 'put')).kind,
      StorageErrorKind.bucketMissing,
    );
  });

  test('signature mismatches, unknown key ids and plain 403s are access-denied and terminal', () => {
    for (const err of [
      s3Error('SignatureDoesNotMatch', 403),
      s3Error('InvalidAccessKeyId', 403),
      s3Error('AccessDenied', 403),
      s3Error('Unknown', 403, 'UnknownError'),
    ]) {
      assert.deepEqual(kindOf(err, ctx('s3')), [StorageErrorKind.accessDenied, false], err.name);
    }
  });

  test('throttling and server errors are retryable', () => {
    for (const err of [s3Error('SlowDown', 503), s3Error('InternalError', 500), s3Error('Whatever', 502)]) {
      assert.deepEqual(kindOf(err, ctx('s3')), [StorageErrorKind.other, true], err.name);
    }
  });

  test('an invalid bucket name is a terminal other', () => {
    assert.deepEqual(kindOf(s3Error('InvalidBucketName', 400), ctx('s3')), [StorageErrorKind.other, false]);
  });

  test('the message names the operation, key, location, code and status, and drops "UnknownError"', () => {
    const message = classifyError(s3Error('NotFound', 404, 'UnknownError'), ctx('s3', 'stat')).message;
    assert.equal(
      message,
      's3 stat "demo/cluster-manifests/repository.yaml" in bucket "qa": not found (NotFound, HTTP 404)',
    );
  });
});

describe('network errors', () => {
  test('a refused, reset or timed-out connection is unreachable and retryable', () => {
    for (const code of [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EHOSTUNREACH',
      'EAI_AGAIN',
      'ENOTFOUND',
    ]) {
      assert.deepEqual(kindOf(systemError(code), ctx('s3')), [StorageErrorKind.unreachable, true], code);
    }
  });

  test('a fetch failure is classified by the code of its cause', () => {
    const err = new TypeError('fetch failed', { cause: systemError('ECONNREFUSED') });
    assert.deepEqual(kindOf(err, ctx('gcs')), [StorageErrorKind.unreachable, true]);
  });

  test('an AggregateError of connection attempts is classified by its members', () => {
    const err = new AggregateError([systemError('ECONNREFUSED'), systemError('ECONNREFUSED')], '');
    assert.deepEqual(kindOf(err, ctx('s3')), [StorageErrorKind.unreachable, true]);
  });

  test('a TimeoutError without a response is unreachable', () => {
    const err = Object.assign(new Error('Connection timed out after 30000 ms'), { name: 'TimeoutError' });
    assert.deepEqual(kindOf(err, ctx('s3')), [StorageErrorKind.unreachable, true]);
  });

  test("Azure's failed send is unreachable", () => {
    const err = new RestError('connect ECONNREFUSED 127.0.0.1:10000', { code: 'REQUEST_SEND_ERROR' });
    assert.deepEqual(kindOf(err, ctx('azure')), [StorageErrorKind.unreachable, true]);
  });

  test('a TLS verification failure is terminal and points at CA_CERT_DATA and insecureTLS', () => {
    const classified = classifyError(
      systemError('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'),
      ctx('s3'),
    );
    assert.equal(classified.kind, StorageErrorKind.other);
    assert.equal(classified.retryable, false);
    assert.match(classified.message, /CA_CERT_DATA/);
    assert.match(classified.message, /insecureTLS/);
  });
});

describe('GCS errors', () => {
  test('a 404 about an object is not-found', () => {
    assert.equal(
      classifyError(gcsError(404, 'No such object: qa/x'), ctx('gcs')).kind,
      StorageErrorKind.notFound,
    );
  });

  test('a 404 whose text says the bucket does not exist is bucket-missing, even for a get', () => {
    const err = gcsError(404, 'The specified bucket does not exist.', 'notFound');
    assert.equal(classifyError(err, ctx('gcs', 'get')).kind, StorageErrorKind.bucketMissing);
  });

  test('401 and 403 are access-denied', () => {
    assert.equal(
      classifyError(gcsError(401, 'Unauthorized'), ctx('gcs')).kind,
      StorageErrorKind.accessDenied,
    );
    const forbidden = gcsError(403, 'sa@p.iam does not have storage.objects.get access', 'forbidden');
    assert.equal(classifyError(forbidden, ctx('gcs')).kind, StorageErrorKind.accessDenied);
  });

  test('rate limits are retryable', () => {
    assert.deepEqual(kindOf(gcsError(429, 'rate limit', 'rateLimitExceeded'), ctx('gcs')), [
      StorageErrorKind.other,
      true,
    ]);
  });
});

describe('Azure errors', () => {
  test('BlobNotFound is not-found and ContainerNotFound is bucket-missing', () => {
    assert.equal(
      classifyError(azureError(404, 'BlobNotFound'), ctx('azure')).kind,
      StorageErrorKind.notFound,
    );
    assert.equal(
      classifyError(azureError(404, 'ContainerNotFound'), ctx('azure')).kind,
      StorageErrorKind.bucketMissing,
    );
  });

  test('the error code of a HEAD response is read from details.errorCode', () => {
    const err = azureError(404, undefined);
    err.details = { errorCode: 'ContainerNotFound' };
    assert.equal(classifyError(err, ctx('azure', 'stat')).kind, StorageErrorKind.bucketMissing);
  });

  test('AuthorizationFailure and AuthenticationFailed are access-denied', () => {
    for (const code of ['AuthorizationFailure', 'AuthenticationFailed']) {
      assert.equal(
        classifyError(azureError(403, code), ctx('azure')).kind,
        StorageErrorKind.accessDenied,
        code,
      );
    }
  });

  test('ServerBusy is retryable', () => {
    assert.deepEqual(kindOf(azureError(503, 'ServerBusy'), ctx('azure')), [StorageErrorKind.other, true]);
  });
});

describe('local errors', () => {
  test('ENOENT is not-found for a file and bucket-missing for the mount directory', () => {
    assert.equal(classifyError(systemError('ENOENT'), ctx('local')).kind, StorageErrorKind.notFound);
    const missingRoot = classifyError(systemError('ENOENT'), ctx('local', 'stat', { subject: 'bucket' }));
    assert.equal(missingRoot.kind, StorageErrorKind.bucketMissing);
    assert.match(missingRoot.message, /is the volume mounted\?/);
  });

  test('EACCES, EPERM and EROFS are access-denied', () => {
    for (const code of ['EACCES', 'EPERM', 'EROFS']) {
      assert.equal(
        classifyError(systemError(code), ctx('local', 'put')).kind,
        StorageErrorKind.accessDenied,
        code,
      );
    }
  });
});

describe('classified errors', () => {
  test('carry provider, operation, key, status and code', () => {
    const classified = classifyError(
      s3Error('SlowDown', 503, 'Please reduce your request rate.'),
      ctx('s3', 'put'),
    );
    assert.ok(classified instanceof StorageBackendError);
    assert.equal(classified.name, 'StorageBackendError');
    assert.equal(classified.provider, 's3');
    assert.equal(classified.operation, 'put');
    assert.equal(classified.key, 'demo/cluster-manifests/repository.yaml');
    assert.equal(classified.status, 503);
    assert.equal(classified.code, 'SlowDown');
    assert.ok(isStorageBackendError(classified, StorageErrorKind.other));
    assert.ok(!isStorageBackendError(classified, StorageErrorKind.notFound));
  });

  test('pass through a second classification unchanged', () => {
    const once = classifyError(systemError('ECONNREFUSED'), ctx('s3'));
    assert.equal(classifyError(once, ctx('gcs', 'list')), once);
  });

  test('anything unrecognised is a terminal other that keeps its text', () => {
    const classified = classifyError(new Error('something odd'), ctx('s3'));
    assert.deepEqual([classified.kind, classified.retryable], [StorageErrorKind.other, false]);
    assert.match(classified.message, /: failed: something odd$/);
  });

  test('non-Error throwables are classified too', () => {
    assert.equal(classifyError('boom', ctx('s3')).kind, StorageErrorKind.other);
    assert.equal(classifyError(undefined, ctx('s3')).kind, StorageErrorKind.other);
    assert.equal(classifyError({ code: 'ECONNRESET' }, ctx('s3')).kind, StorageErrorKind.unreachable);
  });
});

describe('credentials never appear in a classified error', () => {
  test('a key id and secret echoed in the message, a property and the cause chain are redacted', () => {
    const inner = Object.assign(new Error(`signing with ${PLANTED_SECRET} failed`), { code: 'ECONNRESET' });
    const err = new S3ServiceException({
      name: 'SignatureDoesNotMatch',
      $fault: 'client',
      $metadata: { httpStatusCode: 403 },
      message: `The request signature we calculated does not match; AWSAccessKeyId ${PLANTED_KEY_ID}`,
    });
    Object.assign(err, {
      AWSAccessKeyId: PLANTED_KEY_ID,
      StringToSign: `AWS4 ${PLANTED_SECRET}`,
      cause: inner,
    });
    const classified = classifyError(err, ctx('s3'));
    assert.equal(classified.kind, StorageErrorKind.accessDenied);
    const text = everyText(classified);
    assert.ok(text.includes('SignatureDoesNotMatch'), 'the code stays');
    for (const planted of [PLANTED_KEY_ID, PLANTED_SECRET, Buffer.from(PLANTED_SECRET).toString('base64')]) {
      assert.ok(!text.includes(planted), `${planted} leaked`);
    }
  });

  test('a SAS signature in a URL is redacted even without the Secret', () => {
    const err = azureError(
      403,
      'AuthenticationFailed',
      'GET https://a.blob.core.windows.net/c/k?sv=2024&sig=c2VjcmV0c2ln',
    );
    const classified = classifyError(err, { ...ctx('azure'), redactor: createRedactor([]) });
    assert.ok(!everyText(classified).includes('c2VjcmV0c2ln'));
  });
});

describe('error facts', () => {
  test('collect the status from SDK metadata, statusCode or a numeric code', () => {
    assert.equal(errorFacts(s3Error('SlowDown', 503)).status, 503);
    assert.equal(errorFacts(azureError(409, 'BlobAlreadyExists')).status, 409);
    assert.equal(errorFacts(gcsError(412, 'Precondition Failed')).status, 412);
    assert.equal(errorFacts(systemError('ECONNREFUSED')).status, undefined);
  });

  test('a cycle in the cause chain does not loop', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b, code: 'ECONNRESET' });
    assert.deepEqual(errorFacts(b).codes, ['ECONNRESET']);
  });

  test('decide access before not-found when both are present', () => {
    assert.equal(
      classifyFacts({ status: 404, codes: ['AccessDenied'], timedOut: false, message: '' }).kind,
      StorageErrorKind.accessDenied,
    );
  });
});
