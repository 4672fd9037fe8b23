import type { V1ContainerStatus, V1PodCondition, V1PodStatus } from '@kubernetes/client-node';

/** What the runner knows of one container. Times are RFC 3339 strings. */
export type ContainerState =
  | { state: 'waiting'; reason: string; message?: string }
  | { state: 'running'; startedAt: string }
  | {
      state: 'terminated';
      exitCode: number;
      reason: string;
      message?: string;
      startedAt: string;
      finishedAt: string;
    };

export interface ContainerRecord {
  name: string;
  image: string;
  restartCount: number;
  current: ContainerState;
  lastTerminated?: Extract<ContainerState, { state: 'terminated' }>;
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

export interface PodRecord {
  phase: PodPhase;
  startTime: string;
  init: ContainerRecord[];
  main: ContainerRecord[];
  reason?: string;
  message?: string;
}

function containerStatus(c: ContainerRecord): V1ContainerStatus {
  const cur = c.current;
  const state =
    cur.state === 'waiting'
      ? { waiting: { reason: cur.reason, message: cur.message } }
      : cur.state === 'running'
        ? { running: { startedAt: cur.startedAt } }
        : {
            terminated: {
              exitCode: cur.exitCode,
              reason: cur.reason,
              message: cur.message,
              startedAt: cur.startedAt,
              finishedAt: cur.finishedAt,
            },
          };
  const last = c.lastTerminated;
  return {
    name: c.name,
    image: c.image,
    imageID: '',
    ready: cur.state === 'running',
    started: cur.state === 'running',
    restartCount: c.restartCount,
    state,
    lastState: last
      ? {
          terminated: {
            exitCode: last.exitCode,
            reason: last.reason,
            message: last.message,
            startedAt: last.startedAt,
            finishedAt: last.finishedAt,
          },
        }
      : {},
  } as unknown as V1ContainerStatus;
}

/**
 * The pod status the kubelet would report for these container records, with `ip` as the pod's and host's
 * address. Timestamps stay strings: the status is sent as a JSON merge patch.
 */
export function podStatus(
  rec: PodRecord,
  now: string,
  previous: V1PodCondition[] = [],
  ip = '127.0.0.1',
): V1PodStatus {
  const initDone = rec.init.every((c) => c.current.state === 'terminated' && c.current.exitCode === 0);
  const allRunning = rec.main.length > 0 && rec.main.every((c) => c.current.state === 'running');
  const terminal = rec.phase === 'Succeeded' || rec.phase === 'Failed';
  const want: Record<string, boolean> = {
    PodScheduled: true,
    Initialized: initDone,
    ContainersReady: allRunning && !terminal,
    Ready: allRunning && !terminal,
  };
  const conditions = Object.entries(want).map(([type, ok]) => {
    const status = ok ? 'True' : 'False';
    const prev = previous.find((c) => c.type === type);
    const lastTransitionTime = prev && prev.status === status ? prev.lastTransitionTime : now;
    const cond: Record<string, unknown> = { type, status, lastTransitionTime };
    if (!ok && type !== 'PodScheduled' && terminal) cond.reason = 'PodCompleted';
    return cond as unknown as V1PodCondition;
  });
  return {
    phase: rec.phase,
    reason: rec.reason,
    message: rec.message,
    hostIP: ip,
    hostIPs: [{ ip }],
    podIP: ip,
    podIPs: [{ ip }],
    startTime: rec.startTime as unknown as Date,
    conditions,
    initContainerStatuses: rec.init.map(containerStatus),
    containerStatuses: rec.main.map(containerStatus),
  };
}

/** The phase of a pod whose init containers all succeeded, from its main containers and restart policy. */
export function mainPhase(main: ContainerRecord[], restartPolicy: string): PodPhase {
  const done = main.filter((c) => c.current.state === 'terminated');
  if (done.length < main.length) return 'Running';
  const failed = done.some((c) => c.current.state === 'terminated' && c.current.exitCode !== 0);
  if (restartPolicy === 'Always') return 'Running';
  if (failed && restartPolicy === 'OnFailure') return 'Running';
  return failed ? 'Failed' : 'Succeeded';
}

/** The current time as the API writes it: RFC 3339 in UTC, whole seconds. */
export const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
