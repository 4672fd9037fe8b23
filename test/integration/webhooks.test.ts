// Cairn's admission webhooks as the real API server calls them: the in-process operator of the dev cluster,
// with deploy/rbac's identity, its own CA in a Secret and the CA bundle in both webhook configurations.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { test } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { binaryPaths, projectRoot } from '../../src/devcluster/toolchain.ts';
import { probe, waitFor } from '../../src/devcluster/probe.ts';
import { cronProblem } from '../../src/api/cron.ts';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { apiMessage, statusCode } from '../../src/kube/errors.ts';
import { createInformer, type Informer } from '../../src/kube/informer.ts';
import type { KubeClient } from '../../src/kube/types.ts';
import { LOG_FIELD_NAMES, silentLog } from '../../src/common/log.ts';
import { startOperator } from '../../src/operator/operator.ts';
import { admit, type ParsedReview } from '../../src/webhooks/admission.ts';
import { admissionCaches, cacheReader } from '../../src/webhooks/cache-reader.ts';
import { MUTATING_CONFIGURATION, VALIDATING_CONFIGURATION } from '../../src/webhooks/configurations.ts';
import { decisionMessage } from '../../src/webhooks/decision.ts';
import { ROUTES } from '../../src/webhooks/routes.ts';
import { adminKubeConfig, clusterTest } from '../harness/cluster.ts';
import { CRON_CORPUS } from '../unit/api/cron-corpus.ts';

const storage = { group: 'storage.kubestash.com', version: 'v1alpha1' };
const core = { group: 'core.kubestash.com', version: 'v1alpha1' };

const s3 = (bucket: string, prefix: string) => ({
  provider: 's3',
  s3: { bucket, prefix, region: 'us-east-1', endpoint: 'https://s3.amazonaws.com' },
});

const session = {
  name: 'frequent',
  scheduler: { schedule: '*/5 * * * *', jobTemplate: {} },
  addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
  repositories: [{ name: 'cluster-repo', directory: 'cluster' }],
};

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
  'a BackupStorage is defaulted: usagePolicy Same, no trailing slashes',
  async ({ kc, namespace }) => {
    const co = kc.makeApiClient(CustomObjectsApi);
    const created = (await co.createNamespacedCustomObject({
      ...storage,
      plural: 'backupstorages',
      namespace,
      body: {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'BackupStorage',
        metadata: { name: 's3' },
        spec: {
          storage: {
            provider: 's3',
            s3: { bucket: `${namespace}/`, prefix: 'backups/', endpoint: 'https://minio:9000/' },
          },
        },
      },
    })) as { spec: Record<string, unknown> };
    assert.deepEqual(created.spec.usagePolicy, { allowedNamespaces: { from: 'Same' } });
    assert.deepEqual(created.spec.storage, {
      provider: 's3',
      s3: { bucket: namespace, prefix: 'backups', endpoint: 'https://minio:9000' },
    });
  },
);

clusterTest(
  'a BackupConfiguration without backends gets the default BackupStorage and RetentionPolicy of its namespace',
  async ({ kc, namespace }) => {
    const co = kc.makeApiClient(CustomObjectsApi);
    await co.createNamespacedCustomObject({
      ...storage,
      plural: 'backupstorages',
      namespace,
      body: {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'BackupStorage',
        metadata: { name: 'default-s3' },
        spec: { default: true, storage: s3(namespace, 'x') },
      },
    });
    await co.createNamespacedCustomObject({
      ...storage,
      plural: 'retentionpolicies',
      namespace,
      body: {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'RetentionPolicy',
        metadata: { name: 'keep-30d' },
        spec: { default: true, maxRetentionPeriod: '30d' },
      },
    });
    const bc = (await co.createNamespacedCustomObject({
      ...core,
      plural: 'backupconfigurations',
      namespace,
      body: {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        metadata: { name: 'cluster' },
        spec: { sessions: [session] },
      },
    })) as { spec: { backends: unknown } };
    assert.deepEqual(bc.spec.backends, [
      { storageRef: { name: 'default-s3', namespace }, retentionPolicy: { name: 'keep-30d', namespace } },
    ]);
  },
);

clusterTest(
  'a BackupConfiguration in a namespace the storage does not allow is rejected, naming the field and the fix',
  async ({ kc, core: coreApi, namespace }) => {
    const co = kc.makeApiClient(CustomObjectsApi);
    const prod = `${namespace}-prod`;
    await coreApi.createNamespace({
      body: { metadata: { name: prod, labels: { 'cairn.dev/test': 'true' } } },
    });
    try {
      await co.createNamespacedCustomObject({
        ...storage,
        plural: 'backupstorages',
        namespace,
        body: {
          apiVersion: 'storage.kubestash.com/v1alpha1',
          kind: 'BackupStorage',
          metadata: { name: 's3' },
          spec: { storage: s3(namespace, 'y') },
        },
      });
      await co.createNamespacedCustomObject({
        ...storage,
        plural: 'retentionpolicies',
        namespace: prod,
        body: {
          apiVersion: 'storage.kubestash.com/v1alpha1',
          kind: 'RetentionPolicy',
          metadata: { name: 'keep' },
          spec: { maxRetentionPeriod: '7d' },
        },
      });
      const body = {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        metadata: { name: 'forbidden' },
        spec: {
          backends: [{ storageRef: { name: 's3', namespace }, retentionPolicy: { name: 'keep' } }],
          sessions: [session],
        },
      };
      const err = await co
        .createNamespacedCustomObject({ ...core, plural: 'backupconfigurations', namespace: prod, body })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(err, 'the BackupConfiguration was accepted');
      assert.equal(
        apiMessage(err),
        `admission webhook "validate.backupconfigurations.core.kubestash.com" denied the request: spec.backends[0].storageRef: ` +
          `BackupStorage "${namespace}/s3" does not allow namespace "${prod}" (usagePolicy.allowedNamespaces.from: Same); ` +
          `add "${prod}" to its usagePolicy (from: All, or from: Selector with a selector that matches namespace "${prod}") or use a BackupStorage in "${prod}"`,
      );
    } finally {
      await coreApi.deleteNamespace({ name: prod }).catch(() => undefined);
    }
  },
);

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

void test('deploy/ is accepted by the API server (server-side dry run of kubectl apply -k)', async () => {
  const kubectl = binaryPaths().kubectl;
  const kubeconfig = process.env.CAIRN_TEST_KUBECONFIG ?? '';
  const run = (args: string[], input?: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const p = spawn(kubectl, ['--kubeconfig', kubeconfig, ...args], {
        cwd: projectRoot,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      p.stdout.on('data', (b: Buffer) => (out += b.toString()));
      p.stderr.on('data', (b: Buffer) => (out += b.toString()));
      p.on('exit', (code) => resolve({ code, out }));
      p.stdin.end(input ?? '');
    });
  const rendered = await run(['kustomize', 'deploy']);
  assert.equal(rendered.code, 0, rendered.out);
  // The dev cluster holds the same two webhook configurations pointing at a URL; applying the Service
  // variant over them would mix url and service, so they are checked under other names.
  const docs = parseAllDocuments(rendered.out).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string } },
  );
  for (const d of docs) {
    if (d.kind.endsWith('WebhookConfiguration')) d.metadata.name += '-dry-run';
  }
  assert.equal(docs.filter((d) => d.metadata.name.endsWith('-dry-run')).length, 2);
  const renamed = docs.map((d) => stringify(d)).join('---\n');
  const applied = await run(
    ['apply', '--server-side', '--dry-run=server', '--field-manager=cairn-deploy-test', '-f', '-'],
    renamed,
  );
  assert.equal(applied.code, 0, applied.out);
  assert.match(applied.out, /deployment\.apps\/cairn-operator serverside-applied \(server dry run\)/);
});

clusterTest(
  'cairn operator serves probes, logs JSON lines from a fixed vocabulary and exits 0 on SIGTERM',
  async ({ namespace }) => {
    const kubeconfig = process.env.CAIRN_TEST_KUBECONFIG ?? '';
    const proc = spawn(
      `${projectRoot}bin/cairn`,
      [
        'operator',
        `--kubeconfig=${kubeconfig}`,
        '--webhook-bind-address=127.0.0.1:0',
        '--probe-bind-address=127.0.0.1:0',
        `--cert-secret-namespace=${namespace}`,
        `--mutating-configuration=${namespace}-absent`,
        `--validating-configuration=${namespace}-absent`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
    try {
      const lines = () =>
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>);
      const probes = await waitFor(
        () =>
          lines().find((l) => l.msg === 'server listening' && l.reason === 'probes')?.addr as
            string | undefined,
        {
          what: 'cairn operator to listen',
          timeoutMs: 30_000,
          abortIf: () => (proc.exitCode !== null ? `exited:\n${out}` : undefined),
        },
      );
      await waitFor(() => (lines().some((l) => l.msg === 'operator started') ? true : undefined), {
        what: 'cairn operator to start',
        timeoutMs: 30_000,
      });
      assert.equal((await probe(`http://${probes}/healthz`)).status, 200);
      const ready = await probe(`http://${probes}/readyz`);
      assert.equal(ready.status, 503);
      assert.match(ready.body, /webhook configuration .* not found/);
      assert.match(
        (await probe(`http://${probes}/metrics`)).body,
        /cairn_webhook_certificate_expiry_timestamp_seconds \d+/,
      );
      proc.kill('SIGTERM');
      const exit = await waitFor(
        () => (proc.exitCode !== null || proc.signalCode !== null ? { code: proc.exitCode } : undefined),
        { what: 'cairn operator to exit after SIGTERM', timeoutMs: 20_000 },
      );
      assert.equal(exit.code, 0);
      // pino's own fields, then the fixed vocabulary of src/common/log.ts (typed there, so a new field must be
      // declared before any log line can carry it).
      const vocabulary = new Set<string>(['level', 'time', 'component', 'msg', ...LOG_FIELD_NAMES]);
      for (const l of lines()) for (const k of Object.keys(l)) assert.ok(vocabulary.has(k), `log field ${k}`);
      assert.ok(lines().some((l) => l.msg === 'operator stopped'));
      assert.doesNotMatch(out, /BEGIN (EC )?PRIVATE KEY/);
    } finally {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
  },
);

clusterTest(
  'schedules are refused exactly when the CronJob API refuses them: the API server and cronProblem agree on the whole corpus',
  async ({ client, namespace }, t) => {
    const disagreements: string[] = [];
    for (const [schedule, expected] of CRON_CORPUS) {
      const cronJob = {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'schedule-probe', namespace },
        spec: {
          schedule,
          jobTemplate: {
            spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } },
          },
        },
      };
      let why: string | undefined;
      try {
        await client.create(K8S.cronJobs, cronJob, { namespace, dryRun: true });
      } catch (err) {
        if (statusCode(err) !== 422) throw err;
        why = apiMessage(err);
      }
      const ours = cronProblem(schedule);
      t.diagnostic(`${JSON.stringify(schedule)}: ${why ?? 'accepted'}`);
      if ((why === undefined) !== (ours === undefined) || (why === undefined) !== expected) {
        disagreements.push(
          `${JSON.stringify(schedule)}: the API server ${why === undefined ? 'accepts it' : `refuses it (${why})`}, cronProblem ${ours === undefined ? 'accepts it' : `says ${ours}`}, the corpus expects ${expected ? 'accepted' : 'refused'}`,
        );
      }
    }
    assert.deepEqual(disagreements, []);
  },
);

/** `client` with every call recorded by method name. */
function recording(client: KubeClient, calls: string[]): KubeClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

clusterTest(
  'admission reads only the informer caches: once they are synced, deciding every webhook makes no LIST and no GET',
  async ({ client, namespace }) => {
    const storageRef = { name: 's3', namespace };
    await client.create(
      KUBESTASH.backupStorages,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'BackupStorage',
        metadata: { name: 's3', namespace },
        spec: { storage: s3(namespace, 'cache'), usagePolicy: { allowedNamespaces: { from: 'Same' } } },
      },
      { namespace },
    );
    await client.create(
      KUBESTASH.repositories,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'first', namespace },
        spec: { storageRef, path: '/taken' },
      },
      { namespace },
    );
    const calls: string[] = [];
    const api = recording(client, calls);
    const informers: Informer[] = [];
    const reader = cacheReader(
      admissionCaches((resource) => {
        const i = createInformer(api, { resource });
        informers.push(i);
        i.start();
        return i;
      }),
    );
    try {
      await Promise.all(informers.map((i) => i.waitForSync()));
      const repositoryInCache = () =>
        informers.some((i) => i.resource.plural === 'repositories' && i.get('first', namespace));
      await waitFor(() => (repositoryInCache() ? true : undefined), {
        what: 'the Repository in the cache',
        timeoutMs: 10_000,
      });
      const before = calls.length;
      const bc = {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        metadata: { name: 'bc', namespace },
        spec: {
          backends: [{ name: 'main', storageRef, retentionPolicy: { name: 'keep' } }],
          sessions: [{ ...session, repositories: [{ name: 'second', backend: 'main', directory: 'taken' }] }],
        },
      };
      const repo = {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'second', namespace },
        spec: { storageRef, path: 'taken/' },
      };
      const samples: Record<string, unknown> = { BackupConfiguration: bc, Repository: repo };
      const decisions: Record<string, string> = {};
      for (const route of ROUTES) {
        const object = samples[route.resource.kind] ?? {
          apiVersion: `${route.resource.group}/${route.resource.version}`,
          kind: route.resource.kind,
          metadata: { name: 'x', namespace },
          spec: {},
        };
        const review: ParsedReview = {
          uid: 'u',
          kind: { group: route.resource.group, version: route.resource.version, kind: route.resource.kind },
          resource: route.resource.plural,
          subResource: '',
          input: { operation: 'CREATE', namespace, name: 'x', object, oldObject: undefined },
        };
        decisions[route.name] = decisionMessage(await admit(route, review, reader));
      }
      const reads = calls.slice(before).filter((c) => c !== 'watch');
      assert.deepEqual(reads, [], 'API calls made while admitting');
      // The decisions came from the caches: both see the Repository created before the informers started.
      assert.match(
        decisions['validate.repositories.storage.kubestash.com'] ?? '',
        new RegExp(`^spec\\.path: Repository "${namespace}/first" already uses directory`),
      );
      assert.match(
        decisions['validate.backupconfigurations.core.kubestash.com'] ?? '',
        new RegExp(
          `spec\\.sessions\\[0\\]\\.repositories\\[0\\]\\.directory: Repository "${namespace}/first"`,
        ),
      );
    } finally {
      await Promise.all(informers.map((i) => i.stop()));
    }
  },
);
