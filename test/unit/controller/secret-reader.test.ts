import assert from 'node:assert/strict';
import test from 'node:test';
import { K8S } from '../../../src/api/resource-type.ts';
import { informerId } from '../../../src/controller/informers.ts';
import { CachingSecretReader } from '../../../src/controller/secret-reader.ts';
import type { KubeClient, KubeObject } from '../../../src/kube/types.ts';
import { FakeInformer } from './fake-informer.ts';

/** A client whose `find` serves `stored` and counts the GETs. */
function fakeClient(stored: Map<string, KubeObject>): { client: KubeClient; gets: string[] } {
  const gets: string[] = [];
  const client = {
    namespace: 'default',
    find: (_r: unknown, name: string, ns: string) => {
      gets.push(`${ns}/${name}`);
      return Promise.resolve(stored.get(`${ns}/${name}`));
    },
  } as unknown as KubeClient;
  return { client, gets };
}

const secret = (name: string, rv: string, value = 'v'): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
  data: { key: Buffer.from(value).toString('base64') },
});
const meta = (name: string, rv: string): KubeObject => ({
  apiVersion: 'meta.k8s.io/v1',
  kind: 'PartialObjectMetadata',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

test('a Secret read at the version the metadata informer shows is served again without a GET', async () => {
  const stored = new Map([['ns/s3', secret('s3', '5')]]);
  const { client, gets } = fakeClient(stored);
  const metadata = new FakeInformer<KubeObject>(K8S.secrets);
  metadata.put(meta('s3', '5'));
  const reader = new CachingSecretReader(client, metadata);
  assert.deepEqual((await reader.read('s3', 'ns'))?.data, { key: Buffer.from('v').toString('base64') });
  await reader.read('s3', 'ns');
  assert.deepEqual(gets, ['ns/s3']);
});

test('a changed Secret is read again, and a deleted one is dropped and found missing', async () => {
  const stored = new Map([['ns/s3', secret('s3', '5', 'old')]]);
  const { client, gets } = fakeClient(stored);
  const metadata = new FakeInformer<KubeObject>(K8S.secrets);
  metadata.put(meta('s3', '5'));
  const reader = new CachingSecretReader(client, metadata);
  await reader.read('s3', 'ns');
  stored.set('ns/s3', secret('s3', '6', 'new'));
  metadata.put(meta('s3', '6'));
  assert.equal(reader.kept, 0);
  assert.deepEqual((await reader.read('s3', 'ns'))?.data, { key: Buffer.from('new').toString('base64') });
  stored.delete('ns/s3');
  metadata.remove('ns/s3');
  assert.equal(reader.kept, 0);
  assert.equal(await reader.read('s3', 'ns'), undefined);
  assert.deepEqual(gets, ['ns/s3', 'ns/s3', 'ns/s3']);
});

test('a Secret the metadata informer does not show yet is still read from the API server', async () => {
  const { client, gets } = fakeClient(new Map([['ns/fresh', secret('fresh', '9')]]));
  const reader = new CachingSecretReader(client, new FakeInformer<KubeObject>(K8S.secrets));
  assert.equal((await reader.read('fresh', 'ns'))?.metadata?.name, 'fresh');
  assert.deepEqual(gets, ['ns/fresh']);
});

test('concurrent reads of one Secret share one GET', async () => {
  const { client, gets } = fakeClient(new Map([['ns/s3', secret('s3', '5')]]));
  const reader = new CachingSecretReader(client, new FakeInformer<KubeObject>(K8S.secrets));
  const all = await Promise.all([reader.read('s3', 'ns'), reader.read('s3', 'ns'), reader.read('s3', 'ns')]);
  assert.ok(all.every((s) => s?.metadata?.name === 's3'));
  assert.deepEqual(gets, ['ns/s3']);
});

test('at most 64 whole Secrets are kept, the least recently read dropped first', async () => {
  const stored = new Map<string, KubeObject>();
  const metadata = new FakeInformer<KubeObject>(K8S.secrets);
  for (let i = 0; i < 70; i++) {
    stored.set(`ns/s${i}`, secret(`s${i}`, '1'));
    metadata.put(meta(`s${i}`, '1'));
  }
  const { client, gets } = fakeClient(stored);
  const reader = new CachingSecretReader(client, metadata);
  for (let i = 0; i < 70; i++) await reader.read(`s${i}`, 'ns');
  assert.equal(reader.kept, 64);
  gets.length = 0;
  await reader.read('s69', 'ns');
  await reader.read('s0', 'ns');
  assert.deepEqual(gets, ['ns/s0']);
});

test('a metadata-only informer is not the informer of whole objects of the same resource', () => {
  assert.notEqual(
    informerId({ resource: K8S.secrets }),
    informerId({ resource: K8S.secrets, metadataOnly: true }),
  );
});
