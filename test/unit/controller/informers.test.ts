import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KUBESTASH, K8S } from '../../../src/api/resource-type.ts';
import type { Log } from '../../../src/common/log.ts';
import { Informers, type InformerFactory } from '../../../src/controller/informers.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import { FakeInformer } from './fake-informer.ts';

/** An informer set whose informers are fakes, with each one's error reporter and every warning logged. */
function set() {
  const reporters: ((err: unknown) => void)[] = [];
  const made: FakeInformer[] = [];
  const warnings: unknown[] = [];
  const log: Log = { info() {}, debug() {}, error() {}, warn: (_m, fields) => warnings.push(fields ?? {}) };
  const create = ((_c: KubeClient, o: { resource: typeof K8S.secrets; onError: (e: unknown) => void }) => {
    reporters.push(o.onError);
    const f = new FakeInformer(o.resource);
    made.push(f);
    return f;
  }) as unknown as InformerFactory;
  return { informers: new Informers({} as KubeClient, { log, create }), reporters, made, warnings };
}

const notServed = () => new KubeApiError('the server could not find the requested resource', 404);

void test('a Kind whose CRD is missing is named in the readiness reason with the fix, and logged once', () => {
  const { informers, reporters, made, warnings } = set();
  informers.informer({ resource: KUBESTASH.restoreSessions });
  informers.informer({ resource: K8S.jobs });
  for (let i = 0; i < 5; i++) reporters[0]?.(notServed());
  assert.deepEqual(informers.failures(), [
    "restoresessions.core.kubestash.com: the API server does not serve core.kubestash.com/v1alpha1 restoresessions: install its CustomResourceDefinition (Cairn's are in deploy/crds) and the operator picks it up on its next try",
  ]);
  assert.equal(warnings.length, 1, 'five failed tries alike are one warning');

  reporters[1]?.(new KubeApiError('connection refused', 0));
  reporters[1]?.(new KubeApiError('connection refused', 0));
  assert.equal(warnings.length, 3, 'other failures are logged at every try');
  assert.match(informers.failures()[1] ?? '', /^jobs\.batch: .*connection refused/);

  made[0]?.sync();
  assert.deepEqual(informers.unsynced(), ['jobs.batch']);
  assert.equal(informers.failures().length, 1, 'a synced informer is no longer reported');
});
