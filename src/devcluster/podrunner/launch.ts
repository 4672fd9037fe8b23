// How one container becomes one local process, as data: its mounts, argv, environment and working
// directory. Pure; pod-run.ts starts what these functions describe.
import { constants } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import type { Exit, StartOptions } from '../processes.ts';
import { ConfigError, expandVars } from './env.ts';
import { translatePaths, type Mount } from './paths.ts';

/**
 * The container's mounts: each volumeMount's mount path with the host path of its volume, or of the
 * subPath inside it. A mount naming no volume, or a subPath that is absolute or climbs out of its volume
 * (a `..` segment), is refused as the kubelet refuses it.
 */
export function containerMounts(spec: V1Container, volumes: ReadonlyMap<string, string>): Mount[] {
  return (spec.volumeMounts ?? []).map((m) => {
    const host = volumes.get(m.name);
    if (host === undefined) throw new ConfigError(`volumeMount "${m.name}" names no volume of the pod`);
    const sub = m.subPath ?? '';
    if (sub && (isAbsolute(sub) || sub.split('/').includes('..'))) {
      throw new ConfigError(
        `volumeMount "${m.name}": subPath "${sub}" must be a relative path inside the volume (no "..")`,
      );
    }
    return { mountPath: m.mountPath, hostPath: sub ? join(host, sub) : host };
  });
}

export interface LaunchContext {
  pod: V1Pod;
  spec: V1Container;
  /** The pod's directory on the host (volumes, logs, home). */
  podDir: string;
  /** The arguments for Cairn's CLI (see cliArgs), before `$(VAR)` expansion and path translation. */
  template: readonly string[];
  /** The container's resolved environment (resolveEnv). */
  env: Record<string, string>;
  mounts: readonly Mount[];
  /** How to start Cairn's CLI: the executable and the arguments before the container's own. */
  cli: { command: string; args: readonly string[] };
  /** The API server URL the pod reaches (for KUBERNETES_SERVICE_*). */
  server: string;
  /** The pod's kubeconfig with its ServiceAccount token, when the token is mounted. */
  kubeconfig?: string;
  extraPath?: readonly string[];
  /** PATH of the runner, appended after extraPath. */
  hostPath?: string;
}

/**
 * The process for a container: `$(VAR)` references expanded and container paths rewritten to host paths
 * in argv, env and workingDir; the variables a pod always sees (HOSTNAME, KUBERNETES_SERVICE_*) set, and
 * the container's own env on top of them.
 */
export function containerLaunch(c: LaunchContext): StartOptions & { cwd: string } {
  const { pod, spec, mounts } = c;
  const env = Object.fromEntries(Object.entries(c.env).map(([k, v]) => [k, translatePaths(v, mounts)]));
  const argv = c.template.map((a) => translatePaths(expandVars(a, c.env), mounts));
  const base: Record<string, string> = {
    PATH: [...(c.extraPath ?? []), c.hostPath ?? '/usr/bin:/bin'].join(':'),
    HOME: join(c.podDir, 'home'),
    HOSTNAME: pod.metadata?.name ?? '',
    KUBERNETES_SERVICE_HOST: '127.0.0.1',
    KUBERNETES_SERVICE_PORT: new URL(c.server).port,
    CAIRN_POD: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
  };
  if (c.kubeconfig) base.KUBECONFIG = c.kubeconfig;
  return {
    name: `${pod.metadata?.namespace}/${pod.metadata?.name}/${spec.name}`,
    command: c.cli.command,
    args: [...c.cli.args, ...argv],
    env: { ...base, ...env },
    cwd: spec.workingDir ? translatePaths(spec.workingDir, mounts) : join(c.podDir, 'home'),
    logFile: join(c.podDir, 'logs', `${spec.name}.log`),
  };
}

/** A container's exit code as the kubelet reports it: the process's own, or 128 + the killing signal. */
export function exitCodeOf(exit: Exit): number {
  if (exit.code !== null) return exit.code;
  const n = exit.signal ? constants.signals[exit.signal] : undefined;
  return 128 + (n ?? 1);
}
