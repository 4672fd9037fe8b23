// The life of one pod on the runner's node, as the kubelet would live it: prepare volumes and the
// ServiceAccount kubeconfig, run the init containers one after another to completion, then the main
// containers side by side, restart per the restart policy, and report every change as pod status.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { K8S } from '../../api/resource-type.ts';
import { apiMessage, isNotFound } from '../../kube/errors.ts';
import type { KubeClient } from '../../kube/types.ts';
import { renderKubeconfig } from '../kubeconfig.ts';
import { startProcess, type ManagedProcess } from '../processes.ts';
import { cliArgs } from './command.ts';
import { ConfigError, resolveEnv } from './env.ts';
import { containerLaunch, containerMounts, exitCodeOf } from './launch.ts';
import type { Mount } from './paths.ts';
import type { Log } from './scheduler.ts';
import { mainPhase, now, podStatus, type ContainerRecord, type PodRecord } from './status.ts';
import { materializeVolume, type VolumeSources } from './volumes.ts';

/** What a pod run needs from the runner that owns it. */
export interface PodRunContext {
  client: KubeClient;
  sources: VolumeSources;
  /** Where pod directories (volumes, logs) are created. */
  workDir: string;
  server: string;
  caPem: string;
  cli: { command: string; args: string[] };
  extraPath?: string[];
  /** The address reported as the pod's IP (default 127.0.0.1; see PodRunnerOptions.podIP). */
  podIP?: string;
  /** The arguments the entrypoint of a container's image puts first. */
  prefixFor(c: V1Container): string[];
  log: Log;
}

type Terminated = Extract<ContainerRecord['current'], { state: 'terminated' }>;

interface Prepared {
  /** Volume name → host path. */
  volumes: Map<string, string>;
  kubeconfig: string | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The host directory of a pod: unique per pod UID, so a recreated pod starts empty. */
export function podDirectory(workDir: string, pod: V1Pod): string {
  const ns = pod.metadata?.namespace ?? 'default';
  return join(workDir, ns, `${pod.metadata?.name}-${(pod.metadata?.uid ?? '').slice(0, 8)}`);
}

/** One pod's life on the runner's node. */
export class PodRun {
  /** The latest version of the pod seen by the watch. */
  pod: V1Pod;
  readonly #c: PodRunContext;
  readonly #procs = new Map<string, ManagedProcess>();
  readonly #dir: string;
  #rec: PodRecord;
  #ended = false;
  #killReason: string | undefined;
  #writes: Promise<void> = Promise.resolve();
  #deadline: NodeJS.Timeout | undefined;

  constructor(context: PodRunContext, pod: V1Pod) {
    this.#c = context;
    this.pod = pod;
    this.#dir = podDirectory(context.workDir, pod);
    const waiting = (c: V1Container, reason: string): ContainerRecord => ({
      name: c.name,
      image: c.image ?? '',
      restartCount: 0,
      current: { state: 'waiting', reason },
    });
    this.#rec = {
      phase: 'Pending',
      startTime: now(),
      init: (pod.spec?.initContainers ?? []).map((c) => waiting(c, 'PodInitializing')),
      main: (pod.spec?.containers ?? []).map((c) => waiting(c, 'ContainerCreating')),
    };
  }

  get #restartPolicy(): string {
    return this.pod.spec?.restartPolicy ?? 'Always';
  }

  get #fields(): Record<string, unknown> {
    return { namespace: this.pod.metadata?.namespace, name: this.pod.metadata?.name };
  }

  /** Runs the pod to its end (or until killed); never rejects for a container's failure. */
  async run(): Promise<void> {
    const pod = this.pod;
    this.#c.log('pod started', this.#fields);
    mkdirSync(join(this.#dir, 'logs'), { recursive: true, mode: 0o700 });
    mkdirSync(join(this.#dir, 'home'), { recursive: true, mode: 0o700 });
    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline) this.#deadline = setTimeout(() => void this.#deadlineExceeded(), deadline * 1000);
    this.#write();
    const prepared = await this.#prepareUntilReady();
    if (!prepared) return;
    const initSpecs = pod.spec?.initContainers ?? [];
    for (const [i, spec] of initSpecs.entries()) {
      const rec = this.#rec.init[i];
      if (!rec) continue;
      for (;;) {
        const t = await this.#runContainer(spec, rec, prepared);
        if (this.#ended) return;
        if (t.exitCode === 0) break;
        if (this.#restartPolicy === 'Never') {
          for (const c of this.#rec.main) c.current = { state: 'waiting', reason: 'PodInitializing' };
          return this.#finish('Failed');
        }
        this.#restart(rec, t);
      }
    }
    this.#rec.phase = 'Running';
    for (const c of this.#rec.main) c.current = { state: 'waiting', reason: 'ContainerCreating' };
    this.#write();
    const specs = pod.spec?.containers ?? [];
    await Promise.all(
      specs.map(async (spec, i) => {
        const rec = this.#rec.main[i];
        if (!rec) return;
        for (;;) {
          const t = await this.#runContainer(spec, rec, prepared);
          if (this.#ended) return;
          const again =
            this.#restartPolicy === 'Always' || (this.#restartPolicy === 'OnFailure' && t.exitCode !== 0);
          if (!again) return;
          this.#restart(rec, t);
        }
      }),
    );
    if (!this.#ended) this.#finish(mainPhase(this.#rec.main, this.#restartPolicy));
  }

  /** Marks a pod that cannot run (any more) as Failed. */
  async fail(reason: string, message: string): Promise<void> {
    for (const c of [...this.#rec.init, ...this.#rec.main]) {
      const t = now();
      c.current = {
        state: 'terminated',
        exitCode: 137,
        reason: 'ContainerStatusUnknown',
        message,
        startedAt: t,
        finishedAt: t,
      };
    }
    this.#rec.reason = reason;
    this.#rec.message = message;
    this.#finish('Failed');
    await this.flush();
  }

  /** Stops every container (SIGTERM, then SIGKILL after graceMs) and ends the pod as Failed. */
  async kill(reason: string, graceMs: number): Promise<void> {
    this.#killReason = reason;
    const wasEnded = this.#ended;
    this.#ended = true;
    await Promise.all([...this.#procs.values()].map((p) => p.stop(graceMs)));
    if (wasEnded) return;
    for (const c of [...this.#rec.init, ...this.#rec.main]) {
      if (c.current.state === 'terminated') continue;
      const t = now();
      const startedAt = c.current.state === 'running' ? c.current.startedAt : t;
      c.current = {
        state: 'terminated',
        exitCode: 137,
        reason: 'Error',
        message: reason,
        startedAt,
        finishedAt: t,
      };
    }
    this.#finish(mainPhase(this.#rec.main, 'Never'));
  }

  /** Resolves when every status write queued so far is done. */
  flush(): Promise<void> {
    return this.#writes;
  }

  /**
   * Volumes and the kubeconfig, retried until they can be made: a reference that does not resolve yet is
   * the kubelet's CreateContainerConfigError, any other failure (an API error) is retried the same way
   * with its message shown. Undefined when the pod ended meanwhile.
   */
  async #prepareUntilReady(): Promise<Prepared | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#prepare();
      } catch (err) {
        if (this.#ended) return undefined;
        const config = err instanceof ConfigError;
        const reason = config ? 'CreateContainerConfigError' : 'ContainerCreating';
        const message = config ? err.message : apiMessage(err);
        for (const c of [...this.#rec.init, ...this.#rec.main])
          c.current = { state: 'waiting', reason, message };
        this.#write();
        await sleep(Math.min(1000 * 2 ** attempt, 10_000));
      }
    }
  }

  async #prepare(): Promise<Prepared> {
    const volumes = new Map<string, string>();
    for (const vol of this.pod.spec?.volumes ?? []) {
      volumes.set(vol.name, await materializeVolume(this.pod, vol, this.#dir, this.#c.sources));
    }
    let kubeconfig: string | undefined;
    if (this.pod.spec?.automountServiceAccountToken !== false) {
      const token = await this.#c.sources.token(this.pod, undefined, 3607);
      kubeconfig = join(this.#dir, 'kubeconfig');
      const namespace = this.pod.metadata?.namespace;
      const user = `system:serviceaccount:${namespace}:${this.pod.spec?.serviceAccountName ?? 'default'}`;
      const { server, caPem } = this.#c;
      writeFileSync(kubeconfig, renderKubeconfig({ server, caPem, user, token, namespace }), { mode: 0o600 });
    }
    return { volumes, kubeconfig };
  }

  async #deadlineExceeded(): Promise<void> {
    if (this.#ended) return;
    this.#rec.reason = 'DeadlineExceeded';
    this.#rec.message = `Pod was active on the node longer than the specified deadline (${this.pod.spec?.activeDeadlineSeconds}s)`;
    await this.kill('DeadlineExceeded', 0);
    this.#rec.phase = 'Failed';
    this.#write();
  }

  #restart(rec: ContainerRecord, t: Terminated): void {
    rec.restartCount++;
    rec.lastTerminated = t;
    rec.current = { state: 'waiting', reason: 'CrashLoopBackOff', message: `exit code ${t.exitCode}` };
    this.#write();
  }

  #finish(phase: PodRecord['phase']): void {
    this.#ended = true;
    if (this.#deadline) clearTimeout(this.#deadline);
    this.#rec.phase = phase === 'Running' ? 'Failed' : phase;
    this.#write();
    this.#c.log('pod finished', { ...this.#fields, phase: this.#rec.phase });
  }

  /** Runs one container once; resolves with how it ended (also when it could not start). */
  async #runContainer(spec: V1Container, rec: ContainerRecord, prepared: Prepared): Promise<Terminated> {
    const startedAt = now();
    const end = (exitCode: number, message?: string): Terminated => {
      const t: Terminated = {
        state: 'terminated',
        exitCode,
        reason: exitCode === 0 ? 'Completed' : 'Error',
        startedAt,
        finishedAt: now(),
      };
      if (message) t.message = message;
      rec.current = t;
      this.#write();
      return t;
    };
    if (this.#ended) return end(137, this.#killReason);
    let mounts: Mount[];
    let template: string[];
    try {
      mounts = containerMounts(spec, prepared.volumes);
      template = cliArgs(spec, this.#c.prefixFor(spec));
    } catch (err) {
      return end(128, err instanceof Error ? err.message : String(err));
    }
    const env = await this.#resolveEnvUntilReady(spec, rec);
    if (!env || this.#ended) return end(137, this.#killReason);
    const launch = containerLaunch({
      pod: this.pod,
      spec,
      podDir: this.#dir,
      template,
      env,
      mounts,
      cli: this.#c.cli,
      server: this.#c.server,
      kubeconfig: prepared.kubeconfig,
      extraPath: this.#c.extraPath,
      hostPath: process.env.PATH,
    });
    mkdirSync(launch.cwd, { recursive: true });
    const proc = startProcess(launch);
    this.#procs.set(spec.name, proc);
    rec.current = { state: 'running', startedAt };
    this.#write();
    const exit = await proc.exited;
    this.#procs.delete(spec.name);
    return end(exitCodeOf(exit), this.#ended ? this.#killReason : undefined);
  }

  /**
   * The environment, resolved when the container starts as the kubelet does: a Secret or ConfigMap that
   * does not exist yet keeps it waiting (CreateContainerConfigError), retried. Undefined once the pod ended.
   */
  async #resolveEnvUntilReady(
    spec: V1Container,
    rec: ContainerRecord,
  ): Promise<Record<string, string> | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await resolveEnv(this.pod, spec, this.#c.sources);
      } catch (err) {
        if (this.#ended) return undefined;
        const config = err instanceof ConfigError;
        rec.current = {
          state: 'waiting',
          reason: config ? 'CreateContainerConfigError' : 'ContainerCreating',
          message: config ? err.message : apiMessage(err),
        };
        this.#write();
        await sleep(Math.min(500 * 2 ** attempt, 10_000));
      }
    }
  }

  /** Queues a status write of the current record; writes never overlap and keep their order. */
  #write(): void {
    const namespace = this.pod.metadata?.namespace ?? 'default';
    const name = this.pod.metadata?.name ?? '';
    const rec = structuredClone(this.#rec);
    this.#writes = this.#writes.then(async () => {
      const status = podStatus(rec, now(), this.pod.status?.conditions ?? [], this.#c.podIP);
      try {
        await this.#c.client.patchStatus(K8S.pods, name, namespace, status);
      } catch (err) {
        if (!isNotFound(err))
          this.#c.log('could not write pod status', { namespace, name, err: apiMessage(err) });
      }
    });
  }
}
