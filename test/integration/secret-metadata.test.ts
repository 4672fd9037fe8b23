// The operator's view of Secrets against a real API server: a metadata-only informer holds every Secret's
// name, labels and resourceVersion but never its data, and follows changes; the Secret reader over it GETs
// the data of a named Secret and sees a change or a deletion.
import assert from 'node:assert/strict';
import { K8S } from '../../src/api/resource-type.ts';
import { CachingSecretReader } from '../../src/controller/secret-reader.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { createInformer } from '../../src/kube/informer.ts';
import type { KubeObject } from '../../src/kube/types.ts';
import { clusterTest } from '../harness/cluster.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

clusterTest(
  'a metadata-only Secret informer never holds data, and the reader over it follows changes',
  async ({ client, namespace }) => {
    await client.create(K8S.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace, labels: { app: 'demo' } },
      data: { AWS_SECRET_ACCESS_KEY: b64('first-value') },
    });
    const metadata = createInformer<KubeObject>(client, {
      resource: K8S.secrets,
      namespace,
      metadataOnly: true,
    });
    const seen: string[] = [];
    metadata.on({
      added: (o) => void seen.push(`added ${o.metadata?.name}`),
      updated: (_, o) => void seen.push(`updated ${o.metadata?.name}`),
      deleted: (o) => void seen.push(`deleted ${o.metadata?.name}`),
    });
    metadata.start();
    try {
      await metadata.waitForSync();
      const cached = metadata.get('creds', namespace);
      assert.equal(cached?.kind, 'PartialObjectMetadata');
      assert.deepEqual(cached?.metadata?.labels, { app: 'demo' });
      assert.equal(cached?.data, undefined);
      assert.equal(JSON.stringify(metadata.list()).includes(b64('first-value')), false);

      const reader = new CachingSecretReader(client, metadata);
      const first = await reader.read('creds', namespace);
      assert.equal(first?.data?.['AWS_SECRET_ACCESS_KEY' as keyof typeof first.data], b64('first-value'));

      await client.patch(
        K8S.secrets,
        'creds',
        { data: { AWS_SECRET_ACCESS_KEY: b64('second-value') } },
        { type: 'merge', namespace },
      );
      await waitFor(() => (seen.includes('updated creds') ? true : undefined), {
        what: 'the metadata informer to see the change',
        timeoutMs: 30_000,
      });
      assert.equal(metadata.get('creds', namespace)?.data, undefined);
      const second = await reader.read('creds', namespace);
      assert.equal(second?.data?.['AWS_SECRET_ACCESS_KEY' as keyof typeof second.data], b64('second-value'));

      await client.delete(K8S.secrets, 'creds', { namespace });
      await waitFor(() => (seen.includes('deleted creds') ? true : undefined), {
        what: 'the metadata informer to see the deletion',
        timeoutMs: 30_000,
      });
      assert.equal(await reader.read('creds', namespace), undefined);
    } finally {
      await metadata.stop();
    }
  },
);
