// The S3 storage backend against MinIO, started by this file: the behaviours every provider shares, paging
// past 1000 keys, a wrong credential denied without showing its value, and an outage that is retryable.
// No dev cluster is needed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createBackend, listAll } from '../../../src/storage/backend.ts';
import { StorageErrorKind } from '../../../src/storage/classify.ts';
import { metadataKey, repositoryDirKey } from '../../../src/storage/paths.ts';
import { startMinio, type MinioServer } from '../../harness/objectstores.ts';
import { assertAccessDenied, close, isKind, open, PREFIX, ready, type Target } from './fixture.ts';
import { sharedBehaviours } from './shared-behaviours.ts';

describe('S3 backend (MinIO)', () => {
  let minio: MinioServer | undefined;
  let t: Target | undefined;
  before(async () => {
    minio = await startMinio();
    process.stdout.write(`# minio ready in ${minio.startupMs} ms\n`);
    await minio.createBucket('cairn-test');
    t = await open(
      minio.storageSpec('cairn-test', PREFIX),
      minio.storageSpec('never-created', PREFIX),
      minio.secretData,
      minio.backendOptions,
    );
  });
  after(async () => {
    await close(t);
    await minio?.dispose();
  });
  const server = (): MinioServer => {
    assert.ok(minio, 'MinIO did not start');
    return minio;
  };

  sharedBehaviours(() => ready(t));

  test('lists and deletes more than 1000 keys, across pages', async () => {
    const { storage, backend } = ready(t);
    const dirKey = repositoryDirKey(storage, 'many');
    const keys = Array.from(
      { length: 1005 },
      (_, i) => `${dirKey}/snapshots/s-${String(i).padStart(4, '0')}.yaml`,
    );
    const queue = [...keys];
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let key = queue.shift(); key !== undefined; key = queue.shift()) await backend.put(key, 'x');
      }),
    );
    assert.deepEqual(await listAll(backend, dirKey), keys);
    assert.equal(await backend.deleteUnder(dirKey), 1005);
    assert.deepEqual(await listAll(backend, dirKey), []);
  });

  test('a wrong credential is access-denied, and its value appears nowhere in the error', async () => {
    const { storage } = ready(t);
    const planted = {
      AWS_ACCESS_KEY_ID: `CAIRNPLANTED${randomBytes(4).toString('hex').toUpperCase()}`,
      AWS_SECRET_ACCESS_KEY: `cairn-planted-wrong-secret-${randomBytes(8).toString('hex')}`,
    };
    const wrongSecretOnly = {
      AWS_ACCESS_KEY_ID: server().accessKeyId,
      AWS_SECRET_ACCESS_KEY: planted.AWS_SECRET_ACCESS_KEY,
    };
    for (const secret of [planted, wrongSecretOnly]) {
      const backend = await createBackend(storage, secret, server().backendOptions);
      try {
        await assertAccessDenied(backend, storage, Object.values(planted));
      } finally {
        await backend.close();
      }
    }
  });

  test('a stopped MinIO is a retryable unreachable error, and the same backend works once it is back', async () => {
    const { storage, backend } = ready(t);
    const key = metadataKey(storage);
    await backend.put(key, 'before the outage');
    await server().stop();
    await assert.rejects(backend.get(key), isKind(StorageErrorKind.unreachable, true));
    await assert.rejects(backend.put(key, 'during'), isKind(StorageErrorKind.unreachable, true));
    await server().restart();
    process.stdout.write(`# minio restarted in ${server().startupMs} ms\n`);
    assert.equal((await backend.get(key)).toString('utf8'), 'before the outage');
    await backend.put(key, 'after the outage');
    assert.equal((await backend.get(key)).toString('utf8'), 'after the outage');
  });
});
