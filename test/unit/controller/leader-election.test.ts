import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLog } from '../../../src/common/log.ts';
import { LeaderElector } from '../../../src/controller/leader-election.ts';
import type { Lease } from '../../../src/controller/lease-plan.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { KubeClient } from '../../../src/kube/types.ts';

/** One Lease in memory with the API server's optimistic concurrency; `down` refuses every call. */
function leaseStore() {
  const store = { lease: undefined as Lease | undefined, version: 0, down: false };
  const check = (): void => {
    if (store.down) throw new KubeApiError('connection refused', 0);
  };
  const save = (l: Lease): Lease => {
    store.version++;
    store.lease = structuredClone({
      ...l,
      metadata: { ...l.metadata, resourceVersion: String(store.version) },
    });
    return store.lease;
  };
  const client = {
    find: () => Promise.resolve().then(() => (check(), store.lease && structuredClone(store.lease))),
    create: (_r: unknown, l: Lease) =>
      Promise.resolve().then(() => {
        check();
        if (store.lease) throw new KubeApiError('exists', 409);
        return save(l);
      }),
    replace: (_r: unknown, l: Lease) =>
      Promise.resolve().then(() => {
        check();
        if (l.metadata?.resourceVersion !== store.lease?.metadata?.resourceVersion)
          throw new KubeApiError('conflict', 409);
        return save(l);
      }),
  } as unknown as KubeClient;
  return { store, client, save };
}

function elector(
  client: KubeClient,
  timing = { leaseDurationMs: 600, renewDeadlineMs: 300, retryPeriodMs: 30 },
) {
  let started!: () => void;
  let stopped!: () => void;
  const startedLeading = new Promise<void>((r) => (started = r));
  const stoppedLeading = new Promise<void>((r) => (stopped = r));
  const e = new LeaderElector({
    client,
    namespace: 'ns',
    name: 'lease',
    identity: 'me',
    ...timing,
    log: silentLog,
    onStartedLeading: () => started(),
    onStoppedLeading: () => {
      stopped();
      return Promise.resolve();
    },
  });
  return { e, startedLeading, stoppedLeading };
}

void test('a leader that cannot reach the API server steps down after the renew deadline, before its lease expires', async () => {
  const { store, client } = leaseStore();
  const { e, startedLeading, stoppedLeading } = elector(client);
  e.start();
  await startedLeading;
  store.down = true;
  const cutAt = performance.now();
  await stoppedLeading;
  const ms = performance.now() - cutAt;
  assert.ok(ms >= 300 - 30 && ms < 600, `stepped down after ${Math.round(ms)} ms`);
  assert.equal(e.isLeader, false);
  await e.stop();
});

void test('a leader that finds the lease held by another stops leading at its next renewal', async () => {
  const { store, client, save } = leaseStore();
  const { e, startedLeading, stoppedLeading } = elector(client);
  e.start();
  await startedLeading;
  save({ ...store.lease, spec: { ...store.lease?.spec, holderIdentity: 'usurper' } });
  await stoppedLeading;
  await e.stop();
  assert.equal(store.lease?.spec?.holderIdentity, 'usurper', 'stop does not release a lease held by another');
});

void test('stopping a leader releases the lease: no holder, so a successor need not wait', async () => {
  const { store, client } = leaseStore();
  const { e, startedLeading } = elector(client);
  e.start();
  await startedLeading;
  assert.equal(store.lease?.spec?.holderIdentity, 'me');
  await e.stop();
  assert.equal(store.lease?.spec?.holderIdentity, '');
  assert.equal(e.isLeader, false);
});
