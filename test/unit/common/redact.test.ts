import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { REDACTED, createRedactor } from '../../../src/common/redact.ts';

const PASSWORD = 'p@ss w/rd+"quoted"';
const KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCY';

describe('redact', () => {
  const redactor = createRedactor([PASSWORD, KEY, undefined, null, '']);

  test('a secret is removed wherever it occurs, every time', () => {
    assert.equal(redactor.redact(`key=${KEY}; again ${KEY}.`), `key=${REDACTED}; again ${REDACTED}.`);
  });

  test('base64 forms of a secret are removed', () => {
    const b64 = Buffer.from(PASSWORD).toString('base64');
    assert.equal(redactor.redact(`data: ${b64}`), `data: ${REDACTED}`);
    assert.equal(redactor.redact(`u=${Buffer.from(KEY).toString('base64url')}`), `u=${REDACTED}`);
    assert.equal(
      redactor.redact(`np=${Buffer.from(KEY).toString('base64').replace(/=+$/, '')}`),
      `np=${REDACTED}`,
    );
  });

  test('URL-encoded forms of a secret are removed, in either hex case and with + for spaces', () => {
    const encoded = encodeURIComponent(PASSWORD);
    assert.equal(redactor.redact(`?p=${encoded}`), `?p=${REDACTED}`);
    const lowerHex = encoded.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    assert.notEqual(lowerHex, encoded);
    assert.equal(redactor.redact(`?p=${lowerHex}`), `?p=${REDACTED}`);
    assert.equal(redactor.redact(`?p=${encoded.replaceAll('%20', '+')}`), `?p=${REDACTED}`);
  });

  test('the JSON-escaped form of a secret is removed', () => {
    assert.equal(redactor.redact(JSON.stringify({ password: PASSWORD })), `{"password":"${REDACTED}"}`);
  });

  test('URL user info is removed even when no secret matches it', () => {
    assert.equal(
      redactor.redact('dial https://admin:letmein@minio.local:9000/bucket failed'),
      `dial https://${REDACTED}@minio.local:9000/bucket failed`,
    );
    assert.equal(redactor.redact('s3://token@host/x'), `s3://${REDACTED}@host/x`);
  });

  test('Basic and Bearer credentials are removed', () => {
    assert.equal(
      redactor.redact('Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.abc'),
      `Authorization: Bearer ${REDACTED}`,
    );
    assert.equal(redactor.redact('Basic YWRtaW46bGV0bWVpbg=='), `Basic ${REDACTED}`);
  });

  test('signatures and tokens in signed URLs are removed', () => {
    assert.equal(
      redactor.redact('GET https://a.blob.core.windows.net/c?sv=2022-11-02&sig=AbCd%2Bef&se=2026'),
      `GET https://a.blob.core.windows.net/c?sv=2022-11-02&sig=${REDACTED}&se=2026`,
    );
    assert.equal(
      redactor.redact('https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA/x&X-Amz-Signature=deadbeef'),
      `https://b.s3.amazonaws.com/k?X-Amz-Credential=${REDACTED}&X-Amz-Signature=${REDACTED}`,
    );
  });

  test('text without secrets is returned unchanged', () => {
    const text = 'Fatal: unable to open repository at s3:minio:9000/b/demo: connection refused';
    assert.equal(redactor.redact(text), text);
  });

  test('when one secret contains another, the longer one is removed whole', () => {
    const nested = createRedactor(['abcd', 'abcdefgh']);
    assert.equal(nested.redact('x abcdefgh y'), `x ${REDACTED} y`);
  });

  test('a secret that looks like a regular expression is matched literally', () => {
    const tricky = createRedactor(['a.*b(c)?[d]']);
    assert.equal(tricky.redact('a.*b(c)?[d] and aXXb'), `${REDACTED} and aXXb`);
  });

  test('an empty set of secrets still removes credential patterns', () => {
    assert.equal(createRedactor([]).redact('http://u:p@h'), `http://${REDACTED}@h`);
  });
});

describe('short secrets', () => {
  test('a secret shorter than four characters is removed only as a whole token', () => {
    const redactor = createRedactor(['ab1']);
    assert.equal(redactor.redact('password ab1 rejected'), `password ${REDACTED} rejected`);
    assert.equal(redactor.redact('tab1e and crab12'), 'tab1e and crab12');
  });

  test('a one-character secret does not garble ordinary text', () => {
    const redactor = createRedactor(['a']);
    assert.equal(redactor.redact('a backup was taken'), `${REDACTED} backup was taken`);
    assert.equal(redactor.redact('backup failed'), 'backup failed');
  });

  test('whitespace-only short secrets are ignored', () => {
    assert.equal(createRedactor([' ']).redact('a  b'), 'a  b');
  });

  test('the threshold can be raised', () => {
    const redactor = createRedactor(['secret'], { minLength: 10 });
    assert.equal(redactor.redact('mysecrets'), 'mysecrets');
    assert.equal(redactor.redact('my secret!'), `my ${REDACTED}!`);
  });
});

describe('service-account keys', () => {
  const key = JSON.stringify({
    type: 'service_account',
    project_id: 'my-project',
    private_key_id: 'f1e2d3c4b5a697887766',
    private_key: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
    client_email: 'backup@my-project.iam.gserviceaccount.com',
  });
  const redactor = createRedactor([key]);

  test('the private key is removed when quoted on its own, raw or JSON-escaped', () => {
    assert.equal(
      redactor.redact(
        'bad key: -----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
      ),
      `bad key: ${REDACTED}`,
    );
    assert.equal(
      redactor.redact(
        '"private_key":"-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\\n-----END PRIVATE KEY-----\\n"',
      ),
      `"private_key":"${REDACTED}"`,
    );
    assert.equal(redactor.redact('key id f1e2d3c4b5a697887766'), `key id ${REDACTED}`);
  });

  test('non-credential fields of the key stay readable', () => {
    assert.equal(redactor.redact('project my-project'), 'project my-project');
  });
});

describe('errors', () => {
  const redactor = createRedactor(['hunter2-secret']);

  test('redactError removes secrets from the message, the stack and the whole cause chain', () => {
    const root = new Error('auth hunter2-secret failed');
    const middle = new Error('open repo with hunter2-secret', { cause: root });
    const top = new TypeError('task failed: hunter2-secret', { cause: middle });
    const out = redactor.redactError(top);
    assert.equal(out.message, `task failed: ${REDACTED}`);
    assert.equal(out.name, 'TypeError');
    assert.doesNotMatch(out.stack ?? '', /hunter2/);
    const cause = out.cause as Error;
    assert.equal(cause.message, `open repo with ${REDACTED}`);
    assert.equal((cause.cause as Error).message, `auth ${REDACTED} failed`);
  });

  test('string properties (child process stderr, cmd) are redacted and objects dropped', () => {
    const err = Object.assign(new Error('exit 1'), {
      stderr: 'Fatal: hunter2-secret rejected',
      spawnargs: ['restic', '--password', 'hunter2-secret'],
      code: 1,
      retryable: true,
      response: { headers: { authorization: 'hunter2-secret' } },
    });
    const out = redactor.redactError(err) as Error & Record<string, unknown>;
    assert.equal(out.stderr, `Fatal: ${REDACTED} rejected`);
    assert.deepEqual(out.spawnargs, ['restic', '--password', REDACTED]);
    assert.equal(out.code, 1);
    assert.equal(out.retryable, true);
    assert.equal(out.response, undefined);
  });

  test('AggregateError members are redacted', () => {
    const out = redactor.redactError(
      new AggregateError([new Error('a hunter2-secret')], 'many hunter2-secret'),
    );
    assert.ok(out instanceof AggregateError);
    assert.equal(out.message, `many ${REDACTED}`);
    assert.equal((out.errors[0] as Error).message, `a ${REDACTED}`);
  });

  test('a cyclic cause chain terminates', () => {
    const a = new Error('a hunter2-secret');
    const b = new Error('b', { cause: a });
    a.cause = b;
    const out = redactor.redactError(a);
    assert.equal(out.message, `a ${REDACTED}`);
  });

  test('thrown non-errors become redacted errors', () => {
    assert.equal(redactor.redactError('oops hunter2-secret').message, `oops ${REDACTED}`);
    assert.equal(redactor.redactError({ detail: 'hunter2-secret' }).message, `{"detail":"${REDACTED}"}`);
  });

  test('a string cause stays a string, redacted', () => {
    const out = redactor.redactError(new Error('x', { cause: 'because hunter2-secret' }));
    assert.equal(out.cause, `because ${REDACTED}`);
  });

  test('wrap redacts the new message and chains the redacted cause', () => {
    const out = redactor.wrap('backup to http://u:hunter2-secret@h failed', new Error('boom hunter2-secret'));
    assert.equal(out.message, `backup to http://${REDACTED}@h failed`);
    assert.equal((out.cause as Error).message, `boom ${REDACTED}`);
    assert.equal(redactor.wrap('plain').cause, undefined);
  });
});
