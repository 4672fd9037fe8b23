import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { K8S } from '../../../src/api/resource-type.ts';
import { silentLog } from '../../../src/common/log.ts';
import { Controller } from '../../../src/controller/controller.ts';
import { keyOf, ownerKeys, parseKey } from '../../../src/controller/keys.ts';
import { controllerMetrics } from '../../../src/controller/metrics.ts';
import { classifyReconcileError, TerminalError } from '../../../src/controller/reconciler.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { KubeObject } from '../../../src/kube/types.ts';
import { FakeInformer } from './fake-informer.ts';

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const obj = (namespace: string, name: string, owners: KubeObject['metadata'] = {}): KubeObject => ({
  metadata: { namespace, name, uid: `${namespace}-${name}`, ...owners },
});

const BC = { group: 'core.kubestash.com', kind: 'BackupConfiguration', namespaced: true };

void test('keys are namespace/name, or the name alone for a cluster-scoped object, and parse back', () => {
  assert.equal(keyOf({ namespace: 'ns', name: 'a' }), 'ns/a');
  assert.equal(keyOf({ name: 'a' }), 'a');
  assert.deepEqual(parseKey('ns/a'), { namespace: 'ns', name: 'a' });
  assert.deepEqual(parseKey('a'), { name: 'a' });
});

void test("a child maps to the keys of its owners of the given group and kind, in the child's namespace", () => {
  const child = obj('ns', 'job', {
    ownerReferences: [
      {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        name: 'bc',
        uid: '1',
        controller: true,
      },
      { apiVersion: 'core.kubestash.com/v1alpha1', kind: 'BackupSession', name: 'bs', uid: '2' },
      { apiVersion: 'other.example.com/v1', kind: 'BackupConfiguration', name: 'x', uid: '3' },
      { apiVersion: 'core.kubestash.com/v1alpha1', kind: 'BackupConfiguration', name: 'bc2', uid: '4' },
    ],
  });
  assert.deepEqual(ownerKeys(child, BC), ['ns/bc', 'ns/bc2']);
  assert.deepEqual(ownerKeys(child, BC, true), ['ns/bc']);
  const storage = { group: 'storage.kubestash.com', kind: 'BackupStorage', namespaced: true };
  assert.deepEqual(ownerKeys(child, storage), []);
});

void test('API errors are retryable or terminal by status; a TerminalError is terminal; others retryable', () => {
  const api = (code: number) => new KubeApiError('x', code);
  assert.equal(classifyReconcileError(api(409)), 'retryable');
  assert.equal(classifyReconcileError(api(404)), 'retryable');
  assert.equal(classifyReconcileError(api(503)), 'retryable');
  assert.equal(classifyReconcileError(api(0)), 'retryable');
  assert.equal(classifyReconcileError(api(422)), 'terminal');
  assert.equal(classifyReconcileError(api(403)), 'terminal');
  assert.equal(classifyReconcileError(new TerminalError('bad spec')), 'terminal');
  assert.equal(classifyReconcileError(new Error('bug')), 'retryable');
});

void test('a controller runs the keys of its primary objects, and of the owners of changed children', async () => {
  const primary = new FakeInformer();
  const jobs = new FakeInformer(K8S.jobs);
  primary.put(obj('ns', 'bc'));
  const ran: string[] = [];
  const c = new Controller({
    kind: 'BackupConfiguration',
    reconciler: { reconcile: (key) => Promise.resolve(void ran.push(key)) },
    primary,
    owns: [{ source: jobs, owner: BC }],
    log: silentLog,
  });
  c.start();
  await c.idle();
  assert.deepEqual(ran, ['ns/bc'], 'the cached primary objects run at start');
  jobs.put(
    obj('ns', 'job', {
      ownerReferences: [
        { apiVersion: 'core.kubestash.com/v1alpha1', kind: 'BackupConfiguration', name: 'bc', uid: 'u' },
      ],
    }),
  );
  await c.idle();
  primary.put(obj('ns', 'other'));
  await c.idle();
  primary.remove('ns/other');
  await c.idle();
  assert.deepEqual(ran, ['ns/bc', 'ns/bc', 'ns/other', 'ns/other']);
});

void test('a stopped controller unsubscribes and runs nothing; a restart runs the cache again', async () => {
  const primary = new FakeInformer();
  primary.put(obj('ns', 'a'));
  const ran: string[] = [];
  const c = new Controller({
    kind: 'X',
    reconciler: { reconcile: (key) => Promise.resolve(void ran.push(key)) },
    primary,
    startKeys: ['fixed'],
    log: silentLog,
  });
  c.start();
  await c.idle();
  await c.stop();
  assert.equal(primary.handlerCount, 0);
  primary.put(obj('ns', 'b'));
  c.enqueue('ns/b');
  await flush();
  assert.deepEqual(ran.sort(), ['fixed', 'ns/a']);
  c.start();
  await c.idle();
  assert.deepEqual(ran.sort(), ['fixed', 'fixed', 'ns/a', 'ns/a', 'ns/b']);
  await c.stop();
});

void test('a terminal error is counted and retried only after the terminal delay; metrics count reconciles', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const registry = new Registry();
  const metrics = controllerMetrics(registry);
  const times: number[] = [];
  const c = new Controller({
    kind: 'Repository',
    reconciler: {
      reconcile: () => {
        times.push(Date.now());
        return Promise.reject(new KubeApiError('invalid', 422));
      },
    },
    startKeys: ['ns/r'],
    baseDelayMs: 10,
    terminalRetryMs: 60_000,
    log: silentLog,
    metrics,
  });
  c.start();
  await flush();
  t.mock.timers.tick(59_999);
  await flush();
  assert.deepEqual(times, [0]);
  t.mock.timers.tick(1);
  await flush();
  assert.deepEqual(times, [0, 60_000]);
  const text = await registry.metrics();
  assert.match(text, /cairn_reconcile_total\{kind="Repository",outcome="error"\} 2/);
  assert.match(text, /cairn_reconcile_errors_total\{kind="Repository",class="terminal"\} 2/);
  assert.match(text, /cairn_reconcile_duration_seconds_count\{kind="Repository"\} 2/);
  assert.match(text, /cairn_workqueue_depth\{kind="Repository"\} 0/);
  await c.stop();
});

void test('a retryable error is retried with backoff until it succeeds', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  const times: number[] = [];
  const c = new Controller({
    kind: 'Snapshot',
    reconciler: {
      reconcile: () => {
        times.push(Date.now());
        return times.length < 3 ? Promise.reject(new KubeApiError('conflict', 409)) : Promise.resolve();
      },
    },
    startKeys: ['ns/s'],
    baseDelayMs: 50,
    log: silentLog,
  });
  c.start();
  await flush();
  t.mock.timers.tick(50);
  await flush();
  t.mock.timers.tick(100);
  await flush();
  assert.deepEqual(times, [0, 50, 150]);
  await c.stop();
});
