// The ClusterReader over the Kubernetes API: the webhooks' only I/O. Errors are classified here, where
// they enter: a missing object or CRD is an answer (absent), anything else a ReadError with a redacted text.
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { apiMessage, isNotFound, statusCode } from '../kube/errors.ts';
import { redact } from '../common/redact.ts';
import { at, isObject } from '../common/json.ts';
import { labelsOf, type ObjectKey } from './object-meta.ts';
import type { Resource } from './resources.ts';
import type { ClusterReader } from './routes.ts';
import type { NamespaceInfo } from './usage-policy.ts';

/** The cluster could not be read; `retryable` when trying again may help (timeouts, 5xx, 429). */
export class ReadError extends Error {
  readonly retryable: boolean;
  constructor(what: string, cause: unknown) {
    const code = statusCode(cause);
    super(`reading ${what} failed: ${redact(apiMessage(cause))}`, { cause });
    this.name = 'ReadError';
    this.retryable = code === undefined || code === 429 || code >= 500;
  }
}

const PAGE = 500;

export function kubeReader(kc: KubeConfig): ClusterReader {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  return {
    async list(r: Resource, namespace?: string): Promise<unknown[]> {
      const items: unknown[] = [];
      let token: string | undefined;
      try {
        do {
          const base = {
            group: r.group,
            version: r.version,
            plural: r.plural,
            limit: PAGE,
            _continue: token,
          };
          const page: unknown = namespace
            ? await custom.listNamespacedCustomObject({ ...base, namespace })
            : await custom.listClusterCustomObject(base);
          const got = at(page, 'items');
          if (Array.isArray(got)) items.push(...got.filter(isObject));
          const next = at(page, 'metadata', 'continue');
          token = typeof next === 'string' && next !== '' ? next : undefined;
        } while (token);
      } catch (err) {
        if (isNotFound(err)) return [];
        throw new ReadError(`${r.plural}.${r.group}`, err);
      }
      return items;
    },
    async get(r: Resource, key: ObjectKey): Promise<unknown> {
      try {
        const o: unknown = await custom.getNamespacedCustomObject({
          group: r.group,
          version: r.version,
          plural: r.plural,
          namespace: key.namespace,
          name: key.name,
        });
        return o;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw new ReadError(`${r.kind} ${key.namespace}/${key.name}`, err);
      }
    },
    async namespace(name: string): Promise<NamespaceInfo> {
      try {
        const ns = await core.readNamespace({ name });
        return { name, labels: { 'kubernetes.io/metadata.name': name, ...labelsOf(ns) } };
      } catch (err) {
        if (isNotFound(err)) return { name, labels: { 'kubernetes.io/metadata.name': name } };
        throw new ReadError(`Namespace ${name}`, err);
      }
    },
  };
}
