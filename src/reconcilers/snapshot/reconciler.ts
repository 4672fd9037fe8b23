// The Snapshot reconciler: once every component of a Snapshot has reported, uploads its record to the
// backend (SnapshotMetadataUploaded); and keeps its phase, size and integrity derived from its components
// and conditions (written by the backup Job and the BackupSession reconciler). One conditional status patch
// when anything differs; nothing otherwise.
import { setCondition } from '../../api/conditions.ts';
import { K8S, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../kube/informer.ts';
import { Controller } from '../../controller/controller.ts';
import { EventType, recordEvent } from '../../controller/events.ts';
import type { Informers } from '../../controller/informers.ts';
import { secretReader, type SecretReader } from '../../controller/secret-reader.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import { parseKey } from '../../controller/keys.ts';
import type { Reconciler, ReconcileResult } from '../../controller/reconciler.ts';
import type { Log } from '../../common/log.ts';
import type { BackupStorageObject, SecretObject } from '../backupstorage/backend.ts';
import {
  metadataDue,
  uploadSnapshotMetadata,
  type RepositoryObject,
  type SnapshotObject,
} from './metadata.ts';
import { derivedSnapshotStatus } from './plan.ts';
import { reconcileFinalizer } from './cleanup.ts';

export interface SnapshotSources {
  snapshots: Informer<SnapshotObject>;
  repositories: Informer<RepositoryObject>;
  storages: Informer<BackupStorageObject>;
  secrets: SecretReader<SecretObject>;
  jobs: Informer<KubeObject>;
}

export class SnapshotReconciler implements Reconciler {
  readonly #client: KubeClient;
  readonly #src: SnapshotSources;
  readonly #image: string;

  constructor(client: KubeClient, sources: SnapshotSources, image = '') {
    this.#client = client;
    this.#src = sources;
    this.#image = image;
  }

  async reconcile(key: string): Promise<ReconcileResult | void> {
    const { namespace, name } = parseKey(key);
    const snapshot = this.#src.snapshots.get(name, namespace);
    if (!snapshot) return;
    // The cleanup finalizer first: a Snapshot without it, or being deleted, is handled there (cleanup.ts).
    const finalizer = await reconcileFinalizer(
      {
        client: this.#client,
        sources: {
          repository: (n, ns) => this.#src.repositories.get(n, ns),
          storage: (n, ns) => this.#src.storages.get(n, ns),
          job: (n, ns) => this.#src.jobs.get(n, ns),
        },
        image: this.#image,
        now: new Date(),
      },
      snapshot,
    );
    if (finalizer !== undefined) return finalizer;
    let status = snapshot.status ?? {};
    if (metadataDue(snapshot)) {
      const r = await uploadSnapshotMetadata(snapshot, {
        repository: (n, ns) => this.#src.repositories.get(n, ns),
        storage: (n, ns) => this.#src.storages.get(n, ns),
        secret: (n, ns) => this.#src.secrets.read(n, ns),
        ...(this.#image
          ? { localJobs: { client: this.#client, jobs: this.#src.jobs, image: this.#image } }
          : {}),
      });
      if ('retry' in r) throw new Error(r.retry);
      if ('pending' in r) return { requeueAfterMs: 5_000 };
      status = { ...status, conditions: setCondition(status.conditions, r.condition, () => new Date()) };
      if (r.condition.status === 'False') {
        await recordEvent(this.#client, {
          regarding: snapshot,
          type: EventType.Warning,
          reason: r.condition.reason ?? 'FailedToUploadSnapshotMetadata',
          action: 'UploadSnapshotMetadata',
          note: r.condition.message ?? '',
        });
      }
    }
    const derived = derivedSnapshotStatus(status);
    if (!derived && status === snapshot.status) return;
    const patch = { ...(status !== snapshot.status ? { conditions: status.conditions } : {}), ...derived };
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
  /** Cairn's image, run by the cleanup Job of a Snapshot deleted with WipeOut. */
  image?: string;
}

export function snapshotController(deps: SnapshotDeps): Controller {
  const sources: SnapshotSources = {
    snapshots: deps.informers.informer<SnapshotObject>({ resource: KUBESTASH.snapshots }),
    repositories: deps.informers.informer<RepositoryObject>({ resource: KUBESTASH.repositories }),
    storages: deps.informers.informer<BackupStorageObject>({ resource: KUBESTASH.backupStorages }),
    secrets: secretReader<SecretObject>(deps.informers),
    jobs: deps.informers.informer<KubeObject>({ resource: K8S.jobs }),
  };
  return new Controller({
    kind: 'Snapshot',
    reconciler: new SnapshotReconciler(deps.client, sources, deps.image),
    primary: sources.snapshots,
    owns: [
      { source: sources.jobs, owner: { group: 'storage.kubestash.com', kind: 'Snapshot', namespaced: true } },
    ],
    log: deps.log,
    metrics: deps.metrics,
  });
}
