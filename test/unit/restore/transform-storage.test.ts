// transformForRestore on storage: PVCs bind afresh, PVs keep their claimRef by name, and storage classes
// are mapped on PVCs, PVs and StatefulSet volume claim templates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transformForRestore } from '../../../src/restore/transform.ts';
import { PV, PVC, STS, at, core } from './transform-fixture.ts';

test('a PVC binds afresh: no volumeName, no binding annotations, its storage class mapped', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'data',
        namespace: 'a',
        annotations: {
          'pv.kubernetes.io/bind-completed': 'yes',
          'pv.kubernetes.io/bound-by-controller': 'yes',
          'pv.kubernetes.io/migrated-to': 'x',
          'volume.kubernetes.io/selected-node': 'node-1',
          'volume.kubernetes.io/storage-provisioner': 'rancher.io/local-path',
          keep: 'me',
        },
      },
      spec: {
        volumeName: 'pvc-123',
        storageClassName: 'longhorn',
        resources: { requests: { storage: '1Gi' } },
      },
    },
    core('persistentvolumeclaims', 'PersistentVolumeClaim'),
    { storageClassMappings: new Map([['longhorn', 'standard']]) },
  );
  assert.deepEqual(t.object.metadata, { name: 'data', namespace: 'a', annotations: { keep: 'me' } });
  assert.deepEqual(t.object.spec, {
    storageClassName: 'standard',
    resources: { requests: { storage: '1Gi' } },
  });
});

test('a PVC whose class is not in the mappings keeps it', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'd', namespace: 'a' },
      spec: { storageClassName: 'fast' },
    },
    PVC,
    { storageClassMappings: new Map([['slow', 'standard']]) },
  );
  assert.equal(at(t.object, 'spec', 'storageClassName'), 'fast');
});

test('a PV keeps its claimRef by name only, mapped, and its storage class is mapped', () => {
  const t = transformForRestore(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-1' },
      spec: {
        storageClassName: 'longhorn',
        claimRef: {
          kind: 'PersistentVolumeClaim',
          namespace: 'a',
          name: 'data',
          uid: 'u',
          resourceVersion: '9',
        },
      },
    },
    PV,
    { storageClassMappings: new Map([['longhorn', 'standard']]), namespaceMappings: new Map([['a', 'b']]) },
  );
  assert.deepEqual(t.object.spec, {
    storageClassName: 'standard',
    claimRef: { kind: 'PersistentVolumeClaim', namespace: 'b', name: 'data' },
  });
  assert.equal(t.namespace, undefined);
});

test('StatefulSet volume claim templates get the storage class mapping', () => {
  const t = transformForRestore(
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'a' },
      spec: {
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { storageClassName: 'longhorn' } }],
      },
    },
    STS,
    { storageClassMappings: new Map([['longhorn', 'standard']]) },
  );
  assert.equal(at(t.object, 'spec', 'volumeClaimTemplates', '0', 'spec', 'storageClassName'), 'standard');
});
