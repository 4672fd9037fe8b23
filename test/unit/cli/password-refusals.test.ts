// `cairn repo password update` refuses, before any key or Secret changes, a rotation that would lock
// something out or that restic would carry out on another password than the one given. Against an
// in-memory client: restic is never started (every refusal comes first), and no Secret is written.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { KUBESTASH } from '../../../src/api/resource-type.ts';
import { RepoCliError } from '../../../src/cli/repo/errors.ts';
import { Output } from '../../../src/cli/repo/output.ts';
import { rotatePassword } from '../../../src/cli/repo/rotation.ts';
import { openWorkspace } from '../../../src/cli/repo/workspace.ts';
import { SecretBook } from '../../../src/repository/secret-book.ts';
import { fakeClient, type FakeClient } from '../repository/fake-client.ts';
import { NS, repositoryObject, secret, seed } from '../repository/fixtures.ts';

/** Runs `password update manifests --new-password-secret new-password [--component …]`; returns stderr. */
async function update(
  client: FakeClient,
  options: { component?: string } = {},
): Promise<{ result: Promise<unknown>; stderr: string[] }> {
  const book = new SecretBook();
  const stderr: string[] = [];
  const out = new Output('json', book, {
    stdout: { write: () => true },
    stderr: { write: (text: string) => stderr.push(text) },
  });
  const workspace = await openWorkspace({
    client,
    repository: { namespace: NS, name: 'manifests' },
    ...options,
    // Any executable file: the refusals below come before restic would run.
    restic: process.execPath,
    out,
    book,
    signal: new AbortController().signal,
  });
  const result = rotatePassword(
    { workspace, out, book, signal: new AbortController().signal },
    {
      namespace: NS,
      name: 'new-password',
    },
  ).finally(() => workspace.close());
  return { result, stderr };
}

async function refused(
  client: FakeClient,
  message: RegExp,
  options: { component?: string } = {},
): Promise<string[]> {
  const { result, stderr } = await update(client, options);
  await assert.rejects(result, (err: unknown) => err instanceof RepoCliError && message.test(err.message));
  assert.deepEqual(client.writes, [], 'no Secret was written');
  return stderr;
}

describe('password update refuses', () => {
  test('--component, since one encryption Secret holds the password of every component', async () => {
    const client = fakeClient(NS);
    seed(client);
    secret(client, 'new-password', { RESTIC_PASSWORD: 'a-new-password' });
    await refused(
      client,
      /^--component cannot be used with password update: the encryption Secret holds one password for every component/,
      { component: 'extra' },
    );
  });

  test('an encryption Secret that another Repository uses too, naming that Repository', async () => {
    const client = fakeClient(NS);
    seed(client);
    secret(client, 'new-password', { RESTIC_PASSWORD: 'a-new-password' });
    client.put(
      KUBESTASH.repositories,
      repositoryObject('neighbour', { encryptionSecret: { name: 'encryption', namespace: NS } }, [], 'other'),
    );
    await refused(
      client,
      /^Secret demo\/encryption is also the encryption Secret of Repository other\/neighbour; writing a new password into it would lock those out/,
    );
  });

  test('a shared Secret in its own namespace when Repositories cannot be listed cluster-wide, with a warning', async () => {
    const client = fakeClient(NS);
    seed(client);
    secret(client, 'new-password', { RESTIC_PASSWORD: 'a-new-password' });
    client.put(KUBESTASH.repositories, repositoryObject('sibling', {}, []));
    client.forbidClusterList(KUBESTASH.repositories);
    const stderr = await refused(client, /is also the encryption Secret of Repository demo\/sibling/);
    assert.match(
      stderr.join(''),
      /only namespace demo was checked for other Repositories sharing Secret demo\/encryption/,
    );
  });

  for (const [what, password] of [
    ['a leading space', ' new-password'],
    ['a trailing newline', 'new-password\n'],
    ['a trailing tab', 'new-password\t'],
    ['a byte-order mark', '\uFEFFnew-password'],
  ] as const) {
    test(`a new password with ${what}, which restic would strip from a password file`, async () => {
      const client = fakeClient(NS);
      seed(client);
      secret(client, 'new-password', { RESTIC_PASSWORD: password });
      await refused(
        client,
        /^key RESTIC_PASSWORD of Secret demo\/new-password starts or ends with whitespace, which restic would strip: put the new password there$/,
      );
    });
  }

  test('a new-password Secret without RESTIC_PASSWORD, saying the key is missing', async () => {
    const client = fakeClient(NS);
    seed(client);
    secret(client, 'new-password', { PASSWORD: 'x' });
    await refused(
      client,
      /^key RESTIC_PASSWORD of Secret demo\/new-password is empty \(the key is missing\)/,
    );
  });
});
