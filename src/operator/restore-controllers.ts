// The controllers of the restore flow, appended to the backup flow's list (backup-controllers.ts) so that
// the operator and its tests start them the same way. Adding a restore-side reconciler is one line here.
import type { ControllerFactory } from './backup-controllers.ts';
import { restoreSessionController } from '../reconcilers/restoresession/reconciler.ts';

/** Every restore-flow controller, in the order they are started. */
export const RESTORE_CONTROLLERS: readonly ControllerFactory[] = [restoreSessionController];
