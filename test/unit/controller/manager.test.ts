import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import { silentLog } from '../../../src/common/log.ts';
import { Controller } from '../../../src/controller/controller.ts';
import { Informers, type InformerFactory } from '../../../src/controller/informers.ts';
import { Manager } from '../../../src/controller/manager.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import { FakeInformer } from './fake-informer.ts';

const client = {} as KubeClient;

function fakeSet(): { informers: Informers; made: FakeInformer[] } {
  const made: FakeInformer[] = [];
  const create = ((_c: KubeClient, o: { resource: typeof K8S.secrets }) => {
    const f = new FakeInformer(o.resource);
    made.push(f);
    return f;
  }) as unknown as InformerFactory;
  return { informers: new Informers(client, { log: silentLog, create }), made };
}

void test('one informer per resource, namespace and selectors is shared by every reader', () => {
  const { informers, made } = fakeSet();
  const a = informers.informer({ resource: K8S.secrets, namespace: 'ns', fieldSelector: 'metadata.name=x' });
  const b = informers.informer({ resource: K8S.secrets, namespace: 'ns', fieldSelector: 'metadata.name=x' });
  const c = informers.informer({ resource: K8S.secrets, namespace: 'other' });
  assert.equal(a, b);
  assert.notEqual(a, c);
  assert.equal(made.length, 2);
});

void test('asking a shared informer for an index it was made without is refused, naming the index', () => {
  const { informers } = fakeSet();
  informers.informer({ resource: K8S.jobs, indexes: { owner: () => [] } });
  assert.doesNotThrow(() => informers.informer({ resource: K8S.jobs, indexes: { owner: () => [] } }));
  assert.throws(
    () => informers.informer({ resource: K8S.jobs, indexes: { node: () => [] } }),
    /batch.*without the index node/,
  );
});

void test('the informer set starts every informer, also those made later, and names the unsynced ones', async () => {
  const { informers, made } = fakeSet();
  informers.informer({ resource: K8S.secrets, namespace: 'ns' });
  informers.start();
  informers.informer({ resource: K8S.jobs });
  assert.deepEqual(
    made.map((m) => m.started),
    [true, true],
  );
  assert.deepEqual(informers.unsynced(), ['secrets in ns', 'jobs.batch']);
  made[0]?.sync();
  assert.deepEqual(informers.unsynced(), ['jobs.batch']);
  made[1]?.sync();
  await informers.waitForSync();
  assert.equal(informers.synced, true);
  await informers.stop();
  assert.deepEqual(
    made.map((m) => m.stopped),
    [true, true],
  );
});

void test('without leader election the manager runs the controllers once the informers are synced, until stopped', async () => {
  const { informers, made } = fakeSet();
  const primary = informers.informer({ resource: K8S.configMaps }) as unknown as FakeInformer;
  primary.put({ metadata: { namespace: 'ns', name: 'a' } });
  const ran: string[] = [];
  const controller = new Controller({
    kind: 'X',
    reconciler: { reconcile: (key) => Promise.resolve(void ran.push(key)) },
    primary,
    log: silentLog,
  });
  const manager = new Manager({ informers, controllers: [controller], log: silentLog });
  manager.start();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(manager.leading, false, 'nothing runs before the informers are synced');
  assert.equal(controller.running, false);
  made[0]?.sync();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(manager.leading, true);
  await controller.idle();
  assert.deepEqual(ran, ['ns/a']);
  await manager.stop();
  assert.equal(controller.running, false);
  assert.equal(made[0]?.stopped, true);
});

void test('a manager stopped before its informers synced never starts the controllers', async () => {
  const { informers } = fakeSet();
  informers.informer({ resource: K8S.configMaps });
  const controller = new Controller({
    kind: 'X',
    reconciler: { reconcile: () => Promise.resolve() },
    log: silentLog,
  });
  const manager = new Manager({ informers, controllers: [controller], log: silentLog });
  manager.start();
  await manager.stop();
  assert.equal(controller.running, false);
});
