// An in-memory KubeClient for unit tests of code that reads Repositories, BackupStorages and Secrets: get,
// find, list, listAll and replace over a map of objects; every write is counted. Errors are KubeApiErrors
// as the real client throws them (404 NotFound, 403 Forbidden, 409 Conflict).
import type { ResourceType } from '../../../src/api/resource-type.ts';
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { KubeClient, KubeObject, ListOptions, ObjectList } from '../../../src/kube/types.ts';

export interface FakeClient extends KubeClient {
  /** Adds or replaces an object (a Secret's `stringData` is encoded into `data`). */
  put(r: ResourceType, obj: KubeObject): void;
  /** Makes LIST of `r` fail with 403 unless it names `namespace`. */
  forbidClusterList(r: ResourceType): void;
  /** Write calls made through the client. */
  readonly writes: string[];
}

const keyOf = (r: ResourceType, namespace: string | undefined, name: string): string =>
  `${r.group}/${r.plural}/${namespace ?? ''}/${name}`;

function notFound(what: string): KubeApiError {
  return new KubeApiError(`${what} not found`, 404, {
    reason: 'NotFound',
    message: `${what} not found`,
    code: 404,
  });
}

function unsupported(): never {
  throw new Error('not used by these tests');
}

export function fakeClient(namespace = 'default'): FakeClient {
  const objects = new Map<string, KubeObject>();
  const forbidden = new Set<string>();
  const writes: string[] = [];
  let version = 1;
  const copy = <T>(obj: unknown): T => structuredClone(obj) as T;

  const get = <T>(r: ResourceType, name: string, ns?: string): Promise<T> => {
    const found = objects.get(keyOf(r, r.namespaced ? (ns ?? namespace) : undefined, name));
    return found ? Promise.resolve(copy<T>(found)) : Promise.reject(notFound(`${r.plural} "${name}"`));
  };
  const listAll = <T>(r: ResourceType, opts: ListOptions = {}): Promise<ObjectList<T>> => {
    if (opts.namespace === undefined && forbidden.has(r.plural)) {
      return Promise.reject(
        new KubeApiError('forbidden', 403, { reason: 'Forbidden', message: 'forbidden', code: 403 }),
      );
    }
    const prefix = `${r.group}/${r.plural}/${opts.namespace === undefined ? '' : `${opts.namespace}/`}`;
    const items = [...objects].filter(([k]) => k.startsWith(prefix)).map(([, o]) => copy<T>(o));
    return Promise.resolve({ items, metadata: { resourceVersion: String(version) } });
  };

  return {
    server: 'https://fake.invalid',
    namespace,
    writes,
    put(r, obj) {
      const out = copy<KubeObject>(obj);
      const stringData = out.stringData as Record<string, string> | undefined;
      if (stringData) {
        const data: Record<string, string> = { ...(out.data as Record<string, string> | undefined) };
        for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
        out.data = data;
        delete out.stringData;
      }
      const ns = r.namespaced ? (out.metadata?.namespace ?? namespace) : undefined;
      out.metadata = {
        ...out.metadata,
        ...(ns ? { namespace: ns } : {}),
        resourceVersion: String(++version),
      };
      objects.set(keyOf(r, ns, out.metadata.name ?? ''), out);
    },
    forbidClusterList(r) {
      forbidden.add(r.plural);
    },
    get,
    async find(r, name, ns) {
      try {
        return await get(r, name, ns);
      } catch {
        return undefined;
      }
    },
    list: listAll,
    listAll,
    async replace(r, obj, opts = {}) {
      const ns = opts.namespace ?? obj.metadata?.namespace ?? namespace;
      const key = keyOf(r, ns, obj.metadata?.name ?? '');
      const current = objects.get(key);
      if (!current) throw notFound(`${r.plural} "${obj.metadata?.name}"`);
      if (
        obj.metadata?.resourceVersion &&
        obj.metadata.resourceVersion !== current.metadata?.resourceVersion
      ) {
        throw new KubeApiError('conflict', 409, { reason: 'Conflict', message: 'conflict', code: 409 });
      }
      writes.push(`replace ${key}`);
      const written = {
        ...copy<KubeObject>(obj),
        metadata: { ...obj.metadata, resourceVersion: String(++version) },
      };
      objects.set(key, written);
      return copy(written);
    },
    listPages: unsupported,
    create: unsupported,
    patch: unsupported,
    apply: unsupported,
    patchStatus: unsupported,
    delete: unsupported,
    watch: unsupported,
    request: unsupported,
  } as FakeClient;
}
