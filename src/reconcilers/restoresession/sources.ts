// The informers a RestoreSession is read from (the process's shared caches) and what its controller needs
// of the operator.
import { KUBESTASH, K8S, type ResourceType } from '../../api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../kube/informer.ts';
import type { Informers } from '../../controller/informers.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import type { Log } from '../../common/log.ts';
import type { FunctionObj } from '../addon-job/task-job.ts';
import type { RestoreAddonObj } from './job.ts';
import type { BackupConfigurationObj } from './pause.ts';
import type { RepositoryObj, RestoreSessionObject, SnapshotObj } from './plan.ts';

export interface RestoreSessionSources {
  sessions: Informer<RestoreSessionObject>;
  snapshots: Informer<SnapshotObj>;
  repositories: Informer<RepositoryObj>;
  storages: Informer<KubeObject>;
  configurations: Informer<BackupConfigurationObj>;
  jobs: Informer<KubeObject>;
  addons: Informer<RestoreAddonObj>;
  functions: Informer<FunctionObj>;
  namespaces: Informer<KubeObject>;
}

/** What the controller needs of the operator (a subset of the registry's ReconcilerDeps). */
export interface RestoreSessionDeps {
  client: KubeClient;
  informers: Informers;
  log: Log;
  metrics?: ControllerMetrics;
  /** Cairn's image: what a Function running Cairn's released image runs instead. */
  image: string;
}

export function restoreSessionSources(deps: Pick<RestoreSessionDeps, 'informers'>): RestoreSessionSources {
  const inf = <T extends KubeObject>(resource: ResourceType) => deps.informers.informer<T>({ resource });
  return {
    sessions: inf<RestoreSessionObject>(KUBESTASH.restoreSessions),
    snapshots: inf<SnapshotObj>(KUBESTASH.snapshots),
    repositories: inf<RepositoryObj>(KUBESTASH.repositories),
    storages: inf(KUBESTASH.backupStorages),
    configurations: inf<BackupConfigurationObj>(KUBESTASH.backupConfigurations),
    jobs: inf(K8S.jobs),
    addons: inf<RestoreAddonObj>(KUBESTASH.addons),
    functions: inf<FunctionObj>(KUBESTASH.functions),
    namespaces: inf(K8S.namespaces),
  };
}
