// The operator's controller runtime against the dev cluster: leader election on a Lease between two
// candidates, and the webhook-cert reconciler renewing its CA and restoring a tampered caBundle. Each test
// runs its own electors or operators in-process, on a Lease, Secret and webhook configurations of its own.
import assert from 'node:assert/strict';
import { connect } from 'node:tls';
import { K8S } from '../../src/api/resource-type.ts';
import { silentLog, type Log } from '../../src/common/log.ts';
import { LeaderElector } from '../../src/controller/leader-election.ts';
import type { Lease } from '../../src/controller/lease-plan.ts';
import { microTime } from '../../src/controller/lease-plan.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { startOperator, type Operator, type OperatorOptions } from '../../src/operator/operator.ts';
import { issueCa } from '../../src/reconcilers/webhook-cert/cert-issue.ts';
import { splitPem } from '../../src/reconcilers/webhook-cert/cert-plan.ts';
import { entryBundles, trusts } from '../../src/reconcilers/webhook-cert/serving.ts';
import { clusterTest } from '../harness/cluster.ts';

const LEASE_MS = 3000;
const timing = { leaseDurationMs: LEASE_MS, renewDeadlineMs: 2000, retryPeriodMs: 250 };

/** A Log keeping its lines with the milliseconds since it was made, to explain a failed timing. */
function recordingLog(): Log & { lines: string[] } {
  const t0 = performance.now();
  const lines: string[] = [];
  const add = (msg: string, fields?: object): void =>
    void lines.push(`${Math.round(performance.now() - t0)} ms ${msg} ${JSON.stringify(fields ?? {})}`);
  return { lines, info: add, warn: add, error: add, debug: add };
}

/** Two candidates on one Lease, recording who leads and whether two ever led at once. */
function candidates(client: KubeClient, namespace: string, names: string[], log: Log = silentLog) {
  const leading = new Set<string>();
  /** When each candidate last started leading (performance.now()). */
  const ledAt = new Map<string, number>();
  let overlap = false;
  const electors = names.map(
    (identity) =>
      new LeaderElector({
        client,
        namespace,
        name: 'election',
        identity,
        ...timing,
        log,
        onStartedLeading: () => {
          ledAt.set(identity, performance.now());
          leading.add(identity);
          if (leading.size > 1) overlap = true;
        },
        onStoppedLeading: () => {
          leading.delete(identity);
          return Promise.resolve();
        },
      }),
  );
  return { electors, leading, ledAt, overlap: () => overlap };
}

clusterTest(
  'of two electors on one Lease only one leads, and when it stops the other takes over within the lease duration',
  async ({ client, namespace }, t) => {
    const c = candidates(client, namespace, ['alpha', 'beta']);
    for (const e of c.electors) e.start();
    try {
      const first = await waitFor(() => [...c.leading][0], { what: 'a leader', timeoutMs: 10_000 });
      // Several renewal rounds: the other candidate keeps reading a live lease and never leads.
      await new Promise((resolve) => setTimeout(resolve, 4 * timing.retryPeriodMs + LEASE_MS));
      assert.deepEqual([...c.leading], [first]);
      const lease = await client.get<Lease>(K8S.leases, 'election', namespace);
      assert.equal(lease.spec?.holderIdentity, first);

      const leader = c.electors.find((e) => e.identity === first);
      const other = c.electors.find((e) => e.identity !== first);
      const stoppedAt = performance.now();
      await leader?.stop();
      const tookMs =
        (await waitFor(() => c.ledAt.get(other?.identity ?? ''), {
          what: 'the other elector to take over',
          timeoutMs: LEASE_MS,
        })) - stoppedAt;
      t.diagnostic(`the other elector led ${Math.round(tookMs)} ms after the leader was told to stop`);
      assert.ok(tookMs < LEASE_MS, `took over after ${Math.round(tookMs)} ms`);
      const after = await client.get<Lease>(K8S.leases, 'election', namespace);
      assert.equal(after.spec?.holderIdentity, other?.identity);
      assert.equal(after.spec?.leaseTransitions, 1);
      assert.equal(c.overlap(), false, 'two electors never led at once');
    } finally {
      await Promise.all(c.electors.map((e) => e.stop()));
    }
  },
);

clusterTest(
  'a lease whose holder stopped renewing is taken over once its duration has passed, not before',
  async ({ client, namespace }, t) => {
    const stamp = microTime(new Date());
    await client.create<Lease>(
      K8S.leases,
      {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: 'election', namespace },
        spec: { holderIdentity: 'crashed', leaseDurationSeconds: 2, acquireTime: stamp, renewTime: stamp },
      },
      { namespace },
    );
    const log = recordingLog();
    const c = candidates(client, namespace, ['survivor'], log);
    const started = performance.now();
    c.electors[0]?.start();
    try {
      const tookMs =
        (await waitFor(() => c.ledAt.get('survivor'), { what: 'the survivor to lead', timeoutMs: 10_000 })) -
        started;
      t.diagnostic(`took over an abandoned 2 s lease after ${Math.round(tookMs)} ms`);
      const why = `took over after ${Math.round(tookMs)} ms:\n${log.lines.join('\n')}`;
      assert.ok(tookMs >= 2000, why);
      assert.ok(tookMs < 2000 + 4 * timing.retryPeriodMs, why);
    } finally {
      await c.electors[0]?.stop();
    }
  },
);

/** Webhook configurations of the test's own, matching no object (their caBundle is all that matters). */
async function installConfigurations(client: KubeClient, namespace: string, port: number) {
  const names = { mutating: `${namespace}-m`, validating: `${namespace}-v` };
  const entry = (name: string) => ({
    name: `${name}.cairn.test`,
    admissionReviewVersions: ['v1'],
    sideEffects: 'None',
    failurePolicy: 'Ignore',
    clientConfig: { url: `https://127.0.0.1:${port}/never` },
    objectSelector: { matchLabels: { 'cairn.test/never': namespace } },
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }],
  });
  const config = (kind: string, name: string): KubeObject => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata: { name },
    webhooks: [entry('one'), entry('two')],
  });
  await client.create(
    K8S.mutatingWebhookConfigurations,
    config('MutatingWebhookConfiguration', names.mutating),
  );
  await client.create(
    K8S.validatingWebhookConfigurations,
    config('ValidatingWebhookConfiguration', names.validating),
  );
  return {
    names,
    remove: async () => {
      await client.delete(K8S.mutatingWebhookConfigurations, names.mutating);
      await client.delete(K8S.validatingWebhookConfigurations, names.validating);
    },
  };
}

function operatorOptions(
  client: KubeClient,
  namespace: string,
  o: Partial<OperatorOptions> = {},
): OperatorOptions {
  return {
    client,
    log: silentLog,
    webhookListen: { host: '127.0.0.1', port: 0 },
    probeListen: { host: '127.0.0.1', port: 0 },
    certs: {
      secret: { namespace, name: 'webhook-cert' },
      names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
      caValidityMs: 3_600_000,
      servingValidityMs: 3_600_000,
    },
    configurations: { mutating: `${namespace}-m`, validating: `${namespace}-v` },
    leaderElection: { namespace, ...timing },
    signal: AbortSignal.timeout(30_000),
    ...o,
  };
}

const servedCertificate = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()?.toString() ?? '');
      socket.end();
    });
    socket.on('error', reject);
  });

const secretCa = async (client: KubeClient, namespace: string): Promise<string> => {
  const s = await client.get<{ data?: Record<string, string> }>(K8S.secrets, 'webhook-cert', namespace);
  return s.data?.['ca.crt'] ?? '';
};

clusterTest(
  'a tampered caBundle of a webhook configuration is restored to the CA of the Secret',
  async ({ client, namespace }, t) => {
    const configs = await installConfigurations(client, namespace, 1);
    let operator: Operator | undefined;
    try {
      operator = await startOperator(operatorOptions(client, namespace));
      const op = operator;
      await waitFor(() => (op.notReadyReason() === undefined ? true : undefined), {
        what: 'the operator to be ready',
        timeoutMs: 20_000,
      });
      const ca = await secretCa(client, namespace);
      const foreign = Buffer.from((await issueCa(new Date(), 3_600_000)).certPem).toString('base64');
      const tamperedAt = performance.now();
      await client.patch(
        K8S.validatingWebhookConfigurations,
        configs.names.validating,
        [{ op: 'replace', path: '/webhooks/1/clientConfig/caBundle', value: foreign }],
        { type: 'json' },
      );
      await waitFor(
        async () => {
          const c = await client.get<KubeObject>(
            K8S.validatingWebhookConfigurations,
            configs.names.validating,
          );
          const bundles = (c.webhooks as { clientConfig: { caBundle?: string } }[]).map(
            (w) => w.clientConfig.caBundle,
          );
          return bundles.every((b) => b === ca) ? true : undefined;
        },
        { what: 'the caBundle to be restored', timeoutMs: 10_000, intervalMs: 50 },
      );
      const restoredMs = Math.round(performance.now() - tamperedAt);
      t.diagnostic(`the caBundle was restored within ${restoredMs} ms (polled every 50 ms)`);
      await waitFor(() => (op.notReadyReason() === undefined ? true : undefined), {
        what: 'the operator to be ready again',
        timeoutMs: 5000,
      });
    } finally {
      await operator?.stop();
      await configs.remove();
    }
  },
);

clusterTest(
  'a renewed CA reaches every webhook entry before any replica serves a certificate it signed',
  async ({ client, namespace }) => {
    const configs = await installConfigurations(client, namespace, 1);
    const operators: Operator[] = [];
    // Broken orderings are collected by the watcher below and asserted at the end.
    const violations: string[] = [];
    try {
      const certs = {
        secret: { namespace, name: 'webhook-cert' },
        names: { dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] },
        caValidityMs: 6000,
        servingValidityMs: 6000,
      };
      for (const identity of ['one', 'two'])
        operators.push(
          await startOperator(
            operatorOptions(client, namespace, { certs, leaderElection: { namespace, identity, ...timing } }),
          ),
        );
      const first = await secretCa(client, namespace);
      const configured = async (): Promise<KubeObject[]> => [
        await client.get<KubeObject>(K8S.mutatingWebhookConfigurations, configs.names.mutating),
        await client.get<KubeObject>(K8S.validatingWebhookConfigurations, configs.names.validating),
      ];
      await waitFor(
        async () => {
          const ca = await secretCa(client, namespace);
          const newest = splitPem(Buffer.from(ca, 'base64').toString())[0] ?? '';
          let current = 0;
          for (const op of operators) {
            const served = await servedCertificate(op.webhookPort);
            // Read after the handshake: the configurations only ever gain trust in a newer CA, so a
            // configuration read now that does not trust what was served never trusted it.
            for (const c of await configured()) {
              if (!entryBundles(c).every((bundle) => trusts(bundle, served)))
                violations.push(`${c.metadata?.name} did not trust what port ${op.webhookPort} served`);
            }
            if (ca !== first && trusts(newest, served)) current++;
          }
          return current === operators.length ? true : undefined;
        },
        {
          what: 'both replicas to serve a certificate of the renewed CA',
          timeoutMs: 20_000,
          intervalMs: 100,
        },
      );
      assert.deepEqual(violations, []);
      assert.equal(operators.filter((o) => o.leading()).length, 1, 'one operator leads');
    } finally {
      await Promise.all(operators.map((o) => o.stop()));
      await configs.remove();
    }
  },
);
