// RestoreSession status vocabulary and its phase rule.
import { hasCondition, isConditionFalse, isConditionTrue } from './conditions.ts';
import type { Condition } from './conditions.ts';

export const RestoreSessionPhase = {
  Pending: 'Pending',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Invalid: 'Invalid',
  Unknown: 'Unknown',
} as const;
export type RestoreSessionPhase = (typeof RestoreSessionPhase)[keyof typeof RestoreSessionPhase];

export const RestoreSessionCondition = {
  ValidationPassed: 'ValidationPassed',
  RestoreExecutorEnsured: 'RestoreExecutorEnsured',
  PreRestoreHooksExecutionSucceeded: 'PreRestoreHooksExecutionSucceeded',
  PostRestoreHooksExecutionSucceeded: 'PostRestoreHooksExecutionSucceeded',
  RestoreTargetFound: 'RestoreTargetFound',
  RestoreIncomplete: 'RestoreIncomplete',
  /** The final step of a restore: its presence means every other step has run. */
  MetricsPushed: 'MetricsPushed',
} as const;

export const RestoreSessionReason = {
  ResourceValidationPassed: 'ResourceValidationPassed',
  ResourceValidationFailed: 'ResourceValidationFailed',
  SuccessfullyEnsuredRestoreExecutor: 'SuccessfullyEnsuredRestoreExecutor',
  FailedToEnsureRestoreExecutor: 'FailedToEnsureRestoreExecutor',
  SuccessfullyExecutedPreRestoreHooks: 'SuccessfullyExecutedPreRestoreHooks',
  FailedToExecutePreRestoreHooks: 'FailedToExecutePreRestoreHooks',
  SuccessfullyExecutedPostRestoreHooks: 'SuccessfullyExecutedPostRestoreHooks',
  FailedToExecutePostRestoreHooks: 'FailedToExecutePostRestoreHooks',
  UnableToCheckTargetAvailability: 'UnableToCheckTargetAvailability',
  RestoreExecutorTerminatedBeforeCompletion: 'RestoreExecutorTerminatedBeforeCompletion',
  SuccessfullyPushedMetrics: 'SuccessfullyPushedMetrics',
  FailedToPushMetrics: 'FailedToPushMetrics',
} as const;

export interface RestoreSessionStatusInput {
  conditions?: readonly Condition[];
  components?: Readonly<Record<string, { phase?: string }>>;
  totalComponents?: number;
}

/**
 * The phase the components alone imply: Pending before any reports; Succeeded when every expected component
 * succeeded; once every expected component has finished (Unknown counts as finished), Failed if any failed
 * and Unknown otherwise; Failed as soon as one failed; Running otherwise.
 *
 * The expected count is `totalComponents`, but never fewer than the components actually reported.
 */
export function restoreSessionComponentsPhase(
  status: RestoreSessionStatusInput | undefined,
): RestoreSessionPhase {
  const components = Object.values(status?.components ?? {});
  if (components.length === 0) return RestoreSessionPhase.Pending;
  const expected = Math.max(status?.totalComponents ?? 0, components.length);
  const count = (phase: string) => components.filter((c) => c.phase === phase).length;
  const succeeded = count(RestoreSessionPhase.Succeeded);
  const failed = count(RestoreSessionPhase.Failed);
  const unknown = count(RestoreSessionPhase.Unknown);
  if (succeeded === expected) return RestoreSessionPhase.Succeeded;
  if (succeeded + failed + unknown === expected) {
    return failed > 0 ? RestoreSessionPhase.Failed : RestoreSessionPhase.Unknown;
  }
  if (failed > 0) return RestoreSessionPhase.Failed;
  return RestoreSessionPhase.Running;
}

/**
 * The RestoreSession phase. Step failures and completed component results are reported only once the final
 * step (MetricsPushed) has run; a failure to push metrics fails the restore at once, and failed validation
 * makes it Invalid. An Unknown component result is passed through as soon as it is known.
 */
export function restoreSessionPhase(status: RestoreSessionStatusInput | undefined): RestoreSessionPhase {
  const conditions = status?.conditions;
  const C = RestoreSessionCondition;
  if (isConditionFalse(conditions, C.MetricsPushed)) return RestoreSessionPhase.Failed;
  if (isConditionFalse(conditions, C.ValidationPassed)) return RestoreSessionPhase.Invalid;

  const stepFailed =
    isConditionFalse(conditions, C.PreRestoreHooksExecutionSucceeded) ||
    isConditionFalse(conditions, C.PostRestoreHooksExecutionSucceeded) ||
    isConditionFalse(conditions, C.RestoreExecutorEnsured) ||
    isConditionTrue(conditions, C.RestoreIncomplete);
  if (isConditionTrue(conditions, C.MetricsPushed) && stepFailed) return RestoreSessionPhase.Failed;

  const fromComponents = restoreSessionComponentsPhase(status);
  if (
    fromComponents === RestoreSessionPhase.Pending ||
    fromComponents === RestoreSessionPhase.Unknown ||
    hasCondition(conditions, C.MetricsPushed)
  ) {
    return fromComponents;
  }
  return RestoreSessionPhase.Running;
}
