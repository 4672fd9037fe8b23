// From a Repository's name to its opened component repositories (src/repository), against an in-memory
// client: what is read, what is refused with which message, what is registered for redaction, and where
// the component repositories are.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { K8S } from '../../../src/api/resource-type.ts';
import { RepositoryAccessError } from '../../../src/repository/errors.ts';
import { RepositoryObjects } from '../../../src/repository/objects.ts';
import { openComponentRepositories } from '../../../src/repository/open.ts';
import { resolveRepository } from '../../../src/repository/resolve.ts';
import { SecretBook } from '../../../src/repository/secret-book.ts';
import { fakeClient } from './fake-client.ts';
import { EXTRA, MANIFEST, NS, PASSWORD, SECRET_KEY, secret, seed } from './fixtures.ts';

const KEY = { namespace: NS, name: 'manifests' };

async function resolveFails(change: Parameters<typeof seed>[1], message: RegExp): Promise<void> {
  const client = fakeClient(NS);
  seed(client, change);
  await assert.rejects(
    resolveRepository(new RepositoryObjects(client), KEY, new SecretBook()),
    (err: unknown) => err instanceof RepositoryAccessError && message.test(err.message),
  );
}

describe('resolving a Repository', () => {
  test('reads the Repository, its BackupStorage and both Secrets, and registers every credential', async () => {
    const client = fakeClient(NS);
    seed(client);
    const book = new SecretBook();
    const resolved = await resolveRepository(new RepositoryObjects(client), KEY, book);
    assert.deepEqual(resolved.repository.componentPaths, [MANIFEST, EXTRA]);
    assert.equal(resolved.storage.provider, 's3');
    assert.equal(resolved.storageSecret?.data.AWS_SECRET_ACCESS_KEY, SECRET_KEY);
    assert.equal(resolved.encryptionSecret.data.RESTIC_PASSWORD, PASSWORD);
    assert.equal(book.redact(`${PASSWORD} ${SECRET_KEY} AKIAUNITTEST`), '[REDACTED] [REDACTED] [REDACTED]');
  });

  test('a Repository that does not exist is named', async () => {
    const client = fakeClient(NS);
    await assert.rejects(
      resolveRepository(new RepositoryObjects(client), KEY, new SecretBook()),
      /Repository demo\/manifests not found/,
    );
  });

  test('a Repository without spec.encryptionSecret is refused, saying what to set', async () => {
    await resolveFails({ repository: { encryptionSecret: null } }, /has no spec\.encryptionSecret: set it/);
  });

  test('a BackupStorage whose spec does not validate is refused, naming it and the field', async () => {
    await resolveFails(
      { storage: { provider: 's3', s3: { bucket: '' } } },
      /^BackupStorage demo\/s3: spec\.storage\.s3\.bucket must be set/,
    );
  });

  test('a missing Secret and a Secret without RESTIC_PASSWORD are refused, naming the Secret', async () => {
    await resolveFails(
      { repository: { encryptionSecret: { name: 'nope' } } },
      /Secret demo\/nope .*does not exist: create it/,
    );
    const client = fakeClient(NS);
    seed(client);
    secret(client, 'encryption', { PASSWORD: PASSWORD });
    await assert.rejects(
      resolveRepository(new RepositoryObjects(client), KEY, new SecretBook()),
      /Secret demo\/encryption has no key RESTIC_PASSWORD/,
    );
  });
});

describe('opening the component repositories', () => {
  test('a component opens at its path in the storage, and close removes the work directory', async () => {
    const client = fakeClient(NS);
    seed(client);
    const book = new SecretBook();
    const resolved = await resolveRepository(new RepositoryObjects(client), KEY, book);
    const parent = mkdtempSync(join(tmpdir(), 'cairn-open-test-'));
    try {
      const repositories = await openComponentRepositories(resolved, book, { workParent: parent });
      const repo = await repositories.open(MANIFEST);
      assert.equal(repo.location, `s3:http://127.0.0.1:9/backups/p/cluster-manifests/${MANIFEST}`);
      assert.equal(repo.withPassword('other').target.env.RESTIC_PASSWORD, 'other');
      assert.equal(readdirSync(parent).length, 1);
      await repositories.close();
      assert.deepEqual(readdirSync(parent), []);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  test('a local storage is reached at the local root: its components are found and a lock file removed', async () => {
    const client = fakeClient(NS);
    seed(client, { storage: { provider: 'local', local: { mountPath: '/safe/data' } } });
    const root = mkdtempSync(join(tmpdir(), 'cairn-local-root-'));
    const lock = 'c'.repeat(64);
    for (const component of [MANIFEST, 'repository/v1/weekly/other']) {
      mkdirSync(join(root, 'cluster-manifests', component, 'locks'), { recursive: true });
      writeFileSync(join(root, 'cluster-manifests', component, 'config'), 'x');
    }
    writeFileSync(join(root, 'cluster-manifests', MANIFEST, 'locks', lock), '{}');
    mkdirSync(join(root, 'cluster-manifests', 'repository/v1/weekly/not-a-repository'), { recursive: true });
    const book = new SecretBook();
    const resolved = await resolveRepository(new RepositoryObjects(client), KEY, book);
    const repositories = await openComponentRepositories(resolved, book, { localRoot: root });
    try {
      assert.deepEqual(await repositories.find(), [MANIFEST, 'repository/v1/weekly/other']);
      assert.equal((await repositories.open(MANIFEST)).location, join(root, 'cluster-manifests', MANIFEST));
      await repositories.withLockDeleter(MANIFEST, (deleteLock) => deleteLock(lock));
      assert.deepEqual(readdirSync(join(root, 'cluster-manifests', MANIFEST, 'locks')), []);
    } finally {
      await repositories.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("the local roots of a Job pick each local storage's directory by namespace/name and leave other providers alone", async () => {
    const local = fakeClient(NS);
    seed(local, { storage: { provider: 'local', local: { mountPath: '/safe/data' } } });
    const book = new SecretBook();
    const roots = new Map([['demo/s3', '/job/volume']]);
    const resolved = await resolveRepository(new RepositoryObjects(local), KEY, book);
    const repositories = await openComponentRepositories(resolved, book, { localRoots: roots });
    try {
      assert.equal(
        (await repositories.open(MANIFEST)).location,
        join('/job/volume', 'cluster-manifests', MANIFEST),
      );
    } finally {
      await repositories.close();
    }
    const remote = fakeClient(NS);
    seed(remote);
    const s3 = await resolveRepository(new RepositoryObjects(remote), KEY, book);
    const opened = await openComponentRepositories(s3, book, { localRoots: roots });
    await opened.close();
    assert.equal(opened.storageSpec.provider, 's3');
  });

  test('a local root for a storage that is not local is refused', async () => {
    const client = fakeClient(NS);
    seed(client);
    const book = new SecretBook();
    const resolved = await resolveRepository(new RepositoryObjects(client), KEY, book);
    await assert.rejects(
      openComponentRepositories(resolved, book, { localRoot: '/mnt' }),
      /a local root applies to local BackupStorages only; demo\/s3 is s3/,
    );
  });
});

describe('updating the encryption Secret', () => {
  test('a Secret changed since it was read is never overwritten', async () => {
    const client = fakeClient(NS);
    seed(client);
    const objects = new RepositoryObjects(client);
    const read = await objects.secret({ namespace: NS, name: 'encryption' }, 'the encryption Secret');
    const written = await objects.updateSecret(read, {
      data: { RESTIC_PASSWORD: 'next' },
      annotations: { a: 'b' },
    });
    assert.equal(written.data.RESTIC_PASSWORD, 'next');
    assert.equal(written.annotations.a, 'b');
    await assert.rejects(
      objects.updateSecret(read, { data: { RESTIC_PASSWORD: 'again' } }),
      /Secret demo\/encryption changed while the password was being rotated/,
    );
    assert.deepEqual(client.writes, [`replace /${K8S.secrets.plural}/${NS}/encryption`]);
  });
});
