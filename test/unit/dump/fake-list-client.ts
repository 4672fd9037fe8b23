// A KubeClient for unit tests of the dump: objects per resource id, served by `listPages` in pages with
// continue tokens; failures can be injected per resource id and page. Only listPages and find are implemented.
import { KubeApiError } from '../../../src/kube/errors.ts';
import type { ResourceType } from '../../../src/api/resource-type.ts';
import type { KubeClient, KubeObject, ListOptions, RawPage } from '../../../src/kube/types.ts';

const idOf = (r: ResourceType): string => (r.group === '' ? r.plural : `${r.plural}.${r.group}`);

export const apiError = (code: number, message = `status ${code}`): KubeApiError =>
  new KubeApiError(message, code, { kind: 'Status', code, message });

export class FakeListClient {
  readonly objects = new Map<string, KubeObject[]>();
  /** Called before each page is served; throw to fail that request. */
  failure: (id: string, page: number, opts: ListOptions) => void = () => undefined;
  readonly calls: { id: string; opts: ListOptions; offset: number }[] = [];

  set(id: string, items: KubeObject[]): this {
    this.objects.set(id, items);
    return this;
  }

  get client(): KubeClient {
    return {
      server: 'https://fake',
      namespace: 'default',
      listPages: this.listPages.bind(this),
      find: (r: ResourceType, name: string, namespace?: string) =>
        Promise.resolve(
          this.objects
            .get(idOf(r))
            ?.find((o) => o.metadata?.name === name && o.metadata.namespace === namespace),
        ),
    } as unknown as KubeClient;
  }

  async *listPages(r: ResourceType, opts: ListOptions = {}): AsyncGenerator<RawPage> {
    const id = idOf(r);
    const limit = opts.limit ?? 500;
    let offset = opts.continue ? Number(opts.continue) : 0;
    for (;;) {
      this.calls.push({ id, opts, offset });
      this.failure(id, offset / limit, opts);
      await Promise.resolve();
      if (!this.objects.has(id)) throw apiError(404, `the server could not find ${id}`);
      const all = (this.objects.get(id) ?? []).filter(
        (o) => opts.namespace === undefined || o.metadata?.namespace === opts.namespace,
      );
      const items = all.slice(offset, offset + limit);
      offset += items.length;
      const cont = offset < all.length ? String(offset) : undefined;
      const body = Buffer.from(
        JSON.stringify({
          kind: 'List',
          apiVersion: 'v1',
          metadata: { resourceVersion: '1', ...(cont && { continue: cont }) },
          items,
        }),
      );
      yield { body, resourceVersion: '1', ...(cont && { continue: cont }) };
      if (!cont) return;
    }
  }
}
