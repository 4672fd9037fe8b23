// The data path's central promise: for every provider and every command, secret values reach restic only
// through the environment or private files, never through argv or the repository URL, and the redactor
// built from a command's secrets removes every one of them.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import { backupCommand, dumpCommand, restoreCommand } from '../../../src/restic/argv-data.ts';
import {
  checkCommand,
  initCommand,
  pruneCommand,
  unlockCommand,
} from '../../../src/restic/argv-repository.ts';
import {
  copyCommand,
  forgetIdsCommand,
  forgetPolicyCommand,
  snapshotsCommand,
  statsCommand,
} from '../../../src/restic/argv-snapshots.ts';
import {
  keyAddCommand,
  keyListCommand,
  keyPasswdCommand,
  keyRemoveCommand,
} from '../../../src/restic/argv-keys.ts';
import { describeCommand, type ResticCommand } from '../../../src/restic/argv.ts';
import { buildRepositoryTarget, type ResticTarget } from '../../../src/restic/target.ts';
import { createRedactor } from '../../../src/common/redact.ts';
import type { StorageSpec } from '../../../src/storage/types.ts';

const ID = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const NEW_PASSWORD = 'zz-new-key-password-9321';

// Values chosen so that none of them can occur by accident in a bucket, path or flag.
const SECRETS = {
  RESTIC_PASSWORD: 'qq-restic-password-1187',
  AWS_ACCESS_KEY_ID: 'AKIAQQACCESSKEY5512',
  AWS_SECRET_ACCESS_KEY: 'qq/secret+access=key/7731',
  AWS_SESSION_TOKEN: 'qq-session-token-4410',
  GOOGLE_SERVICE_ACCOUNT_JSON_KEY: '{"type":"service_account","private_key":"qq-private-key-6620"}',
  GOOGLE_ACCESS_TOKEN: 'qq-google-token-3398',
  AZURE_ACCOUNT_KEY: 'qqAzureAccountKey0917==',
  AZURE_ACCOUNT_SAS: 'sv=2022&sig=qq-sas-signature-2284',
} as const;

const NOT_SECRET = {
  GOOGLE_PROJECT_ID: 'my-project',
  CA_CERT_DATA: 'ca-pem-body',
  AZURE_ENDPOINT_SUFFIX: 'core.x',
};

const STORAGES: Record<string, StorageSpec> = {
  s3: {
    provider: 's3',
    s3: {
      endpoint: 'https://minio.local:9000',
      bucket: 'b',
      prefix: 'p',
      region: 'r',
      maxConnections: 3,
      insecureTLS: true,
    },
  },
  gcs: { provider: 'gcs', gcs: { bucket: 'b', prefix: 'p', maxConnections: 3 } },
  azure: {
    provider: 'azure',
    azure: { storageAccount: 'acct', container: 'c', prefix: 'p', maxConnections: 3 },
  },
  local: { provider: 'local', local: { mountPath: '/safe/data', maxConnections: 3 } },
};

function target(storage: StorageSpec, dir: string): ResticTarget {
  const { RESTIC_PASSWORD, ...credentials } = SECRETS;
  return buildRepositoryTarget({
    storage,
    storageSecret: { ...credentials, ...NOT_SECRET },
    encryptionSecret: { RESTIC_PASSWORD },
    repositoryPath: '/cluster-manifests',
    componentPath: 'repository/v1/frequent-backup/manifest',
    secretsDir: dir,
    s3BucketLookup: 'path',
  });
}

function allCommands(t: ResticTarget): [string, ResticCommand][] {
  return [
    ['init', initCommand(t)],
    [
      'backup',
      backupCommand(t, { paths: ['/kubestash-tmp/manifest'], host: 'host-0', tags: ['x'], parent: ID }),
    ],
    ['snapshots', snapshotsCommand(t, { host: 'host-0', ids: [ID] })],
    ['forget ids', forgetIdsCommand(t, [ID], { prune: true })],
    ['forget policy', forgetPolicyCommand(t, { last: 3, daily: 7 }, { prune: true })],
    ['prune', pruneCommand(t, { maxUnused: '5%' })],
    ['check', checkCommand(t, { readDataSubset: '1/10' })],
    ['restore', restoreCommand(t, { snapshot: ID, target: '/restore', include: ['/a'] })],
    ['dump', dumpCommand(t, { snapshot: ID, file: '/a.yaml' })],
    ['stats', statsCommand(t, { mode: 'raw-data' })],
    ['unlock', unlockCommand(t, {}, { retryLock: '1m', cacheDir: '/cache' })],
    ['key list', keyListCommand(t)],
    ['key add', keyAddCommand(t, { newPassword: NEW_PASSWORD, user: 'u', host: 'h' })],
    ['key passwd', keyPasswdCommand(t, { newPassword: NEW_PASSWORD })],
    ['key remove', keyRemoveCommand(t, 'abcdef12')],
  ];
}

function secretForms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
}

const EVERY_SECRET = [...Object.values(SECRETS), 'qq-private-key-6620', NEW_PASSWORD];

function assertNoSecretIn(where: string, text: string): void {
  for (const secret of EVERY_SECRET) {
    for (const form of secretForms(secret)) {
      assert.ok(!text.includes(form), `${where} contains a secret`);
    }
  }
}

describe('no secret in argv or URL', () => {
  for (const [provider, storage] of Object.entries(STORAGES)) {
    test(`the ${provider} repository URL and target options hold no secret`, () => {
      const t = target(storage, '/run/cairn');
      assertNoSecretIn(`${provider} URL`, t.repository);
      assertNoSecretIn(`${provider} options`, JSON.stringify(t.options));
    });

    test(`every ${provider} command keeps secrets out of argv`, () => {
      for (const [name, command] of allCommands(target(storage, '/run/cairn'))) {
        for (const arg of command.args) assertNoSecretIn(`${provider} ${name} argv`, arg);
        assertNoSecretIn(`${provider} ${name} description`, describeCommand(command));
      }
    });

    test(`every ${provider} command carries its secrets only in env and files`, () => {
      for (const [name, command] of allCommands(target(storage, '/run/cairn'))) {
        const carried = [...Object.values(command.env), ...command.files.map((file) => file.contents)];
        assert.ok(
          carried.includes(SECRETS.RESTIC_PASSWORD),
          `${provider} ${name}: password missing from env`,
        );
        for (const file of command.files) assert.equal(file.mode, 0o600, `${provider} ${name}: ${file.path}`);
      }
    });

    test(`the redactor built from a ${provider} command removes every credential it carries`, () => {
      for (const [name, command] of allCommands(target(storage, '/run/cairn'))) {
        const redactor = createRedactor(command.secrets);
        const credentialEnv = Object.entries(command.env).filter(
          ([key]) =>
            ![
              'AWS_DEFAULT_REGION',
              'AZURE_ACCOUNT_NAME',
              'GOOGLE_PROJECT_ID',
              'AZURE_ENDPOINT_SUFFIX',
            ].includes(key) &&
            !key.endsWith('_CREDENTIALS') &&
            key !== 'RESTIC_PROGRESS_FPS',
        );
        for (const [key, envValue] of credentialEnv) {
          assert.ok(!redactor.redact(`value: ${envValue}`).includes(envValue), `${provider} ${name}: ${key}`);
        }
        for (const file of command.files.filter((f) => !f.path.endsWith('ca-cert.pem'))) {
          assert.ok(
            !redactor.redact(file.contents).includes(file.contents),
            `${provider} ${name}: ${file.path}`,
          );
        }
      }
    });
  }

  test('copy between two S3 repositories keeps both passwords out of argv', () => {
    const destination = target(STORAGES.s3!, '/run/dst');
    const source = { ...target(STORAGES.s3!, '/run/src') };
    source.env = { ...source.env, RESTIC_PASSWORD: 'qq-source-password-5531' };
    source.secrets = [...source.secrets, 'qq-source-password-5531'];
    const command = copyCommand(destination, source, { snapshots: [ID] });
    for (const arg of command.args) {
      assertNoSecretIn('copy argv', arg);
      assert.ok(!arg.includes('qq-source-password-5531'), 'copy argv holds the source password');
    }
    assert.equal(command.env.RESTIC_FROM_PASSWORD, 'qq-source-password-5531');
    assert.ok(command.secrets.includes('qq-source-password-5531'));
  });
});
