// The informers a BackupSession run is read from (the process's shared caches) and what the controller
// needs of the operator.
import { KUBESTASH, K8S, type ResourceType } from '../../api/resource-type.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import type { Informer } from '../../kube/informer.ts';
import type { Informers } from '../../controller/informers.ts';
import type { ControllerMetrics } from '../../controller/metrics.ts';
import type { Log } from '../../common/log.ts';
import type { FunctionObj } from '../addon-job/task-job.ts';
import type { AddonObj } from './job.ts';
import type { ConfigurationObject, SessionObject, SnapshotObject } from './plan.ts';
import type { RetentionPolicyObject } from './retention-plan.ts';

export interface BackupSessionSources {
  sessions: Informer<SessionObject>;
  configurations: Informer<ConfigurationObject>;
  snapshots: Informer<SnapshotObject>;
  repositories: Informer<KubeObject>;
  storages: Informer<KubeObject>;
  jobs: Informer<KubeObject>;
  addons: Informer<AddonObj>;
  functions: Informer<FunctionObj>;
  retentionPolicies: Informer<RetentionPolicyObject>;
}

/** What the controller needs of the operator (a subset of the registry's ReconcilerDeps). */
export interface BackupSessionDeps {
  client: KubeClient;
  informers: Informers;
  log: Log;
  metrics?: ControllerMetrics;
  /** Cairn's image: what a Function running Cairn's released image runs instead. */
  image: string;
}

export function backupSessionSources(deps: Pick<BackupSessionDeps, 'informers'>): BackupSessionSources {
  const inf = <T extends KubeObject>(resource: ResourceType) => deps.informers.informer<T>({ resource });
  return {
    sessions: inf<SessionObject>(KUBESTASH.backupSessions),
    configurations: inf<ConfigurationObject>(KUBESTASH.backupConfigurations),
    snapshots: inf<SnapshotObject>(KUBESTASH.snapshots),
    repositories: inf(KUBESTASH.repositories),
    storages: inf(KUBESTASH.backupStorages),
    jobs: inf(K8S.jobs),
    addons: inf<AddonObj>(KUBESTASH.addons),
    functions: inf<FunctionObj>(KUBESTASH.functions),
    retentionPolicies: inf<RetentionPolicyObject>(KUBESTASH.retentionPolicies),
  };
}
