// Cairn's CRDs in the shared dev cluster, and raw API requests for what the typed client cannot do
// (Table responses, dry runs that must return the object exactly as the server stored it).
import { readFileSync, readdirSync } from 'node:fs';
import { request } from 'node:https';
import type { RequestOptions } from 'node:https';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ApiextensionsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { waitFor } from '../../src/devcluster/probe.ts';

/** The generated CRDs of the repository (deploy/crds). */
export const CRD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'deploy', 'crds');

/** Cairn's field manager for everything it applies. */
export const FIELD_MANAGER = 'cairn';

/** Every CRD of deploy/crds, parsed. */
export function crdManifests(): V1CustomResourceDefinition[] {
  return readdirSync(CRD_DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .sort()
    .map((f) => parse(readFileSync(join(CRD_DIR, f), 'utf8')) as V1CustomResourceDefinition);
}

function isEstablished(crd: V1CustomResourceDefinition): boolean {
  const conditions = crd.status?.conditions ?? [];
  return ['Established', 'NamesAccepted'].every((type) =>
    conditions.some((c) => c.type === type && c.status === 'True'),
  );
}

const installs = new Map<string, Promise<V1CustomResourceDefinition[]>>();

/**
 * Applies every CRD of deploy/crds with server-side apply (field manager `cairn`) and resolves once all are
 * Established and each Kind can be listed (a new CRD answers 429 "storage is (re)initializing" for a moment
 * after it is Established). Idempotent, and done once per cluster per process: test files that need the
 * Kinds call it first.
 */
export function installCrds(kc: KubeConfig): Promise<V1CustomResourceDefinition[]> {
  const server = kc.getCurrentCluster()?.server ?? '';
  let install = installs.get(server);
  if (!install) {
    install = applyCrds(kc);
    installs.set(server, install);
    install.catch(() => installs.delete(server));
  }
  return install;
}

async function applyCrds(kc: KubeConfig): Promise<V1CustomResourceDefinition[]> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const manifests = crdManifests();
  for (const crd of manifests) {
    await ext.patchCustomResourceDefinition(
      { name: crd.metadata?.name ?? '', body: crd, fieldManager: FIELD_MANAGER, force: true },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
  }
  const established: V1CustomResourceDefinition[] = [];
  for (const crd of manifests) {
    const name = crd.metadata?.name ?? '';
    established.push(
      await waitFor(
        async () => {
          const live = await ext.readCustomResourceDefinition({ name });
          return isEstablished(live) ? live : undefined;
        },
        { what: `CRD ${name} Established`, timeoutMs: 60_000 },
      ),
    );
  }
  for (const crd of established) {
    const group = crd.spec.group;
    const plural = crd.spec.names.plural;
    await waitFor(
      async () =>
        (await kubeRequest(kc, 'GET', `/apis/${group}/v1alpha1/${plural}?limit=1`)).status === 200
          ? true
          : undefined,
      { what: `${plural}.${group} to be served`, timeoutMs: 60_000 },
    );
  }
  return established;
}

export interface KubeResponse {
  status: number;
  /** The parsed JSON body, or the text when it is not JSON. */
  body: unknown;
}

export interface KubeRequestOptions {
  body?: unknown;
  accept?: string;
  contentType?: string;
}

/** One request to the API server with the kubeconfig's credentials; never throws for an HTTP status. */
export async function kubeRequest(
  kc: KubeConfig,
  method: string,
  path: string,
  opts: KubeRequestOptions = {},
): Promise<KubeResponse> {
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('kubeconfig has no current cluster');
  const url = new URL(path, server);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const options: RequestOptions = {
    method,
    headers: {
      accept: opts.accept ?? 'application/json',
      ...(payload === undefined ? {} : { 'content-type': opts.contentType ?? 'application/json' }),
    },
  };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** The `message` of a Kubernetes Status body, or the body as text. */
export function statusMessage(body: unknown): string {
  const message = (body as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(body);
}

/** What a request path needs to know about a Kind. */
export interface ResourceKind {
  group: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
}

/** `/apis/<group>/v1alpha1[/namespaces/<ns>]/<plural>[/<name>]` of a Cairn Kind. */
export function resourcePath(kind: ResourceKind, namespace?: string, name?: string): string {
  const ns = kind.scope === 'Namespaced' && namespace ? `/namespaces/${namespace}` : '';
  return `/apis/${kind.group}/v1alpha1${ns}/${kind.plural}${name ? `/${name}` : ''}`;
}
