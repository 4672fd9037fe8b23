// The install path: Cairn applied from deploy/ with kubectl to a dev cluster of its own (no in-process
// operator) runs its operator as the Deployment's pod through the pod runner, with its ServiceAccount's
// projected token and the RBAC of deploy/rbac, serves its webhooks through the Service, and takes a backup:
// a BackupStorage on MinIO, a RetentionPolicy and a BackupConfiguration written as in KubeStash's guide give
// a Succeeded BackupSession and Snapshot.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { K8S, KUBESTASH } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';
import { failureReport } from '../harness/cluster.ts';
import { installFromDeploy, OPERATOR_NAMESPACE } from '../harness/install.ts';
import { startMinio, type MinioServer } from '../harness/objectstores.ts';

type Obj = KubeObject & { status?: Record<string, unknown> };
const NS = 'demo';
const PASSWORD = 'install-test-password-91c2';

async function backupObjects(client: KubeClient, s3: MinioServer): Promise<void> {
  const create = (r: Parameters<KubeClient['create']>[0], o: KubeObject) =>
    client.create(r, o, { namespace: NS });
  await client.create(K8S.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
  await create(K8S.configMaps, {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'app-settings', namespace: NS },
    data: { greeting: 'hello' },
  });
  await create(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'encrypt-secret', namespace: NS },
    stringData: { RESTIC_PASSWORD: PASSWORD },
  });
  await create(K8S.secrets, {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's3-secret', namespace: NS },
    stringData: s3.secretData,
  });
  await s3.createBucket('cairn');
  await create(KUBESTASH.backupStorages, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 's3-storage', namespace: NS },
    spec: {
      storage: {
        provider: 's3',
        s3: {
          endpoint: s3.endpoint,
          bucket: 'cairn',
          prefix: 'demo',
          region: s3.region,
          secretName: 's3-secret',
        },
      },
      usagePolicy: { allowedNamespaces: { from: 'All' } },
      default: true,
      deletionPolicy: 'WipeOut',
    },
  });
  await create(KUBESTASH.retentionPolicies, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'RetentionPolicy',
    metadata: { name: 'demo-retention', namespace: NS },
    spec: {
      default: true,
      failedSnapshots: { last: 2 },
      maxRetentionPeriod: '2mo',
      successfulSnapshots: { last: 5 },
      usagePolicy: { allowedNamespaces: { from: 'Same' } },
    },
  });
  await create(KUBESTASH.backupConfigurations, {
    apiVersion: 'core.kubestash.com/v1alpha1',
    kind: 'BackupConfiguration',
    metadata: { name: 'demo-backup', namespace: NS },
    spec: {
      target: { apiGroup: '', kind: 'Namespace', name: NS },
      backends: [
        {
          name: 's3-backend',
          storageRef: { namespace: NS, name: 's3-storage' },
          retentionPolicy: { name: 'demo-retention', namespace: NS },
        },
      ],
      sessions: [
        {
          name: 'frequent-backup',
          sessionHistoryLimit: 3,
          // Far from now: the only run is the one the operator starts when the configuration becomes Ready.
          scheduler: { schedule: '0 0 1 1 *', jobTemplate: { backoffLimit: 1 } },
          repositories: [
            {
              name: 's3-repository',
              backend: 's3-backend',
              directory: '/demo-manifests',
              encryptionSecret: { name: 'encrypt-secret', namespace: NS },
              deletionPolicy: 'WipeOut',
            },
          ],
          addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
        },
      ],
    },
  });
}

void test(
  'kubectl apply --server-side -k deploy/ runs the operator as a pod through the pod runner, its webhooks answer through the Service, and a BackupConfiguration written as in the guide gets a Succeeded BackupSession',
  { timeout: 480_000 },
  async (t) => {
    const s3 = await startMinio(t);
    const dir = mkdtempSync(join(tmpdir(), 'cairn-install-'));
    const logFile = join(dir, 'harness.log');
    const installed = await installFromDeploy({
      dir,
      log: (m) => appendFileSync(logFile, `${new Date().toISOString()} ${m}\n`),
    });
    const { client } = installed.env;
    try {
      const pods = await client.list<V1Pod & KubeObject>(K8S.pods, {
        namespace: OPERATOR_NAMESPACE,
        labelSelector: 'app.kubernetes.io/component=operator',
      });
      assert.equal(pods.items.length, 1, 'one operator pod');
      const pod = pods.items[0]!;
      assert.equal(pod.spec?.nodeName, installed.env.runner.nodeName, 'the pod runner runs the operator');
      assert.equal(pod.status?.phase, 'Running');
      assert.ok(
        pod.spec?.volumes?.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken)),
        'the operator pod has its ServiceAccount token projected',
      );

      await backupObjects(client, s3);
      const session = await waitFor(
        async () => {
          const runs = await client.list<Obj>(KUBESTASH.backupSessions, { namespace: NS });
          const done = runs.items.find((r) => ['Succeeded', 'Failed'].includes(String(r.status?.phase)));
          return done;
        },
        { what: 'the first BackupSession to finish', timeoutMs: 300_000 },
      );
      assert.equal(session.status?.phase, 'Succeeded', JSON.stringify(session.status));
      const snapshots = await client.list<Obj>(KUBESTASH.snapshots, { namespace: NS });
      assert.deepEqual(
        snapshots.items.map((s) => [s.metadata?.name, s.status?.phase]),
        [[`s3-repository-${session.metadata?.name}`, 'Succeeded']],
      );
      const keys = await s3.keys('cairn', 'demo/');
      assert.ok(keys.includes('demo/metadata.yaml'), keys.join(' '));
      assert.ok(
        keys.some((k) => k.startsWith('demo/demo-manifests/repository/v1/frequent-backup/manifest/')),
        keys.join(' '),
      );
    } catch (err) {
      t.diagnostic(failureReport(dir, OPERATOR_NAMESPACE));
      t.diagnostic(failureReport(dir, NS));
      throw err;
    } finally {
      await installed.env.stop();
      if (!process.env.CAIRN_TEST_KEEP) rmSync(dir, { recursive: true, force: true });
    }
  },
);
