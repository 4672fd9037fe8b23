import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  mutateBackupStorage,
  storageLocation,
  validateBackupStorage,
} from '../../../src/webhooks/backupstorage.ts';
import { decisionMessage } from '../../../src/webhooks/decision.ts';
import { applyPatch, object, s3, same, storage } from './helpers.ts';

void describe('mutateBackupStorage', () => {
  void test('defaults an absent usagePolicy to from: Same', () => {
    const bs = storage('demo', 'a');
    const out = applyPatch(bs, mutateBackupStorage(bs).patch);
    assert.deepEqual((out.spec as { usagePolicy: unknown }).usagePolicy, same);
  });

  void test('fills only the missing part of a partial usagePolicy', () => {
    const bs = storage('demo', 'a', { usagePolicy: { allowedNamespaces: {} } });
    assert.deepEqual(mutateBackupStorage(bs).patch, [
      { op: 'add', path: '/spec/usagePolicy/allowedNamespaces/from', value: 'Same' },
    ]);
    const full = storage('demo', 'a', { usagePolicy: { allowedNamespaces: { from: 'All' } } });
    assert.deepEqual(mutateBackupStorage(full).patch, []);
  });

  void test('strips trailing slashes from the s3 bucket, endpoint and prefix', () => {
    const bs = object('BackupStorage', 'demo', 'a', {
      usagePolicy: same,
      storage: {
        provider: 's3',
        s3: { bucket: 'b/', endpoint: 'https://minio:9000/', prefix: 'x/y//', region: 'r/' },
      },
    });
    const out = applyPatch(bs, mutateBackupStorage(bs).patch);
    assert.deepEqual((out.spec as { storage: unknown }).storage, {
      provider: 's3',
      s3: { bucket: 'b', endpoint: 'https://minio:9000', prefix: 'x/y', region: 'r/' },
    });
  });

  void test('strips trailing slashes from the gcs bucket and prefix and the azure prefix only', () => {
    const gcs = object('BackupStorage', 'demo', 'a', {
      usagePolicy: same,
      storage: { provider: 'gcs', gcs: { bucket: 'g/', prefix: 'p/' } },
    });
    assert.deepEqual(
      (applyPatch(gcs, mutateBackupStorage(gcs).patch).spec as Record<string, unknown>).storage,
      {
        provider: 'gcs',
        gcs: { bucket: 'g', prefix: 'p' },
      },
    );
    const az = object('BackupStorage', 'demo', 'a', {
      usagePolicy: same,
      storage: { provider: 'azure', azure: { storageAccount: 'acc/', container: 'c/', prefix: 'p/' } },
    });
    assert.deepEqual(mutateBackupStorage(az).patch, [
      { op: 'replace', path: '/spec/storage/azure/prefix', value: 'p' },
    ]);
  });

  void test('leaves garbage for the schema to reject', () => {
    assert.deepEqual(mutateBackupStorage({ spec: 'nonsense' }).patch, []);
    assert.deepEqual(mutateBackupStorage({ spec: { usagePolicy: 'x', storage: { s3: 'y' } } }).patch, []);
    assert.deepEqual(mutateBackupStorage(null).patch, []);
  });
});

void describe('storageLocation', () => {
  void test('s3 compares bucket, region and prefix, ignoring slashes around the prefix', () => {
    assert.equal(storageLocation(s3('b', '/p/'))?.key, storageLocation(s3('b', 'p'))?.key);
    assert.notEqual(storageLocation(s3('b', 'p', 'eu'))?.key, storageLocation(s3('b', 'p', 'us'))?.key);
    assert.notEqual(storageLocation(s3('b', 'p'))?.key, storageLocation(s3('b', 'q'))?.key);
  });

  void test('gcs and azure have their own keys; local has none', () => {
    const gcs = storageLocation({ provider: 'gcs', gcs: { bucket: 'b', prefix: 'p' } });
    const az = storageLocation({
      provider: 'azure',
      azure: { storageAccount: 'a', container: 'b', prefix: 'p' },
    });
    assert.ok(gcs && az);
    assert.notEqual(gcs.key, az.key);
    assert.equal(storageLocation({ provider: 'local', local: { mountPath: '/x' } }), undefined);
  });
});

void describe('validateBackupStorage', () => {
  const create = (object: unknown, storages: unknown[] = []) =>
    validateBackupStorage({ operation: 'CREATE', namespace: 'demo', object, storages });

  void test('allows a storage alone in its namespace and location', () => {
    assert.equal(create(storage('demo', 'a', { default: true }), [storage('demo', 'b')]).allowed, true);
  });

  void test('rejects a second default in the namespace, naming spec.default and the current default', () => {
    const d = create(storage('demo', 'a', { default: true }), [storage('demo', 'old', { default: true })]);
    assert.equal(d.allowed, false);
    assert.match(
      decisionMessage(d),
      /^spec\.default: BackupStorage "demo\/old" is already the default in namespace "demo".*; set spec\.default: false here/,
    );
  });

  void test('a default in another namespace does not count', () => {
    assert.equal(
      create(storage('demo', 'a', { default: true }), [storage('other', 'x', { default: true })]).allowed,
      true,
    );
  });

  void test('an update that keeps an existing default is allowed even when two defaults exist', () => {
    const bs = storage('demo', 'a', { default: true });
    const d = validateBackupStorage({
      operation: 'UPDATE',
      namespace: 'demo',
      object: bs,
      oldObject: bs,
      storages: [bs, storage('demo', 'b', { default: true })],
    });
    assert.equal(d.allowed, true);
  });

  void test('rejects a second storage on the same s3 location in any namespace', () => {
    const d = create(storage('demo', 'a', { storage: s3('bucket', 'backups/') }), [
      storage('other', 'first', { storage: s3('bucket', 'backups') }),
    ]);
    assert.equal(d.allowed, false);
    assert.match(
      decisionMessage(d),
      /^spec\.storage\.s3: BackupStorage "other\/first" already uses the same location \(s3 bucket "bucket", region "us-east-1", prefix "backups"\)/,
    );
    assert.match(decisionMessage(d), /use another prefix \(or bucket\)/);
  });

  void test('the storage itself (by name) is not a clash on update', () => {
    const bs = storage('demo', 'a');
    const d = validateBackupStorage({
      operation: 'UPDATE',
      namespace: 'demo',
      object: { ...bs, metadata: { name: 'a', namespace: 'demo', labels: { x: 'y' } } },
      oldObject: bs,
      storages: [bs],
    });
    assert.equal(d.allowed, true);
  });

  void test('rejects a change of spec.storage while repositories use it', () => {
    const old = storage(
      'demo',
      'a',
      { storage: s3('b', 'p') },
      { status: { repositories: [{ name: 'r', namespace: 'app', path: 'x' }] } },
    );
    const changed = storage('demo', 'a', { storage: s3('b', 'q') });
    const d = validateBackupStorage({
      operation: 'UPDATE',
      namespace: 'demo',
      object: changed,
      oldObject: old,
      storages: [old],
    });
    assert.equal(d.allowed, false);
    assert.match(
      decisionMessage(d),
      /^spec\.storage: BackupStorage is currently in use and cannot be modified \(1 repositories use it: app\/r\)/,
    );
  });

  void test('allows other changes while in use, and storage changes when unused', () => {
    const old = storage(
      'demo',
      'a',
      { storage: s3('b', 'p') },
      { status: { repositories: [{ name: 'r', namespace: 'app' }] } },
    );
    const relabelled = storage('demo', 'a', { storage: s3('b', 'p'), deletionPolicy: 'WipeOut' });
    assert.equal(
      validateBackupStorage({
        operation: 'UPDATE',
        namespace: 'demo',
        object: relabelled,
        oldObject: old,
        storages: [old],
      }).allowed,
      true,
    );
    const unused = storage('demo', 'a', { storage: s3('b', 'p') }, { status: { repositories: [] } });
    const moved = storage('demo', 'a', { storage: s3('b', 'q') });
    assert.equal(
      validateBackupStorage({
        operation: 'UPDATE',
        namespace: 'demo',
        object: moved,
        oldObject: unused,
        storages: [unused],
      }).allowed,
      true,
    );
  });
});
