// Cairn's admission webhooks as the real API server calls them: BackupStorage and BackupConfiguration
// defaults, and a denial that names the field and the fix.
import assert from 'node:assert/strict';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { apiMessage } from '../../../src/kube/errors.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { core, s3, session, storage } from './fixture.ts';

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
