// restic argv builders, pure: key list/add/passwd/remove (the new password only ever in a private file)
// and copy between two repositories (credentials that one process can hold for both sides).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { copyCommand } from '../../../../src/restic/argv-snapshots.ts';
import {
  keyAddCommand,
  keyListCommand,
  keyPasswdCommand,
  keyRemoveCommand,
} from '../../../../src/restic/argv-keys.ts';
import { buildRepositoryTarget, type ResticTarget } from '../../../../src/restic/target.ts';
import { ResticUsageError } from '../../../../src/restic/errors.ts';
import { COMPONENT, ID, REPO, localTarget } from './fixture.ts';

describe('keys', () => {
  test('key list asks for JSON', () => {
    assert.deepEqual(keyListCommand(localTarget()).args, ['key', 'list', ...REPO, '--json']);
  });

  test('key add passes the new password as a private file, never as an argument', () => {
    const command = keyAddCommand(localTarget(), { newPassword: 'new-secret-pw', user: 'cairn', host: 'h' });
    assert.deepEqual(command.args, [
      'key',
      'add',
      ...REPO,
      '--new-password-file',
      '/run/cairn/dst/new-password',
      '--user',
      'cairn',
      '--host',
      'h',
    ]);
    assert.deepEqual(command.files, [
      { path: '/run/cairn/dst/new-password', contents: 'new-secret-pw', mode: 0o600 },
    ]);
    assert.ok(command.secrets.includes('new-secret-pw'));
    assert.ok(!command.args.some((arg) => arg.includes('new-secret-pw')));
  });

  test('key passwd uses the same private file', () => {
    const command = keyPasswdCommand(localTarget(), { newPassword: 'rotated-pw' });
    assert.deepEqual(command.args.slice(-2), ['--new-password-file', '/run/cairn/dst/new-password']);
  });

  test('an empty new password or one restic would trim is refused', () => {
    assert.throws(() => keyAddCommand(localTarget(), { newPassword: '' }), /is empty/);
    for (const newPassword of ['pw\n', ' pw', 'pw\t', '\uFEFFpw', 'pw\u0085']) {
      assert.throws(
        () => keyAddCommand(localTarget(), { newPassword }),
        /whitespace/,
        JSON.stringify(newPassword),
      );
    }
    for (const newPassword of ['inner space', 'p@ss:wörd/"\'$', 'x']) {
      assert.ok(keyAddCommand(localTarget(), { newPassword }), newPassword);
    }
  });

  test('key remove takes a hex key ID', () => {
    assert.deepEqual(keyRemoveCommand(localTarget(), 'a1b2c3d4').args, [
      'key',
      'remove',
      ...REPO,
      '--',
      'a1b2c3d4',
    ]);
    assert.throws(() => keyRemoveCommand(localTarget(), 'zz'), /key ID/);
  });
});

describe('copy', () => {
  function s3Target(dir: string, secretKey: string, password: string, prefix: string): ResticTarget {
    return buildRepositoryTarget({
      storage: { provider: 's3', s3: { endpoint: 'minio:9000', bucket: 'b', prefix, maxConnections: 4 } },
      storageSecret: {
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: secretKey,
        CA_CERT_DATA: `ca-${dir}`,
      },
      encryptionSecret: { RESTIC_PASSWORD: password },
      repositoryPath: 'repo',
      componentPath: COMPONENT,
      secretsDir: `/run/${dir}`,
    });
  }

  test('copy reads from --from-repo and passes the source password as RESTIC_FROM_PASSWORD', () => {
    const destination = s3Target('dst', 'shared-secret-key', 'dst-password', 'dst');
    const source = s3Target('src', 'shared-secret-key', 'src-password', 'src');
    const command = copyCommand(destination, source, { snapshots: [ID] });
    assert.deepEqual(command.args, [
      'copy',
      '--repo',
      `s3:minio:9000/b/dst/repo/${COMPONENT}`,
      '-o',
      's3.connections=4',
      '--cacert',
      '/run/dst/ca-cert.pem',
      '--cacert',
      '/run/src/ca-cert.pem',
      '--from-repo',
      `s3:minio:9000/b/src/repo/${COMPONENT}`,
      '--',
      ID,
    ]);
    assert.equal(command.env.RESTIC_PASSWORD, 'dst-password');
    assert.equal(command.env.RESTIC_FROM_PASSWORD, 'src-password');
    assert.equal(command.files.length, 2);
    assert.ok(command.secrets.includes('src-password') && command.secrets.includes('dst-password'));
  });

  test('copy refuses backends that need different credentials in one process', () => {
    const destination = s3Target('dst', 'secret-one', 'dst-password', 'dst');
    const source = s3Target('src', 'secret-two', 'src-password', 'src');
    assert.throws(
      () => copyCommand(destination, source),
      (err: unknown) => {
        assert.ok(err instanceof ResticUsageError);
        assert.match(err.message, /AWS_SECRET_ACCESS_KEY/);
        assert.doesNotMatch(err.message, /secret-one|secret-two/);
        return true;
      },
    );
  });

  test('copy refuses to turn off TLS verification for one side because the other needs it', () => {
    const destination = s3Target('dst', 'k', 'dst-password', 'dst');
    const source = { ...s3Target('src', 'k', 'src-password', 'src'), insecureTls: true };
    assert.throws(() => copyCommand(destination, source), /insecureTLS differs/);
  });

  test('copy refuses two different files at one path', () => {
    const destination = s3Target('same', 'k', 'dst-password', 'dst');
    const source = { ...s3Target('same', 'k', 'src-password', 'src') };
    source.files = [{ path: '/run/same/ca-cert.pem', contents: 'other', mode: 0o600 }];
    assert.throws(() => copyCommand(destination, source), /separate directories/);
  });
});
