// The controllers of the backup, restore and verification flow, in one list the operator hands to its
// manager. Each lives in src/reconcilers/<kind>/ and exports a factory taking these dependencies; adding a
// reconciler is one line here.
import type { ControllerMetrics } from '../controller/metrics.ts';
import type { Controller } from '../controller/controller.ts';
import type { Informers } from '../controller/informers.ts';
import type { Log } from '../common/log.ts';
import type { KubeClient } from '../kube/types.ts';
import { newBackupStorageController } from '../reconcilers/backupstorage/reconciler.ts';
import { newRepositoryController } from '../reconcilers/repository/reconciler.ts';
import { backupSessionController } from '../reconcilers/backupsession/reconciler.ts';
import { snapshotController } from '../reconcilers/snapshot/reconciler.ts';
import { makeBackupConfigurationController } from '../reconcilers/backupconfiguration/reconciler.ts';
import { RESTORE_CONTROLLERS } from './restore-controllers.ts';

export interface ReconcilerDeps {
  client: KubeClient;
  /** The process's shared informers (also read by the webhooks). */
  informers: Informers;
  log: Log;
  metrics: ControllerMetrics;
  /** Cairn's image, for the Jobs and CronJobs the reconcilers create (their container runs `cairn …`). */
  image: string;
  /** The operator's own namespace (where its Lease and certificate Secret live). */
  operatorNamespace: string;
}

export type ControllerFactory = (deps: ReconcilerDeps) => Controller;

/** Every backup-flow controller, in the order they are started. */
export const BACKUP_CONTROLLERS: readonly ControllerFactory[] = [
  newBackupStorageController,
  newRepositoryController,
  backupSessionController,
  snapshotController,
  makeBackupConfigurationController,
  ...RESTORE_CONTROLLERS,
];
