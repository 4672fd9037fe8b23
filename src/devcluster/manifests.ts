// The YAML manifests of deploy/ as the dev environment installs them: read from a directory, applied
// server-side, and (for CRDs) waited on until the API server serves them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { apiVersionOf, K8S, KUBESTASH, type ResourceType } from '../api/resource-type.ts';
import { apiMessage } from '../kube/errors.ts';
import type { KubeClient, KubeObject } from '../kube/types.ts';
import { waitFor } from './probe.ts';
import { projectRoot } from './toolchain.ts';

/** The field manager of everything the dev environment applies. */
export const FIELD_MANAGER = 'cairn';

/** Every object of the YAML files in `dir` (documents that are not objects, e.g. kustomizations, skipped). */
export function manifests(dir: string): KubeObject[] {
  if (!existsSync(dir)) return [];
  const out: KubeObject[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, f), 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj?.apiVersion && obj.kind && obj.kind !== 'Kustomization') out.push(obj);
    }
  }
  return out;
}

/** The resource of an object of deploy/ (namespaces, RBAC, webhook configurations, the Addon catalog). */
export function resourceFor(obj: KubeObject): ResourceType {
  const r = [...Object.values(K8S), ...Object.values(KUBESTASH)].find(
    (x) => x.kind === obj.kind && apiVersionOf(x) === obj.apiVersion,
  );
  if (!r) throw new Error(`no resource known for ${obj.apiVersion} ${obj.kind} (add it to K8S in src/api)`);
  return r;
}

/** Server-side applies the objects in order, taking over fields other managers own. */
export async function applyAll(client: KubeClient, objects: readonly KubeObject[]): Promise<void> {
  for (const obj of objects) {
    await client.apply(resourceFor(obj), obj, { fieldManager: FIELD_MANAGER, force: true });
  }
}

/** The resource a CRD defines, at its first served version. */
export function definedResource(crd: V1CustomResourceDefinition): ResourceType {
  const version = crd.spec.versions.find((v) => v.served !== false)?.name ?? '';
  return {
    group: crd.spec.group,
    version,
    plural: crd.spec.names.plural,
    kind: crd.spec.names.kind,
    namespaced: crd.spec.scope === 'Namespaced',
  };
}

/**
 * Server-side applies deploy/crds/*.yaml and waits until every CRD is Established and its resource is
 * served, then applies the Addon catalog beside it (deploy/addons). Every CRD is tried; the error names each
 * one the API server refused.
 */
export async function installCrds(
  client: KubeClient,
  log?: (msg: string) => void,
  dir = join(projectRoot, 'deploy', 'crds'),
): Promise<void> {
  const crds = manifests(dir).filter(
    (o) => o.kind === 'CustomResourceDefinition',
  ) as unknown as V1CustomResourceDefinition[];
  const failed: string[] = [];
  await Promise.all(
    crds.map(async (crd) => {
      try {
        await client.apply(K8S.customResourceDefinitions, crd as unknown as KubeObject, {
          fieldManager: FIELD_MANAGER,
          force: true,
        });
      } catch (err) {
        failed.push(`${crd.metadata?.name ?? '?'}: ${apiMessage(err)}`);
      }
    }),
  );
  if (failed.length > 0) throw new Error(`deploy/crds: the API server refused ${failed.join('; ')}`);
  await waitFor(
    async () => {
      const list = await client.list<V1CustomResourceDefinition>(K8S.customResourceDefinitions);
      const established = new Set(
        list.items
          .filter((c) => c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))
          .map((c) => c.metadata?.name),
      );
      return crds.every((c) => established.has(c.metadata?.name)) ? true : undefined;
    },
    { what: 'the CRDs of deploy/crds to be Established', timeoutMs: 30_000, intervalMs: 50 },
  );
  // An Established CRD may still answer 429 ("storage is (re)initializing") for a moment.
  await Promise.all(
    crds.map((crd) =>
      waitFor(
        async () => {
          await client.list(definedResource(crd), { limit: 1 });
          return true;
        },
        { what: `${crd.metadata?.name ?? ''} to be served`, timeoutMs: 30_000, intervalMs: 50 },
      ),
    ),
  );
  const catalog = manifests(join(dir, '..', 'addons'));
  await applyAll(client, catalog);
  log?.(`installed ${crds.length} CRDs and ${catalog.length} Addons and Functions`);
}
