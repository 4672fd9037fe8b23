// Helpers for tests of the informer against the dev cluster: informers of a namespace's ConfigMaps whose
// handler calls are logged, and a check that a cache holds what the server holds.
import { K8S } from '../../src/api/resource-type.ts';
import { waitFor } from '../../src/devcluster/probe.ts';
import { createInformer, type Informer, type InformerOptions } from '../../src/kube/informer.ts';
import type { KubeClient, KubeObject } from '../../src/kube/types.ts';

export type ConfigMap = KubeObject & { data?: Record<string, string> };

/** Every namespace gets this ConfigMap from the controller manager; the informers here leave it out. */
export const NOT_ROOT_CA = 'metadata.name!=kube-root-ca.crt';

export const cm = (name: string, namespace: string, labels?: Record<string, string>): ConfigMap => ({
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
  data: { v: '1' },
});

/** Starts an informer of the namespace's ConfigMaps whose handler calls are written to `log`. */
export function informerOf(
  client: KubeClient,
  namespace: string,
  extra: Partial<InformerOptions<ConfigMap>> = {},
): { inf: Informer<ConfigMap>; log: string[]; errors: unknown[] } {
  const log: string[] = [];
  const errors: unknown[] = [];
  const inf = createInformer<ConfigMap>(client, {
    resource: K8S.configMaps,
    namespace,
    fieldSelector: NOT_ROOT_CA,
    onError: (e) => errors.push(e),
    ...extra,
  });
  const uid = (o: ConfigMap): string => o.metadata?.uid ?? '';
  inf.on({
    added: (o) => void log.push(`added ${o.metadata?.name} ${uid(o)}`),
    updated: (a, b) =>
      void log.push(`updated ${b.metadata?.name} ${uid(a) === uid(b) ? 'same-uid' : 'new-uid'}`),
    deleted: (o) => void log.push(`deleted ${o.metadata?.name} ${uid(o)}`),
  });
  return { inf, log, errors };
}

/** Resolves once the informer's cache holds exactly what a fresh LIST returns (names and versions). */
export async function cacheMatchesServer(
  inf: Informer<ConfigMap>,
  client: KubeClient,
  namespace: string,
): Promise<void> {
  const show = (items: KubeObject[]): string =>
    items
      .map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`)
      .sort()
      .join(' ');
  let last = '';
  await waitFor(
    async () => {
      const truth = show(
        (await client.listAll(K8S.configMaps, { namespace, fieldSelector: NOT_ROOT_CA })).items,
      );
      last = `cache: ${show(inf.list())} / server: ${truth}`;
      return show(inf.list()) === truth ? true : undefined;
    },
    { what: 'the cache to match the server', timeoutMs: 60_000 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; ${last}`);
  });
}

export const until = (what: string, check: () => boolean, timeoutMs = 30_000): Promise<true> =>
  waitFor(() => (check() ? true : undefined), { what, timeoutMs });
