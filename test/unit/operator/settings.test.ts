import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorText, redact } from '../../../src/common/redact.ts';
import { parseDuration, parseListen, servingNames } from '../../../src/operator/settings.ts';

void test('the serving names cover the Service DNS names and the loopback names', () => {
  assert.deepEqual(servingNames({ namespace: 'cairn-system', name: 'cairn-webhook' }), {
    dnsNames: [
      'cairn-webhook',
      'cairn-webhook.cairn-system',
      'cairn-webhook.cairn-system.svc',
      'cairn-webhook.cairn-system.svc.cluster.local',
      'localhost',
    ],
    ipAddresses: ['127.0.0.1', '::1'],
  });
});

void test('durations are read as Go writes them', () => {
  assert.equal(parseDuration('2160h'), 2160 * 3_600_000);
  assert.equal(parseDuration('1h30m'), 90 * 60_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('250ms'), 250);
  for (const bad of ['', '10', 'h', '1d', '0s', '1h x'])
    assert.throws(() => parseDuration(bad), /invalid duration/);
});

void test('listen addresses are host:port, an empty host meaning every interface', () => {
  assert.deepEqual(parseListen('127.0.0.1:9443'), { host: '127.0.0.1', port: 9443 });
  assert.deepEqual(parseListen(':8080'), { host: '0.0.0.0', port: 8080 });
  assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseListen('9443'), /invalid address/);
});

void test('redaction removes PEM blocks, bearer tokens and key=value secrets', () => {
  const text = redact(
    'Authorization: Bearer abc.def-123 token=xyz -----BEGIN PRIVATE KEY-----\nAAA\n-----END PRIVATE KEY----- ok',
  );
  assert.equal(text, 'Authorization: Bearer [REDACTED] token=[REDACTED] [REDACTED] PEM ok');
  assert.equal(errorText(new Error('password=hunter2')), 'password=[REDACTED]');
  const wrapped = new Error('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:1') });
  assert.equal(errorText(wrapped), 'fetch failed: connect ECONNREFUSED 127.0.0.1:1');
});
