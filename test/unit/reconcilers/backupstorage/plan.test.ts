import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'yaml';
import {
  missingSecretKeys,
  ProblemKind,
  resolveSpec,
  secretProblem,
  storageProblem,
  type BackupStorageObject,
} from '../../../../src/reconcilers/backupstorage/backend.ts';
import { deletionNote } from '../../../../src/reconcilers/backupstorage/deletion.ts';
import {
  backendMetaYaml,
  planStatus,
  repositoryEntries,
  statusChanged,
  transitions,
  usesStorage,
  type RepositoryObject,
} from '../../../../src/reconcilers/backupstorage/plan.ts';
import { eventObject } from '../../../../src/controller/events.ts';
import { StorageBackendError } from '../../../../src/storage/classify.ts';
import { resolveStorage } from '../../../../src/storage/resolve.ts';

const NOW = new Date('2026-01-02T03:04:05.678Z');
const b64 = (s: string): string => Buffer.from(s).toString('base64');

function storage(over: Partial<BackupStorageObject['spec']> = {}): BackupStorageObject {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'minio', namespace: 'demo', generation: 2, uid: 'u1', resourceVersion: '7' },
    spec: {
      storage: {
        provider: 's3',
        s3: { endpoint: 'http://minio:9000', bucket: 'b', prefix: 'demo', secretName: 's3-secret' },
      },
      ...over,
    },
  };
}

function repo(name: string, ns: string, storageRef: { name: string; namespace?: string }, size?: string) {
  return {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name, namespace: ns },
    spec: { storageRef, path: `/${name}` },
    ...(size ? { status: { size } } : {}),
  } as RepositoryObject;
}

const s3 = resolveStorage({ provider: 's3', s3: { bucket: 'b', secretName: 's3-secret' } });

test('an s3 Secret lacking half the access key pair is reported with the missing key', () => {
  assert.deepEqual(missingSecretKeys(s3, { AWS_ACCESS_KEY_ID: 'a' }), ['AWS_SECRET_ACCESS_KEY']);
  assert.deepEqual(missingSecretKeys(s3, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: '' }), [
    'AWS_SECRET_ACCESS_KEY',
  ]);
  assert.deepEqual(missingSecretKeys(s3, { AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' }), []);
  const azure = resolveStorage({ provider: 'azure', azure: { storageAccount: 'a', container: 'c' } });
  assert.deepEqual(missingSecretKeys(azure, { AZURE_ACCOUNT_SAS: 'sig' }), []);
  assert.deepEqual(missingSecretKeys(azure, {}), ['AZURE_ACCOUNT_KEY']);
});

test('a missing Secret is named with its namespace, the field naming it and the fix', () => {
  const p = secretProblem(storage(), s3, undefined);
  assert.equal(p?.kind, ProblemKind.secretMissing);
  assert.match(
    p?.message ?? '',
    /Secret demo\/s3-secret named by spec\.storage\.s3\.secretName .* does not exist: create it/,
  );
  const partial = secretProblem(storage(), s3, { data: { AWS_ACCESS_KEY_ID: b64('k') } });
  assert.equal(partial?.kind, ProblemKind.secretKeys);
  assert.match(partial?.message ?? '', /has no AWS_SECRET_ACCESS_KEY: add it/);
});

test('an invalid spec becomes a spec problem naming the field', () => {
  const r = resolveSpec(storage({ storage: { provider: 's3', s3: { bucket: '' } } }));
  assert.ok('kind' in r && r.kind === ProblemKind.spec);
});

test('storage errors say whether the credentials, the bucket or the endpoint is wrong, and only the endpoint is retried', () => {
  const err = (kind: 'access-denied' | 'bucket-missing' | 'unreachable', retryable: boolean) =>
    new StorageBackendError(
      {
        kind,
        retryable,
        provider: 's3',
        operation: 'stat',
        key: 'demo/metadata.yaml',
        status: 403,
        code: 'X',
      },
      's3 stat "demo/metadata.yaml": detail',
    );
  const denied = storageProblem(storage(), s3, err('access-denied', false));
  assert.equal(denied.kind, ProblemKind.credentials);
  assert.match(denied.message, /rejected the credentials in Secret demo\/s3-secret/);
  assert.equal(denied.retryable, false);
  assert.equal(storageProblem(storage(), s3, err('bucket-missing', false)).kind, ProblemKind.bucket);
  const down = storageProblem(storage(), s3, err('unreachable', true));
  assert.equal(down.kind, ProblemKind.unreachable);
  assert.equal(down.retryable, true);
});

test('an initialised storage with its Secret is Ready, with the repositories that name it and their total size', () => {
  const bs = storage();
  const repos = [
    repo('b', 'demo', { name: 'minio' }, '1 MiB'),
    repo('a', 'other', { name: 'minio', namespace: 'demo' }, '512 KiB'),
  ];
  assert.ok(repos.every((r) => usesStorage(r, bs)));
  assert.equal(usesStorage(repo('c', 'other', { name: 'minio' }), bs), false);
  const s = planStatus({
    bs,
    secretNamed: true,
    secretProblem: undefined,
    init: { state: 'initialized', wrote: true },
    repos,
    now: NOW,
  });
  assert.equal(s.phase, 'Ready');
  assert.equal(s.totalSize, '1.500 MiB');
  assert.deepEqual(
    s.repositories?.map((r) => `${r.namespace}/${r.name}`),
    ['demo/b', 'other/a'],
  );
  const init = s.conditions?.find((c) => c.type === 'BackendInitialized');
  assert.deepEqual(init, {
    type: 'BackendInitialized',
    status: 'True',
    reason: 'BackendInitializationSucceeded',
    message: 'Successfully initialized backend.',
    observedGeneration: 2,
    lastTransitionTime: '2026-01-02T03:04:05Z',
  });
});

test('a missing Secret makes the storage NotReady with BackendSecretFound False', () => {
  const bs = storage();
  const problem = secretProblem(bs, s3, undefined);
  const s = planStatus({
    bs,
    secretNamed: true,
    secretProblem: problem,
    init: { state: 'failed', problem: problem! },
    repos: [],
    now: NOW,
  });
  assert.equal(s.phase, 'NotReady');
  assert.equal(s.conditions?.find((c) => c.type === 'BackendSecretFound')?.status, 'False');
  assert.equal(
    s.conditions?.find((c) => c.type === 'BackendInitialized')?.reason,
    'BackendInitializationFailed',
  );
});

test('a local storage whose Job has not finished is not reported initialised: BackendInitialized is Unknown and the phase NotReady', () => {
  const s = planStatus({
    bs: storage(),
    secretNamed: false,
    secretProblem: undefined,
    init: { state: 'pending', message: 'Job demo/x was started' },
    repos: [],
    now: NOW,
  });
  assert.equal(s.phase, 'NotReady');
  const c = s.conditions?.find((x) => x.type === 'BackendInitialized');
  assert.equal(c?.status, 'Unknown');
  assert.equal(c?.reason, 'LocalBackendInitializing');
  assert.match(c?.message ?? '', /Job demo\/x was started/);
  assert.equal(
    s.conditions?.some((x) => x.type === 'BackendSecretFound'),
    false,
  );
});

test('the same status in another key order is not a change; a new condition is, and is a transition', () => {
  const bs = storage();
  const s = planStatus({
    bs,
    secretNamed: true,
    secretProblem: undefined,
    init: { state: 'initialized', wrote: false },
    repos: [],
    now: NOW,
  });
  const reordered = JSON.parse(
    JSON.stringify({ conditions: s.conditions, repositories: [], totalSize: s.totalSize, phase: s.phase }),
  ) as typeof s;
  assert.equal(statusChanged(reordered, s), false);
  assert.equal(statusChanged(undefined, s), true);
  assert.deepEqual(
    transitions(undefined, s.conditions as never).map((c) => c.type),
    ['BackendSecretFound', 'BackendInitialized'],
  );
  assert.deepEqual(transitions(s.conditions as never, s.conditions as never), []);
});

test('unreadable repository sizes are left out of the total', () => {
  const r = repositoryEntries([
    repo('a', 'demo', { name: 'x' }, 'lots'),
    repo('b', 'demo', { name: 'x' }, '2 KiB'),
  ]);
  assert.equal(r.totalSize, '2.000 KiB');
});

test('metadata.yaml is a BackendMeta with a second-precision UTC time and the operator version', () => {
  assert.deepEqual(parse(backendMetaYaml(NOW, '0.3.0')), {
    apiVersion: 'config.kubestash.com/v1alpha1',
    kind: 'BackendMeta',
    creationTimestamp: '2026-01-02T03:04:05Z',
    operatorVersion: '0.3.0',
  });
});

test('deleting a storage says the data was kept, and WipeOut says it was not performed', () => {
  const repos = [repo('r', 'demo', { name: 'minio' })];
  const del = deletionNote(storage(), repos);
  assert.equal(del.type, 'Normal');
  assert.match(del.note, /data was kept\. Repository objects still naming it were left in place: demo\/r\./);
  const wipe = deletionNote(storage({ deletionPolicy: 'WipeOut' }), []);
  assert.equal(wipe.type, 'Warning');
  assert.equal(wipe.reason, 'WipeOutNotPerformed');
  assert.match(wipe.note, /was kept/);
});

test('an Event is about its object, in its namespace, with a microsecond event time and a bounded note', () => {
  const e = eventObject(
    { regarding: storage(), type: 'Warning', reason: 'R', action: 'A', note: 'x'.repeat(2000) },
    NOW,
    'cairn-0',
  );
  assert.equal(e.metadata?.namespace, 'demo');
  assert.equal(e.metadata?.generateName, 'minio-');
  assert.equal(e.eventTime, '2026-01-02T03:04:05.678000Z');
  assert.equal((e.note as string).length, 1024);
  assert.deepEqual(e.regarding, {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    name: 'minio',
    namespace: 'demo',
    uid: 'u1',
    resourceVersion: '7',
  });
});

test('a repository.yaml becomes a Repository on this storage with only its name, namespace, labels and spec', async () => {
  const { repositoryFromFile } = await import('../../../../src/reconcilers/backupstorage/sync.ts');
  const text = [
    'apiVersion: storage.kubestash.com/v1alpha1',
    'kind: Repository',
    'metadata: {name: r, namespace: team, uid: old, labels: {a: b}}',
    'spec: {storageRef: {name: other, namespace: x}, path: /r, deletionPolicy: Delete}',
    'status: {phase: Ready}',
  ].join('\n');
  assert.deepEqual(repositoryFromFile(text, storage()), {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'Repository',
    metadata: { name: 'r', namespace: 'team', labels: { a: 'b' } },
    spec: { storageRef: { name: 'minio', namespace: 'demo' }, path: '/r', deletionPolicy: 'Delete' },
  });
  assert.equal(repositoryFromFile('kind: Snapshot\nmetadata: {}\nspec: {}', storage()), 'not a Repository');
  assert.equal(repositoryFromFile(': : :', storage()), 'not YAML');
  assert.equal(
    repositoryFromFile('kind: Repository\nmetadata: {name: r}\nspec: {path: /r}', storage()),
    'no metadata.name, metadata.namespace or spec.path',
  );
});
