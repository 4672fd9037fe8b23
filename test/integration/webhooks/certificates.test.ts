// Cairn's admission webhooks' certificates: the operator keeps its own CA in a Secret, puts the CA bundle in
// both webhook configurations, and renews its serving certificate while it runs.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { test } from 'node:test';
import { AdmissionregistrationV1Api, CoreV1Api } from '@kubernetes/client-node';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { silentLog } from '../../../src/common/log.ts';
import { startOperator } from '../../../src/operator/operator.ts';
import { MUTATING_CONFIGURATION, VALIDATING_CONFIGURATION } from '../../../src/webhooks/configurations.ts';
import { adminKubeConfig, clusterTest } from '../../harness/cluster.ts';

void test('the operator keeps its CA in a Secret and the CA bundle in every webhook entry', async () => {
  const kc = adminKubeConfig();
  const secret = await kc
    .makeApiClient(CoreV1Api)
    .readNamespacedSecret({ namespace: 'cairn-system', name: 'cairn-webhook-cert' });
  assert.equal(secret.type, 'kubernetes.io/tls');
  const data = secret.data ?? {};
  assert.ok(data['tls.crt'] && data['tls.key'] && data['ca.key'] && data['ca.crt']);
  const ca = new X509Certificate(Buffer.from(data['ca.crt'], 'base64').toString());
  const serving = new X509Certificate(Buffer.from(data['tls.crt'], 'base64').toString());
  assert.equal(serving.verify(ca.publicKey), true);
  assert.equal(serving.checkIP('127.0.0.1'), '127.0.0.1');
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const configs = [
    await api.readMutatingWebhookConfiguration({ name: MUTATING_CONFIGURATION }),
    await api.readValidatingWebhookConfiguration({ name: VALIDATING_CONFIGURATION }),
  ];
  for (const c of configs) {
    assert.ok((c.webhooks ?? []).length > 0);
    for (const w of c.webhooks ?? [])
      assert.equal(w.clientConfig.caBundle, data['ca.crt'], `${c.metadata?.name}/${w.name}`);
  }
});

clusterTest(
  'the operator renews its serving certificate before expiry and serves the new one without a restart',
  async ({ kc, client, namespace }) => {
    const secret = { namespace, name: 'short-lived' };
    const operator = await startOperator({
      client,
      log: silentLog,
      webhookListen: { host: '127.0.0.1', port: 0 },
      probeListen: { host: '127.0.0.1', port: 0 },
      certs: {
        secret,
        names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
        caValidityMs: 3_600_000,
        servingValidityMs: 4000,
      },
      configurations: { mutating: `${namespace}-absent`, validating: `${namespace}-absent` },
      resyncMs: 250,
    });
    const coreApi = kc.makeApiClient(CoreV1Api);
    const read = async () => (await coreApi.readNamespacedSecret(secret)).data ?? {};
    const served = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port: operator.webhookPort, rejectUnauthorized: false },
          () => {
            resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? '');
            socket.end();
          },
        );
        socket.on('error', reject);
      });
    const fingerprint = (b64: string | undefined) =>
      new X509Certificate(Buffer.from(b64 ?? '', 'base64').toString()).fingerprint256;
    try {
      const first = await read();
      assert.equal(await served(), fingerprint(first['tls.crt']));
      const second = await waitFor(
        async () => {
          const now = await read();
          return now['tls.crt'] !== first['tls.crt'] ? now : undefined;
        },
        { what: 'the serving certificate to be renewed', timeoutMs: 20_000 },
      );
      assert.equal(second['ca.crt'], first['ca.crt'], 'the CA is kept');
      await waitFor(async () => ((await served()) === fingerprint(second['tls.crt']) ? true : undefined), {
        what: 'the renewed certificate to be served',
        timeoutMs: 10_000,
      });
      assert.match(operator.notReadyReason() ?? '', /webhook configuration .* not found/);
    } finally {
      await operator.stop();
    }
  },
);
