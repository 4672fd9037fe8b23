import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Container,
  type V1Pod,
} from '@kubernetes/client-node';
import { listWatch } from '../../kube/list-watch.ts';
import { apiMessage, isConflict, isNotFound } from '../../kube/errors.ts';
import { startProcess, type ManagedProcess } from '../processes.ts';
import { renderKubeconfig } from '../kubeconfig.ts';
import { ConfigError, expandVars, resolveEnv } from './env.ts';
import { materializeVolume, type VolumeSources } from './volumes.ts';
import { translatePaths, type Mount } from './paths.ts';
import { cliArgs, imageRepository } from './command.ts';
import { mainPhase, podStatus, type ContainerRecord, type PodRecord } from './status.ts';

/** The image repository Cairn's own image is published under; the runner runs it as Cairn's CLI. */
export const DEFAULT_IMAGE = 'ghcr.io/cairn-backup/cairn';

export interface PodRunnerOptions {
  kc: KubeConfig;
  server: string;
  caPem: string;
  /** Where pod directories (volumes, logs) are created. */
  workDir: string;
  /** Image repositories the runner runs, each with the arguments its entrypoint puts first. */
  images: Record<string, string[]>;
  /** How to start Cairn's CLI: the executable and the arguments before the container's own. */
  cli: { command: string; args: string[] };
  nodeName?: string;
  /** Directories put first on the containers' PATH (restic). */
  extraPath?: string[];
  log?: (msg: string, fields?: Record<string, unknown>) => void;
}

const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const podKey = (p: V1Pod): string => `${p.metadata?.namespace}/${p.metadata?.name}`;
const fieldsOf = (p: V1Pod): Record<string, unknown> => ({
  namespace: p.metadata?.namespace,
  name: p.metadata?.name,
});

/**
 * Plays the kubelet (and the scheduler) for pods whose images it knows: binds them to its own Node,
 * runs their containers as local processes of Cairn's CLI, reports their status, and finishes their
 * deletion. Pods with any other image get a PodScheduled=False condition saying why and never run.
 */
export class PodRunner {
  readonly nodeName: string;
  #o: PodRunnerOptions;
  #core: CoreV1Api;
  #runs = new Map<string, PodRun>();
  #refused = new Set<string>();
  #terminating = new Set<string>();
  #stopWatch: (() => void) | undefined;

  constructor(o: PodRunnerOptions) {
    this.#o = o;
    this.nodeName = o.nodeName ?? 'cairn-local';
    this.#core = o.kc.makeApiClient(CoreV1Api);
  }

  get core(): CoreV1Api {
    return this.#core;
  }

  get options(): PodRunnerOptions {
    return this.#o;
  }

  log(msg: string, fields?: Record<string, unknown>): void {
    this.#o.log?.(msg, fields);
  }

  async start(): Promise<void> {
    await this.#registerNode();
    this.#stopWatch = listWatch<V1Pod>(this.#o.kc, {
      path: '/api/v1/pods',
      list: async () => {
        const l = await this.#core.listPodForAllNamespaces();
        return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
      },
      onEvent: (type, pod) => this.#onPod(type, pod),
      onError: (err) => this.log('pod watch failed; retrying', { err: apiMessage(err) }),
    });
  }

  /** Kills every container this runner started; pods stay as they are in the API. */
  async stop(): Promise<void> {
    this.#stopWatch?.();
    await Promise.all([...this.#runs.values()].map((r) => r.kill('runner stopped', 2000)));
  }

  #knows(image: string | undefined): string[] | undefined {
    return image ? this.#o.images[imageRepository(image)] : undefined;
  }

  prefixFor(c: V1Container): string[] {
    return this.#knows(c.image) ?? [];
  }

  #onPod(type: string, pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? '';
    if (type === 'DELETED') {
      const run = this.#runs.get(uid);
      this.#runs.delete(uid);
      this.#refused.delete(uid);
      this.#terminating.delete(uid);
      if (run) void run.kill('pod deleted', 0);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) {
      if (!pod.metadata?.deletionTimestamp) void this.#schedule(pod);
      return;
    }
    if (nodeName !== this.nodeName) return;
    const run = this.#runs.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      void this.#terminate(pod, run);
      return;
    }
    if (run) {
      run.pod = pod;
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    const fresh = new PodRun(this, pod);
    this.#runs.set(uid, fresh);
    if (phase === 'Running') {
      void fresh.fail(
        'NodeRestarted',
        'the local pod runner restarted while this pod ran; its containers were lost',
      );
    } else {
      fresh
        .run()
        .catch((err: unknown) => this.log('pod run failed', { ...fieldsOf(pod), err: apiMessage(err) }));
    }
  }

  async #schedule(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
    const unknown = all.filter((c) => !this.#knows(c.image));
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    if (unknown.length > 0) {
      if (this.#refused.has(uid)) return;
      this.#refused.add(uid);
      const images = Object.keys(this.#o.images).join(', ');
      const message = `cairn's local pod runner runs only the images ${images}; ${unknown
        .map((c) => `container "${c.name}" uses "${c.image}"`)
        .join(', ')}. This pod will not run in the dev cluster.`;
      const condition = {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message,
        lastTransitionTime: now(),
      };
      try {
        await this.#core.patchNamespacedPodStatus(
          { name, namespace: ns, body: { status: { conditions: [condition] } } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        this.log('pod refused: unknown image', { namespace: ns, name });
      } catch (err) {
        this.#refused.delete(uid);
        if (!isNotFound(err))
          this.log('could not mark pod unschedulable', { namespace: ns, name, err: apiMessage(err) });
      }
      return;
    }
    try {
      await this.#core.createNamespacedPodBinding({
        name,
        namespace: ns,
        body: {
          metadata: { name, namespace: ns },
          target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
        },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err))
        this.log('could not bind pod', { namespace: ns, name, err: apiMessage(err) });
    }
  }

  async #terminate(pod: V1Pod, run: PodRun | undefined): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (this.#terminating.has(uid)) return;
    this.#terminating.add(uid);
    const ns = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    const graceMs =
      (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
    if (run) {
      run.pod = pod;
      await run.kill('pod deleted', graceMs);
      await run.flush();
    }
    try {
      await this.#core.deleteNamespacedPod({
        name,
        namespace: ns,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) {
        this.#terminating.delete(uid);
        this.log('could not finish pod deletion', { namespace: ns, name, err: apiMessage(err) });
      }
    }
  }

  async #registerNode(): Promise<void> {
    const body = {
      metadata: {
        name: this.nodeName,
        labels: { 'kubernetes.io/hostname': this.nodeName, 'cairn.dev/local-pod-runner': 'true' },
      },
    };
    try {
      await this.#core.createNode({ body });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
    const t = now();
    await this.#core.patchNodeStatus(
      {
        name: this.nodeName,
        body: {
          status: {
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'CairnPodRunnerReady',
                message: "cairn's local pod runner",
                lastHeartbeatTime: t,
                lastTransitionTime: t,
              },
            ],
            addresses: [
              { type: 'InternalIP', address: '127.0.0.1' },
              { type: 'Hostname', address: this.nodeName },
            ],
            capacity: { cpu: '2', memory: '8Gi', pods: '110' },
            allocatable: { cpu: '2', memory: '8Gi', pods: '110' },
          },
        },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  /** Reads from the API what volumes and env refer to. */
  sources(): VolumeSources {
    const core = this.#core;
    const decode = (d: Record<string, string> | undefined): Record<string, string> =>
      Object.fromEntries(
        Object.entries(d ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]),
      );
    return {
      async secret(namespace, name) {
        try {
          const s = await core.readNamespacedSecret({ name, namespace });
          return { ...decode(s.data), ...(s.stringData ?? {}) };
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
      async configMap(namespace, name) {
        try {
          const c = await core.readNamespacedConfigMap({ name, namespace });
          return { ...(c.data ?? {}), ...decode(c.binaryData) };
        } catch (err) {
          if (isNotFound(err)) return undefined;
          throw err;
        }
      },
      async token(pod, audience, expirationSeconds) {
        const tr = await core.createNamespacedServiceAccountToken({
          name: pod.spec?.serviceAccountName ?? 'default',
          namespace: pod.metadata?.namespace ?? 'default',
          body: {
            spec: {
              audiences: audience ? [audience] : [],
              expirationSeconds: expirationSeconds ?? 3607,
              boundObjectRef: {
                apiVersion: 'v1',
                kind: 'Pod',
                name: pod.metadata?.name ?? '',
                uid: pod.metadata?.uid ?? '',
              },
            },
          },
        });
        const token = tr.status?.token;
        if (!token) throw new Error('the TokenRequest API returned no token');
        return token;
      },
    };
  }
}

type Terminated = Extract<ContainerRecord['current'], { state: 'terminated' }>;

/** One pod's life on the runner's node. */
class PodRun {
  pod: V1Pod;
  readonly #r: PodRunner;
  readonly #procs = new Map<string, ManagedProcess>();
  readonly #dir: string;
  #rec: PodRecord;
  #ended = false;
  #killReason: string | undefined;
  #writes: Promise<void> = Promise.resolve();
  #deadline: NodeJS.Timeout | undefined;

  constructor(runner: PodRunner, pod: V1Pod) {
    this.#r = runner;
    this.pod = pod;
    const ns = pod.metadata?.namespace ?? 'default';
    this.#dir = join(
      runner.options.workDir,
      ns,
      `${pod.metadata?.name}-${(pod.metadata?.uid ?? '').slice(0, 8)}`,
    );
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

  async run(): Promise<void> {
    const pod = this.pod;
    const fields = { namespace: pod.metadata?.namespace, name: pod.metadata?.name };
    this.#r.log('pod started', fields);
    mkdirSync(join(this.#dir, 'logs'), { recursive: true, mode: 0o700 });
    mkdirSync(join(this.#dir, 'home'), { recursive: true, mode: 0o700 });
    const deadline = pod.spec?.activeDeadlineSeconds;
    if (deadline) {
      this.#deadline = setTimeout(() => void this.#deadlineExceeded(), deadline * 1000);
    }
    this.#write();
    let prepared: { mounts: Map<string, string>; kubeconfig: string | undefined };
    for (let attempt = 0; ; attempt++) {
      try {
        prepared = await this.#prepare();
        break;
      } catch (err) {
        if (this.#ended) return;
        // A reference that does not resolve yet is the kubelet's CreateContainerConfigError; any other
        // failure (an API error) is retried the same way, with its message shown.
        const reason = err instanceof ConfigError ? 'CreateContainerConfigError' : 'ContainerCreating';
        const message = err instanceof ConfigError ? err.message : apiMessage(err);
        for (const c of [...this.#rec.init, ...this.#rec.main]) {
          c.current = { state: 'waiting', reason, message };
        }
        this.#write();
        await new Promise((r) => setTimeout(r, Math.min(1000 * 2 ** attempt, 10_000)));
      }
    }
    const initSpecs = pod.spec?.initContainers ?? [];
    for (const [i, spec] of initSpecs.entries()) {
      const rec = this.#rec.init[i];
      if (!rec) continue;
      for (;;) {
        const t = await this.#runContainer(spec, rec, prepared);
        if (this.#ended) return;
        if (t.exitCode === 0) break;
        if (this.#restartPolicy === 'Never') {
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
    if (!wasEnded) {
      for (const c of [...this.#rec.init, ...this.#rec.main]) {
        if (c.current.state !== 'terminated') {
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
      }
      this.#finish(mainPhase(this.#rec.main, 'Never'));
    }
  }

  /** Resolves when every status write queued so far is done. */
  flush(): Promise<void> {
    return this.#writes;
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
    this.#r.log('pod finished', {
      namespace: this.pod.metadata?.namespace,
      name: this.pod.metadata?.name,
      phase: this.#rec.phase,
    });
  }

  async #prepare(): Promise<{ mounts: Map<string, string>; kubeconfig: string | undefined }> {
    const src = this.#r.sources();
    const mounts = new Map<string, string>();
    for (const vol of this.pod.spec?.volumes ?? []) {
      mounts.set(vol.name, await materializeVolume(this.pod, vol, this.#dir, src));
    }
    let kubeconfig: string | undefined;
    if (this.pod.spec?.automountServiceAccountToken !== false) {
      const token = await src.token(this.pod, undefined, 3607);
      kubeconfig = join(this.#dir, 'kubeconfig');
      const { server, caPem } = this.#r.options;
      const user = `system:serviceaccount:${this.pod.metadata?.namespace}:${this.pod.spec?.serviceAccountName ?? 'default'}`;
      writeFileSync(
        kubeconfig,
        renderKubeconfig({ server, caPem, user, token, namespace: this.pod.metadata?.namespace }),
        {
          mode: 0o600,
        },
      );
    }
    return { mounts, kubeconfig };
  }

  async #runContainer(
    spec: V1Container,
    rec: ContainerRecord,
    prepared: { mounts: Map<string, string>; kubeconfig: string | undefined },
  ): Promise<Terminated> {
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
    const mounts: Mount[] = [];
    let template: string[];
    try {
      for (const m of spec.volumeMounts ?? []) {
        const host = prepared.mounts.get(m.name);
        if (host === undefined) throw new ConfigError(`volumeMount "${m.name}" names no volume of the pod`);
        mounts.push({ mountPath: m.mountPath, hostPath: m.subPath ? join(host, m.subPath) : host });
      }
      template = cliArgs(spec, this.#r.prefixFor(spec));
    } catch (err) {
      return end(128, err instanceof Error ? err.message : String(err));
    }
    // The environment is resolved when the container starts, as the kubelet does: a Secret or
    // ConfigMap that does not exist yet keeps it waiting (CreateContainerConfigError), retried.
    let resolved: Record<string, string>;
    for (let attempt = 0; ; attempt++) {
      try {
        resolved = await resolveEnv(this.pod, spec, this.#r.sources());
        break;
      } catch (err) {
        if (this.#ended) return end(137, this.#killReason);
        const config = err instanceof ConfigError;
        rec.current = {
          state: 'waiting',
          reason: config ? 'CreateContainerConfigError' : 'ContainerCreating',
          message: config ? err.message : apiMessage(err),
        };
        this.#write();
        await new Promise((r) => setTimeout(r, Math.min(500 * 2 ** attempt, 10_000)));
      }
    }
    if (this.#ended) return end(137, this.#killReason);
    const env = Object.fromEntries(Object.entries(resolved).map(([k, v]) => [k, translatePaths(v, mounts)]));
    const argv = template.map((a) => translatePaths(expandVars(a, resolved), mounts));
    const o = this.#r.options;
    const base: Record<string, string> = {
      PATH: [...(o.extraPath ?? []), process.env.PATH ?? '/usr/bin:/bin'].join(':'),
      HOME: join(this.#dir, 'home'),
      HOSTNAME: this.pod.metadata?.name ?? '',
      KUBERNETES_SERVICE_HOST: '127.0.0.1',
      KUBERNETES_SERVICE_PORT: new URL(o.server).port,
      CAIRN_POD: `${this.pod.metadata?.namespace}/${this.pod.metadata?.name}`,
    };
    if (prepared.kubeconfig) base.KUBECONFIG = prepared.kubeconfig;
    const logFile = join(this.#dir, 'logs', `${spec.name}.log`);
    const cwd = spec.workingDir ? translatePaths(spec.workingDir, mounts) : join(this.#dir, 'home');
    mkdirSync(cwd, { recursive: true });
    const proc = startProcess({
      name: `${podKey(this.pod)}/${spec.name}`,
      command: o.cli.command,
      args: [...o.cli.args, ...argv],
      env: { ...base, ...env },
      cwd,
      logFile,
    });
    this.#procs.set(spec.name, proc);
    rec.current = { state: 'running', startedAt };
    this.#write();
    const exit = await proc.exited;
    this.#procs.delete(spec.name);
    const code = exit.code ?? 128 + signalNumber(exit.signal);
    return end(code, this.#ended ? this.#killReason : undefined);
  }

  /** Queues a status write of the current record; writes never overlap and keep their order. */
  #write(): void {
    const namespace = this.pod.metadata?.namespace ?? 'default';
    const name = this.pod.metadata?.name ?? '';
    const rec = structuredClone(this.#rec);
    this.#writes = this.#writes.then(async () => {
      const previous = this.pod.status?.conditions ?? [];
      const status = podStatus(rec, now(), previous);
      try {
        await this.#r.core.patchNamespacedPodStatus(
          { name, namespace, body: { status } },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
      } catch (err) {
        if (!isNotFound(err))
          this.#r.log('could not write pod status', { namespace, name, err: apiMessage(err) });
      }
    });
  }
}

function signalNumber(sig: NodeJS.Signals | null): number {
  const table: Partial<Record<NodeJS.Signals, number>> = {
    SIGINT: 2,
    SIGKILL: 9,
    SIGTERM: 15,
    SIGQUIT: 3,
    SIGABRT: 6,
  };
  return (sig && table[sig]) ?? 1;
}
