import assert from 'node:assert/strict';
import { test } from 'node:test';
import { K8S, KUBESTASH } from '../../../src/api/resource-type.ts';
import { queryString, resourcePath } from '../../../src/kube/paths.ts';

test('core resources live under /api/v1 and others under /apis/<group>/<version>', () => {
  assert.equal(resourcePath(K8S.pods), '/api/v1/pods');
  assert.equal(resourcePath(K8S.jobs, { namespace: 'ns' }), '/apis/batch/v1/namespaces/ns/jobs');
  assert.equal(
    resourcePath(KUBESTASH.repositories, { namespace: 'ns', name: 'r' }),
    '/apis/storage.kubestash.com/v1alpha1/namespaces/ns/repositories/r',
  );
});

test('a namespace is left out for cluster-scoped resources and when none is given', () => {
  assert.equal(resourcePath(K8S.namespaces, { namespace: 'ignored', name: 'x' }), '/api/v1/namespaces/x');
  assert.equal(resourcePath(K8S.secrets, { namespace: undefined }), '/api/v1/secrets');
});

test('names and subresources are percent-encoded segment by segment', () => {
  assert.equal(
    resourcePath(K8S.serviceAccounts, { namespace: 'a b', name: 'x/y?z', subresource: 'token' }),
    '/api/v1/namespaces/a%20b/serviceaccounts/x%2Fy%3Fz/token',
  );
  assert.equal(
    resourcePath(K8S.pods, { namespace: 'n', name: 'p', subresource: 'ephemeral containers' }),
    '/api/v1/namespaces/n/pods/p/ephemeral%20containers',
  );
});

test('an empty name is refused instead of addressing the collection', () => {
  assert.throws(() => resourcePath(K8S.pods, { namespace: 'n', name: '' }), /empty name/);
});

test('query parameters are encoded and undefined ones left out', () => {
  assert.equal(queryString(undefined), '');
  assert.equal(queryString({ a: undefined }), '');
  assert.equal(
    queryString({ labelSelector: 'app in (a,b),tier!=x', limit: 3, watch: true, continue: undefined }),
    '?labelSelector=app+in+%28a%2Cb%29%2Ctier%21%3Dx&limit=3&watch=true',
  );
});
