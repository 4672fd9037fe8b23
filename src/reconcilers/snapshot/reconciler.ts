// The Snapshot reconciler: keeps a Snapshot's phase, size and integrity derived from what its components
// and conditions say (written by the backup Job and the BackupSession reconciler). One conditional status
// patch when they differ; nothing otherwise.
import { KUBESTASH } from '../../api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../kube/informer.ts';
import { Controller } from '../../controller/controller.ts';
import type { Informers } from '../../controller/informers.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import { parseKey } from '../../controller/keys.ts';
import type { Reconciler } from '../../controller/reconciler.ts';
import type { Log } from '../../common/log.ts';
import { derivedSnapshotStatus, type SnapshotStatusInput } from './plan.ts';

type SnapshotObject = KubeObject & { status?: SnapshotStatusInput };

export class SnapshotReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #snapshots: Informer<SnapshotObject>;

  constructor(client: KubeClient, snapshots: Informer<SnapshotObject>) {
    this.#client = client;
    this.#snapshots = snapshots;
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = parseKey(key);
    const snapshot = this.#snapshots.get(name, namespace);
    if (!snapshot || snapshot.metadata?.deletionTimestamp) return;
    const patch = derivedSnapshotStatus(snapshot.status);
    if (!patch) return;
    await this.#client.patchStatus(KUBESTASH.snapshots, name, namespace, patch, {
      resourceVersion: snapshot.metadata?.resourceVersion,
    });
  }
}

export interface SnapshotDeps {
  client: KubeClient;
  informers: Informers;
  log: Log;
  metrics?: ControllerMetrics;
}

export function snapshotController(deps: SnapshotDeps): Controller {
  const snapshots = deps.informers.informer<SnapshotObject>({ resource: KUBESTASH.snapshots });
  return new Controller({
    kind: 'Snapshot',
    reconciler: new SnapshotReconciler(deps.client, snapshots),
    primary: snapshots,
    log: deps.log,
    metrics: deps.metrics,
  });
}
