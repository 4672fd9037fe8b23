// Cairn's admission decisions read the informer caches: once synced, deciding every webhook route makes no
// LIST and no GET, and still sees objects created before the informers started.
import assert from 'node:assert/strict';
import { waitFor } from '../../../src/devcluster/probe.ts';
import { KUBESTASH } from '../../../src/api/resource-type.ts';
import { createInformer, type Informer } from '../../../src/kube/informer.ts';
import type { KubeClient } from '../../../src/kube/types.ts';
import { admit, type ParsedReview } from '../../../src/webhooks/admission.ts';
import { admissionCaches, cacheReader } from '../../../src/webhooks/cache-reader.ts';
import { decisionMessage } from '../../../src/webhooks/decision.ts';
import { ROUTES } from '../../../src/webhooks/routes.ts';
import { clusterTest } from '../../harness/cluster.ts';
import { s3, session } from './fixture.ts';

/** `client` with every call recorded by method name. */
function recording(client: KubeClient, calls: string[]): KubeClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v: unknown = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push(String(prop));
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

clusterTest(
  'admission reads only the informer caches: once they are synced, deciding every webhook makes no LIST and no GET',
  async ({ client, namespace }) => {
    const storageRef = { name: 's3', namespace };
    await client.create(
      KUBESTASH.backupStorages,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'BackupStorage',
        metadata: { name: 's3', namespace },
        spec: { storage: s3(namespace, 'cache'), usagePolicy: { allowedNamespaces: { from: 'Same' } } },
      },
      { namespace },
    );
    await client.create(
      KUBESTASH.repositories,
      {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'first', namespace },
        spec: { storageRef, path: '/taken' },
      },
      { namespace },
    );
    const calls: string[] = [];
    const api = recording(client, calls);
    const informers: Informer[] = [];
    const reader = cacheReader(
      admissionCaches((resource) => {
        const i = createInformer(api, { resource });
        informers.push(i);
        i.start();
        return i;
      }),
    );
    try {
      await Promise.all(informers.map((i) => i.waitForSync()));
      const repositoryInCache = () =>
        informers.some((i) => i.resource.plural === 'repositories' && i.get('first', namespace));
      await waitFor(() => (repositoryInCache() ? true : undefined), {
        what: 'the Repository in the cache',
        timeoutMs: 10_000,
      });
      const before = calls.length;
      const bc = {
        apiVersion: 'core.kubestash.com/v1alpha1',
        kind: 'BackupConfiguration',
        metadata: { name: 'bc', namespace },
        spec: {
          backends: [{ name: 'main', storageRef, retentionPolicy: { name: 'keep' } }],
          sessions: [{ ...session, repositories: [{ name: 'second', backend: 'main', directory: 'taken' }] }],
        },
      };
      const repo = {
        apiVersion: 'storage.kubestash.com/v1alpha1',
        kind: 'Repository',
        metadata: { name: 'second', namespace },
        spec: { storageRef, path: 'taken/' },
      };
      const samples: Record<string, unknown> = { BackupConfiguration: bc, Repository: repo };
      const decisions: Record<string, string> = {};
      for (const route of ROUTES) {
        const object = samples[route.resource.kind] ?? {
          apiVersion: `${route.resource.group}/${route.resource.version}`,
          kind: route.resource.kind,
          metadata: { name: 'x', namespace },
          spec: {},
        };
        const review: ParsedReview = {
          uid: 'u',
          kind: { group: route.resource.group, version: route.resource.version, kind: route.resource.kind },
          resource: route.resource.plural,
          subResource: '',
          input: { operation: 'CREATE', namespace, name: 'x', object, oldObject: undefined },
        };
        decisions[route.name] = decisionMessage(await admit(route, review, reader));
      }
      const reads = calls.slice(before).filter((c) => c !== 'watch');
      assert.deepEqual(reads, [], 'API calls made while admitting');
      // The decisions came from the caches: both see the Repository created before the informers started.
      assert.match(
        decisions['validate.repositories.storage.kubestash.com'] ?? '',
        new RegExp(`^spec\\.path: Repository "${namespace}/first" already uses directory`),
      );
      assert.match(
        decisions['validate.backupconfigurations.core.kubestash.com'] ?? '',
        new RegExp(
          `spec\\.sessions\\[0\\]\\.repositories\\[0\\]\\.directory: Repository "${namespace}/first"`,
        ),
      );
    } finally {
      await Promise.all(informers.map((i) => i.stop()));
    }
  },
);
