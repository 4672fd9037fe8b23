// When a failed BackupSession is retried (`retryConfig` of its session, API reference §3.4 step 8): a run that
// ended Failed with `spec.retryLeft > 0` first gets `status.nextRetry` (end + `retryConfig.delay`), and once
// that time has come a new BackupSession with one retry fewer, named from `nextRetry`, and `status.retried`.
// The name is derived from the recorded time, so an operator that stops between the create and the status
// write creates the same object again (AlreadyExists) rather than a second retry. Pure.
import { backupSessionLabels, controllerReference } from '../../api/backup-names.ts';
import { BackupSessionPhase } from '../../api/backupsession-phase.ts';
import { backupSessionName } from '../../api/names.ts';
import { apiVersionOf, KUBESTASH } from '../../api/resource-type.ts';
import type { KubeObject } from '../../kube/types.ts';
import { parseGoDuration } from './plan.ts';

export interface RetrySession extends KubeObject {
  spec?: {
    invoker?: { apiGroup?: string; kind?: string; name?: string };
    session?: string;
    retryLeft?: number;
    backupTimeout?: string;
  };
  status?: { phase?: string; retried?: boolean; nextRetry?: string; duration?: string };
}

export interface RetryConfiguration extends KubeObject {
  spec?: {
    paused?: boolean;
    sessions?: {
      name: string;
      retryConfig?: { maxRetry?: number; delay?: string };
      backupTimeout?: string;
    }[];
  };
}

export type RetryDecision =
  /** Nothing to do: not failed, no retry left, already retried, or the configuration is gone or paused. */
  | { kind: 'none' }
  /** Record when the retry is due; come back then. */
  | { kind: 'schedule'; nextRetry: string; afterMs: number }
  /** Not due yet. */
  | { kind: 'wait'; afterMs: number }
  /** Create this BackupSession, then mark the failed one retried. */
  | { kind: 'create'; session: KubeObject };

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * When the failed run ended: its creation time plus its recorded duration, else `now` (the status of a
 * run that failed before it started may carry no duration).
 */
function endedAt(session: RetrySession, now: Date): number {
  const created = Date.parse(session.metadata?.creationTimestamp ?? '');
  const took = parseGoDuration(session.status?.duration);
  return Number.isNaN(created) || took === undefined ? now.getTime() : created + took;
}

/** What to do about retrying `session`, given its BackupConfiguration (undefined when gone) at `now`. */
export function retryDecision(
  session: RetrySession,
  configuration: RetryConfiguration | undefined,
  now: Date,
): RetryDecision {
  if (session.status?.phase !== BackupSessionPhase.Failed) return { kind: 'none' };
  if ((session.spec?.retryLeft ?? 0) <= 0 || session.status.retried === true) return { kind: 'none' };
  if (!configuration || configuration.metadata?.deletionTimestamp || configuration.spec?.paused === true)
    return { kind: 'none' };
  const spec = configuration.spec?.sessions?.find((s) => s.name === session.spec?.session);
  if (!spec) return { kind: 'none' };
  const recorded = Date.parse(session.status.nextRetry ?? '');
  if (Number.isNaN(recorded)) {
    // At least a second after the failed run was created: the retry's name is taken from this time.
    const created = Date.parse(session.metadata?.creationTimestamp ?? '');
    const due = Math.max(
      endedAt(session, now) + (parseGoDuration(spec.retryConfig?.delay) ?? 0),
      Number.isNaN(created) ? 0 : created + 1_000,
    );
    return { kind: 'schedule', nextRetry: iso(due), afterMs: Math.max(0, due - now.getTime()) };
  }
  if (recorded > now.getTime()) return { kind: 'wait', afterMs: recorded - now.getTime() };
  return { kind: 'create', session: retrySession(session, configuration, spec, new Date(recorded)) };
}

/** The retry: the same invoker and session, one retry fewer, the session's timeout, named from `at`. */
function retrySession(
  failed: RetrySession,
  configuration: RetryConfiguration,
  spec: { name: string; backupTimeout?: string },
  at: Date,
): KubeObject {
  const bc = configuration.metadata?.name ?? '';
  const namespace = failed.metadata?.namespace ?? '';
  const timeout = failed.spec?.backupTimeout ?? spec.backupTimeout;
  return {
    apiVersion: apiVersionOf(KUBESTASH.backupSessions),
    kind: 'BackupSession',
    metadata: {
      name: backupSessionName(bc, spec.name, at),
      namespace,
      labels: backupSessionLabels({ name: bc, namespace }, spec.name),
      ownerReferences: [
        controllerReference({
          apiVersion: apiVersionOf(KUBESTASH.backupConfigurations),
          kind: 'BackupConfiguration',
          metadata: configuration.metadata ?? {},
        }),
      ],
    },
    spec: {
      invoker: { apiGroup: KUBESTASH.backupConfigurations.group, kind: 'BackupConfiguration', name: bc },
      session: spec.name,
      retryLeft: (failed.spec?.retryLeft ?? 1) - 1,
      ...(timeout ? { backupTimeout: timeout } : {}),
    },
  };
}
