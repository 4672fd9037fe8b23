// Whether a BackupConfiguration's target exists. A Namespace target (the kubedump guides' usual one) is read
// from the shared Namespace cache; any other kind is resolved through discovery (kept for a minute) and read
// directly. No target means a cluster-wide backup, which always "exists".
import type { BackupConfiguration } from '../../api/kinds/backupconfiguration.ts';
import { q } from '../../common/json.ts';
import { errorText } from '../../common/redact.ts';
import { discover, type DiscoveredResource } from '../../kube/discovery.ts';
import { errorClass } from '../../kube/errors.ts';
import type { Informer } from '../../kube/informer.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { TargetState } from './plan.ts';
import { targetText } from './plan.ts';

const DISCOVERY_TTL_MS = 60_000;

export class TargetFinder {
  readonly #client: KubeClient;
  readonly #namespaces: Informer<KubeObject>;
  #discovery: { at: number; resources: DiscoveredResource[] } | undefined;

  constructor(client: KubeClient, namespaces: Informer<KubeObject>) {
    this.#client = client;
    this.#namespaces = namespaces;
  }

  async find(bc: BackupConfiguration, signal?: AbortSignal): Promise<TargetState> {
    const t = bc.spec.target;
    if (!t) return { found: true };
    const what = targetText(bc);
    const group = t.apiGroup ?? '';
    if (t.kind === 'Namespace' && group === '') {
      return this.#namespaces.get(t.name)
        ? { found: true }
        : { found: false, reason: `${what} does not exist: create it, or correct spec.target` };
    }
    try {
      const resource = await this.#resource(group, t.kind ?? '', signal);
      if (!resource) {
        return {
          found: false,
          reason: `${what}: the API server serves no kind ${q(t.kind ?? '')} in group ${q(group)}: correct spec.target.apiGroup and kind`,
        };
      }
      const namespace = resource.namespaced ? t.namespace || bc.metadata.namespace : undefined;
      const obj = await this.#client.find(resource, t.name, namespace, signal);
      return obj
        ? { found: true }
        : { found: false, reason: `${what} does not exist: create it, or correct spec.target` };
    } catch (err) {
      if (errorClass(err) === 'forbidden') {
        return {
          found: false,
          reason: `the operator may not read ${what} (${errorText(err)}): grant its ClusterRole get on ${q(t.kind ?? '')}`,
        };
      }
      throw err;
    }
  }

  async #resource(
    group: string,
    kind: string,
    signal?: AbortSignal,
  ): Promise<DiscoveredResource | undefined> {
    const now = Date.now();
    if (!this.#discovery || now - this.#discovery.at > DISCOVERY_TTL_MS) {
      this.#discovery = { at: now, resources: (await discover(this.#client, { signal })).resources };
    }
    return this.#discovery.resources.find(
      (r) => r.group === group && r.kind === kind && r.preferred && !r.plural.includes('/'),
    );
  }
}
