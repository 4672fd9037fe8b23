import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { ensureStorageJob } from '../../../../src/reconcilers/storage-job/ensure.ts';
import {
  servedKey,
  storageJob,
  storageJobName,
  storageJobState,
  type StorageJobRequest,
} from '../../../../src/reconcilers/storage-job/job.ts';
import type { Informer } from '../../../../src/kube/informer.ts';
import type { KubeClient, KubeObject } from '../../../../src/kube/types.ts';

const storage = {
  namespace: 'demo',
  name: 'local-storage',
  uid: 'bs-uid',
  spec: { storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/data' } } } },
};
const request: StorageJobRequest = {
  storage,
  operation: { op: 'write', key: 'metadata.yaml', ifAbsent: true },
  content: 'kind: BackendMeta\n',
  owner: {
    apiVersion: 'storage.kubestash.com/v1alpha1',
    kind: 'BackupStorage',
    metadata: { name: 'local-storage', namespace: 'demo', uid: 'bs-uid' },
  },
  purpose: 'initializer',
  image: 'cairn:dev',
};

void describe('storageJob', () => {
  void test('runs cairn storage with the storage mounted, the content base64 in env, no API token', () => {
    const job = storageJob(request);
    const pod = job.spec?.template.spec;
    const c = pod?.containers[0];
    assert.equal(job.metadata?.namespace, 'demo');
    assert.deepEqual(c?.args, [
      'storage',
      'write',
      '--storage=demo/local-storage',
      '--key=metadata.yaml',
      '--if-absent',
    ]);
    assert.equal(c?.image, 'cairn:dev');
    assert.equal(pod?.automountServiceAccountToken, false);
    assert.equal(pod?.restartPolicy, 'Never');
    assert.equal(job.spec?.backoffLimit, 0);
    assert.ok((job.spec?.ttlSecondsAfterFinished ?? 0) > 0);
    assert.deepEqual(
      c?.volumeMounts?.map((m) => m.mountPath),
      ['/safe/data'],
    );
    assert.deepEqual(
      pod?.volumes?.map((v) => v.hostPath?.path),
      ['/data'],
    );
    const env = Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(env.CAIRN_LOCAL_STORAGE_ROOTS, 'demo/local-storage=/safe/data');
    assert.equal(Buffer.from(env.CAIRN_STORAGE_CONTENT ?? '', 'base64').toString(), 'kind: BackendMeta\n');
    assert.equal(job.metadata?.labels?.['app.kubernetes.io/component'], 'kubestash-initializer');
    assert.equal(servedKey(job, 'BackupStorage'), 'demo/local-storage');
    assert.equal(servedKey(job, 'Repository'), undefined);
  });

  void test('is owned by the object it serves in the same namespace, else by the storage', () => {
    assert.equal(storageJob(request).metadata?.ownerReferences?.[0]?.uid, 'bs-uid');
    const repo = storageJob({
      ...request,
      purpose: 'uploader',
      owner: {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'r', namespace: 'demo', uid: 'r-uid' },
      },
    });
    assert.equal(repo.metadata?.ownerReferences?.[0]?.kind, 'Repository');
    const elsewhere = storageJob({
      ...request,
      owner: {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'r', namespace: 'apps', uid: 'r-uid' },
      },
    });
    assert.deepEqual(
      [elsewhere.metadata?.ownerReferences?.[0]?.kind, elsewhere.metadata?.ownerReferences?.[0]?.uid],
      ['BackupStorage', 'bs-uid'],
    );
    assert.equal(servedKey(elsewhere, 'Repository'), 'apps/r');
  });

  void test('is named deterministically, differently for another content, within 63 characters', () => {
    assert.equal(storageJobName(request), storageJobName({ ...request }));
    assert.notEqual(storageJobName(request), storageJobName({ ...request, content: 'other' }));
    const moved = {
      ...storage,
      spec: {
        storage: { provider: 'local', local: { mountPath: '/safe/data', hostPath: { path: '/elsewhere' } } },
      },
    };
    assert.notEqual(storageJobName(request), storageJobName({ ...request, storage: moved }));
    assert.notEqual(
      storageJobName(request),
      storageJobName({ ...request, operation: { op: 'remove-tree', prefix: '' } }),
    );
    const long = storageJobName({
      ...request,
      owner: { ...request.owner, metadata: { ...request.owner.metadata, name: 'x'.repeat(253) } },
    });
    assert.ok(long.length <= 63, long);
    assert.match(long, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

const job = (conditions: object[]): KubeObject => ({
  metadata: { name: 'j', namespace: 'demo', uid: 'j-uid' },
  status: { conditions },
});

void describe('storageJobState', () => {
  void test('absent, pending, succeeded', () => {
    assert.equal(storageJobState(undefined).state, 'absent');
    assert.equal(storageJobState(job([])).state, 'pending');
    assert.equal(storageJobState(job([{ type: 'Complete', status: 'True' }])).state, 'succeeded');
  });

  void test('a running Job says why its pod waits, when it does', () => {
    const pod: V1Pod = {
      metadata: { name: 'p' },
      status: {
        containerStatuses: [
          {
            name: 'storage',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: {
              waiting: { reason: 'CreateContainerConfigError', message: 'hostPath /x is not a directory' },
            },
          },
        ],
      },
    };
    const s = storageJobState(job([]), [pod]);
    assert.equal(s.state, 'pending');
    assert.match(
      s.state === 'pending' ? s.message : '',
      /Job demo\/j has not finished yet: pod p is waiting \(CreateContainerConfigError: hostPath \/x is not a directory\)/,
    );
    const creating: V1Pod = {
      metadata: { name: 'p' },
      status: {
        containerStatuses: [
          {
            name: 'storage',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: 'ContainerCreating' } },
          },
        ],
      },
    };
    assert.deepEqual(storageJobState(job([]), [creating]), {
      state: 'pending',
      message: 'Job demo/j has not finished yet',
    });
  });

  void test("a failure says the pod's termination message, else the Job condition's, and where the log is", () => {
    const failed = job([
      {
        type: 'Failed',
        status: 'True',
        reason: 'BackoffLimitExceeded',
        message: 'Job has reached the specified backoff limit',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ]);
    const plain = storageJobState(failed);
    assert.equal(plain.state, 'failed');
    assert.match(
      plain.state === 'failed' ? plain.message : '',
      /BackoffLimitExceeded: Job has reached.*kubectl logs job\/j -n demo/,
    );
    const pod: V1Pod = {
      status: {
        containerStatuses: [
          {
            name: 'storage',
            image: '',
            imageID: '',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 1, message: 'the storage root /safe/data is not a directory' } },
          },
        ],
      },
    };
    const told = storageJobState(failed, [pod]);
    assert.match(
      told.state === 'failed' ? told.message : '',
      /Job demo\/j failed \(the storage root \/safe\/data is not a directory\)/,
    );
    assert.equal(told.state === 'failed' ? told.finishedAt : '', '2026-01-01T00:00:00Z');
  });
});

void describe('ensureStorageJob', () => {
  function fixture(existing?: KubeObject) {
    const calls: string[] = [];
    const client = {
      create: (_r: unknown, body: KubeObject) => {
        calls.push(`create ${body.metadata?.name ?? ''}`);
        return Promise.resolve(body);
      },
      list: () => {
        calls.push('list pods');
        return Promise.resolve({ items: [], metadata: { resourceVersion: '1' } });
      },
      delete: (_r: unknown, name: string) => {
        calls.push(`delete ${name}`);
        return Promise.resolve(true);
      },
    } as unknown as KubeClient;
    const jobs = { get: () => existing } as unknown as Informer<KubeObject>;
    return {
      calls,
      deps: {
        client,
        jobs,
        image: 'cairn:dev',
        retryMs: 60_000,
        now: () => new Date('2026-01-01T00:05:00Z'),
      },
    };
  }
  const { image: _image, ...req } = request;

  void test('creates the Job when absent and says it is pending', async () => {
    const f = fixture();
    assert.equal((await ensureStorageJob(f.deps, req)).state, 'pending');
    assert.deepEqual(f.calls, [`create ${storageJobName(request)}`]);
  });

  void test('creates nothing while the Job runs, and reports its success', async () => {
    const running = fixture(job([]));
    assert.equal((await ensureStorageJob(running.deps, req)).state, 'pending');
    assert.deepEqual(running.calls, ['list pods']);
    const f = fixture(job([{ type: 'Complete', status: 'True' }]));
    assert.equal((await ensureStorageJob(f.deps, req)).state, 'succeeded');
    assert.deepEqual(f.calls, []);
  });

  void test('deletes a failed Job once the retry time has passed, so the next run makes it again', async () => {
    const recent = fixture(
      job([{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T00:04:30Z' }]),
    );
    assert.equal((await ensureStorageJob(recent.deps, req)).state, 'failed');
    assert.deepEqual(recent.calls, ['list pods']);
    const old = fixture(
      job([{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T00:01:00Z' }]),
    );
    assert.equal((await ensureStorageJob(old.deps, req)).state, 'failed');
    assert.deepEqual(old.calls, ['list pods', `delete ${storageJobName(request)}`]);
  });
});
