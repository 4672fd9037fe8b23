// `cairn repo password update` as a user runs it (bin/cairn against the shared dev cluster and a MinIO):
// rotating every component and the encryption Secret, and finishing a rotation that was interrupted.
// Every password and credential is planted in distinctive values that must never show up in the CLI's output.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ResticError } from '../../../src/restic/errors.ts';
import { clusterTest, type ClusterContext } from '../../harness/cluster.ts';
import {
  EXTRA,
  MANIFEST,
  NEW_PASSWORD,
  OTHER_PASSWORD,
  PASSWORD,
  UNLISTED,
  assertNoPlantedSecret,
  cairnRepo,
  fixture,
  json,
  readPassword,
  secret,
  setUp,
  tearDown,
  tree,
  update,
  type Fixture,
  type SnapshotsJson,
} from './fixture.ts';

before(() => setUp('cairn-repo-cli-password'));
after(tearDown);

interface PasswordJson {
  ok: boolean;
  secretUpdated: boolean;
  components: { path: string; state: string; removedKeyId?: string }[];
}

/** The IDs of every key of a component, opened with `password`. */
async function keyIds(f: Fixture, component: string, password: string): Promise<string[]> {
  const repo = await f.open(component, password);
  try {
    return (await repo.keys()).map((k) => k.id).sort();
  } finally {
    await repo.close();
  }
}

async function assertOnlyOpensWith(
  f: Fixture,
  component: string,
  password: string,
  old: string,
): Promise<void> {
  const withNew = await f.open(component, password);
  const withOld = await f.open(component, old);
  try {
    assert.equal((await withNew.snapshots()).length, 1);
    assert.equal((await withNew.keys()).length, 1, `${component} keeps exactly one key`);
    await assert.rejects(
      withOld.snapshots(),
      (err: unknown) => err instanceof ResticError && err.kind === 'wrong-password',
    );
  } finally {
    await Promise.all([withNew.close(), withOld.close()]);
  }
}

async function annotations(ctx: ClusterContext, name: string): Promise<Record<string, string>> {
  const s = await ctx.core.readNamespacedSecret({ name, namespace: ctx.namespace });
  return s.metadata?.annotations ?? {};
}

clusterTest('repo password update rotates every component and updates the encryption Secret', async (ctx) => {
  const f = await fixture(ctx, [MANIFEST, EXTRA]);
  await secret(ctx, 'new-password', { RESTIC_PASSWORD: NEW_PASSWORD });

  const missing = await update(ctx, 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`Secret ${ctx.namespace}/nope .*does not exist`));
  const one = await update(ctx, 'new-password', 'manifests', '--component', 'extra');
  assert.equal(one.code, 1);
  assert.match(one.stderr, /--component cannot be used with password update/);
  assert.equal(await readPassword(ctx, 'encryption'), PASSWORD);

  // An earlier run was interrupted after adding the new key to one component.
  const interrupted = await f.open(MANIFEST);
  try {
    await interrupted.addKey(NEW_PASSWORD);
  } finally {
    await interrupted.close();
  }
  const oldKeys = await keyIds(f, EXTRA, PASSWORD);
  // A component repository in the storage that status.componentPaths does not list.
  const unlisted = await f.open(UNLISTED);
  try {
    await unlisted.init();
    await unlisted.backup({ paths: [tree], host: 'host-0' });
  } finally {
    await unlisted.close();
  }

  const rotated = await update(ctx, 'new-password');
  assert.equal(rotated.code, 0, rotated.stderr);
  const report = json<PasswordJson>(rotated);
  assert.equal(report.ok, true);
  assert.equal(report.secretUpdated, true);
  assert.deepEqual(
    report.components.map((c) => [c.path, c.state]),
    [
      [MANIFEST, 'rotated'],
      [EXTRA, 'rotated'],
      [UNLISTED, 'rotated'],
    ],
  );
  assert.match(rotated.stderr, new RegExp(`does not list: ${UNLISTED}; rotating them too`));
  assert.deepEqual([report.components[1]?.removedKeyId], oldKeys);
  assert.equal(await readPassword(ctx, 'encryption'), NEW_PASSWORD);
  assert.deepEqual(Object.keys(await annotations(ctx, 'encryption')), [], 'no rotation left pending');
  for (const component of [MANIFEST, EXTRA, UNLISTED]) {
    await assertOnlyOpensWith(f, component, NEW_PASSWORD, PASSWORD);
  }

  // Run again: nothing left to do, and the CLI keeps working from the updated Secret.
  const again = await update(ctx, 'new-password');
  assert.equal(again.code, 1, 'the Secret already holds the new password');
  assert.match(again.stderr, /holds the password already in use/);
  const listed = await cairnRepo(ctx, ['snapshots', 'manifests', '-o', 'json']);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(json<SnapshotsJson>(listed).ok, true);
});

clusterTest('repo password update finishes a rotation whose old keys were not all removed', async (ctx) => {
  const f = await fixture(ctx, [MANIFEST, EXTRA]);
  // The state a run leaves when it fails after writing the Secret: both keys on every component, the new
  // password in the Secret, the old key IDs in the annotation.
  const oldKeys: Record<string, string> = {};
  for (const component of [MANIFEST, EXTRA]) {
    const repo = await f.open(component);
    try {
      oldKeys[component] = (await repo.keys()).find((k) => k.current)?.id ?? '';
      await repo.addKey(NEW_PASSWORD);
    } finally {
      await repo.close();
    }
  }
  const pendingState = async (password: string): Promise<void> => {
    await ctx.core.replaceNamespacedSecret({
      name: 'encryption',
      namespace: ctx.namespace,
      body: {
        metadata: {
          name: 'encryption',
          annotations: {
            'cairn.dev/password-rotation-pending': JSON.stringify({
              newPasswordSecret: `${ctx.namespace}/new-password`,
              oldKeys,
            }),
          },
        },
        stringData: { RESTIC_PASSWORD: password },
      },
    });
  };

  // The Secret was reverted to the old password after the rotation wrote it: no key may go.
  await pendingState(PASSWORD);
  const reverted = await update(ctx, 'new-password');
  assert.equal(reverted.code, 1);
  assert.match(reverted.stderr, /is the one the Secret's password opens .*not removing it/);
  for (const component of [MANIFEST, EXTRA]) {
    assert.equal((await keyIds(f, component, PASSWORD)).length, 2, `${component} keeps both keys`);
  }

  await pendingState(NEW_PASSWORD);
  await secret(ctx, 'other-password', { RESTIC_PASSWORD: OTHER_PASSWORD });
  const other = await update(ctx, 'other-password');
  assert.equal(other.code, 1);
  assert.match(other.stderr, /is unfinished .*--new-password-secret \S+\/new-password again/);

  // The new-password Secret is not needed to finish (it was never created here): the encryption Secret
  // holds the password already.
  const finished = await update(ctx, 'new-password');
  assert.equal(finished.code, 0, finished.stderr);
  const report = json<PasswordJson>(finished);
  assert.deepEqual(
    report.components.map((c) => [c.path, c.state, c.removedKeyId]),
    [
      [MANIFEST, 'rotated', oldKeys[MANIFEST]],
      [EXTRA, 'rotated', oldKeys[EXTRA]],
    ],
  );
  assert.deepEqual(Object.keys(await annotations(ctx, 'encryption')), []);
  for (const component of [MANIFEST, EXTRA]) await assertOnlyOpensWith(f, component, NEW_PASSWORD, PASSWORD);
});

test('no planted password or credential appears in any output of the CLI', () => assertNoPlantedSecret(10));
