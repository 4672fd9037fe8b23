import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  admit,
  BadAdmissionReview,
  errorResponse,
  parseReview,
  reviewResponse,
} from '../../../src/webhooks/admission.ts';
import { allow, verdict } from '../../../src/webhooks/decision.ts';
import type { ClusterReader, WebhookRoute } from '../../../src/webhooks/routes.ts';
import { KUBESTASH } from '../../../src/api/resource-type.ts';

const review = (request: Record<string, unknown>) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request,
});

void test('parseReview reads uid, operation, namespace, name and both objects', () => {
  const r = parseReview(
    review({
      uid: 'u1',
      kind: { group: 'storage.kubestash.com', version: 'v1alpha1', kind: 'BackupStorage' },
      resource: { group: 'storage.kubestash.com', version: 'v1alpha1', resource: 'backupstorages' },
      operation: 'UPDATE',
      namespace: 'demo',
      name: 's3',
      object: { spec: { a: 1 } },
      oldObject: { spec: { a: 0 } },
    }),
  );
  assert.equal(r.uid, 'u1');
  assert.equal(r.resource, 'backupstorages');
  assert.deepEqual(r.input, {
    operation: 'UPDATE',
    namespace: 'demo',
    name: 's3',
    object: { spec: { a: 1 } },
    oldObject: { spec: { a: 0 } },
  });
});

void test('parseReview takes the name from the object when the request has none', () => {
  const r = parseReview(
    review({ uid: 'u', operation: 'CREATE', namespace: 'd', object: { metadata: { name: 'n' } } }),
  );
  assert.equal(r.input.name, 'n');
});

void test('parseReview refuses what is not an AdmissionReview v1', () => {
  assert.throws(() => parseReview({ kind: 'Pod' }), BadAdmissionReview);
  assert.throws(
    () => parseReview({ kind: 'AdmissionReview', apiVersion: 'admission.k8s.io/v1beta1', request: {} }),
    BadAdmissionReview,
  );
  assert.throws(() => parseReview(review({})), /request\.uid is missing/);
});

void test('an allowed decision with patches answers with a base64 JSONPatch', () => {
  const out = reviewResponse('u', allow([{ op: 'add', path: '/spec/x', value: 1 }], ['careful']));
  assert.equal(out.response.allowed, true);
  assert.equal(out.response.patchType, 'JSONPatch');
  assert.deepEqual(JSON.parse(Buffer.from(out.response.patch ?? '', 'base64').toString()), [
    { op: 'add', path: '/spec/x', value: 1 },
  ]);
  assert.deepEqual(out.response.warnings, ['careful']);
  assert.equal(reviewResponse('u', allow()).response.patch, undefined);
});

void test('a denial answers 422 Invalid with every field as a cause and one line each in the message', () => {
  const out = reviewResponse(
    'u',
    verdict([
      { field: 'spec.a', problem: 'is bad', fix: 'fix a' },
      { field: 'spec.b', problem: 'is worse', fix: 'fix b' },
    ]),
  );
  assert.equal(out.response.allowed, false);
  assert.equal(out.response.status?.code, 422);
  assert.equal(out.response.status?.message, 'spec.a: is bad; fix a\nspec.b: is worse; fix b');
  assert.deepEqual(
    out.response.status?.details?.causes.map((c) => c.field),
    ['spec.a', 'spec.b'],
  );
});

void test('a failure of the webhook itself refuses with 500 and says to retry', () => {
  const out = errorResponse('u', 'reading x failed');
  assert.equal(out.response.allowed, false);
  assert.match(
    out.response.status?.message ?? '',
    /^cairn could not check the object: reading x failed; try again$/,
  );
});

void test('admit passes only CREATE and UPDATE of the main resource to the route', async () => {
  let called = 0;
  const route: WebhookRoute = {
    name: 'x',
    path: '/x',
    mutating: false,
    resource: KUBESTASH.backupStorages,
    handle: () => {
      called++;
      return Promise.resolve(verdict([{ field: 'f', problem: 'p', fix: 'x' }]));
    },
  };
  const reader = {} as ClusterReader;
  const parsed = (operation: string, subResource = '') => ({
    ...parseReview(review({ uid: 'u', operation, subResource })),
  });
  assert.equal((await admit(route, parsed('DELETE'), reader)).allowed, true);
  assert.equal((await admit(route, parsed('UPDATE', 'status'), reader)).allowed, true);
  assert.equal((await admit(route, parsed('CREATE'), reader)).allowed, false);
  assert.equal(called, 1);
});

void test('admit lets through objects being deleted and validation of updates that keep the spec', async () => {
  const route: WebhookRoute = {
    name: 'x',
    path: '/x',
    mutating: false,
    resource: KUBESTASH.backupStorages,
    handle: () => Promise.resolve(verdict([{ field: 'f', problem: 'p', fix: 'x' }])),
  };
  const reader = {} as ClusterReader;
  const deleting = parseReview(
    review({
      uid: 'u',
      operation: 'UPDATE',
      object: { metadata: { deletionTimestamp: '2026-01-01T00:00:00Z' }, spec: { a: 2 } },
      oldObject: { spec: { a: 1 } },
    }),
  );
  assert.equal((await admit(route, deleting, reader)).allowed, true);
  const relabel = parseReview(
    review({
      uid: 'u',
      operation: 'UPDATE',
      object: { metadata: { labels: { x: 'y' } }, spec: { a: 1 } },
      oldObject: { spec: { a: 1 } },
    }),
  );
  assert.equal((await admit(route, relabel, reader)).allowed, true);
  const changed = parseReview(
    review({ uid: 'u', operation: 'UPDATE', object: { spec: { a: 2 } }, oldObject: { spec: { a: 1 } } }),
  );
  assert.equal((await admit(route, changed, reader)).allowed, false);
  assert.equal(
    (await admit({ ...route, mutating: true }, relabel, reader)).allowed,
    false,
    'defaulting still runs',
  );
});
