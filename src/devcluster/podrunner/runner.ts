// The local pod runner: the kubelet (and the scheduler) of the dev cluster for pods whose images it knows.
// It watches every pod and hands each to the part that owns its stage: scheduler.ts binds or refuses a
// pending pod, pod-run.ts runs a pod bound to this node, and this file finishes a pod's deletion.
import { CoreV1Api, type KubeConfig, type V1Container, type V1Pod } from '@kubernetes/client-node';
import { listWatch } from '../../kube/list-watch.ts';
import { apiMessage, isConflict, isNotFound } from '../../kube/errors.ts';
import { apiSources } from './api-sources.ts';
import { imageRepository } from './command.ts';
import { registerNode } from './node.ts';
import { PodRun, type PodRunContext } from './pod-run.ts';
import { bindPod, markUnschedulable, refusalMessage, unknownContainers } from './scheduler.ts';

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

/** The grace period of a pod's deletion in milliseconds, as the kubelet reads it. */
export function deletionGraceMs(pod: V1Pod): number {
  return (pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
}

/**
 * Plays the kubelet (and the scheduler) for pods whose images it knows: binds them to its own Node,
 * runs their containers as local processes of Cairn's CLI, reports their status, and finishes their
 * deletion. Pods with any other image get a PodScheduled=False condition saying why and never run.
 */
export class PodRunner {
  readonly nodeName: string;
  readonly #o: PodRunnerOptions;
  readonly #core: CoreV1Api;
  readonly #runs = new Map<string, PodRun>();
  readonly #refused = new Set<string>();
  readonly #terminating = new Set<string>();
  #stopWatch: (() => void) | undefined;

  constructor(o: PodRunnerOptions) {
    this.#o = o;
    this.nodeName = o.nodeName ?? 'cairn-local';
    this.#core = o.kc.makeApiClient(CoreV1Api);
  }

  #log = (msg: string, fields?: Record<string, unknown>): void => this.#o.log?.(msg, fields);

  /** Registers the Node, then follows every pod until stop(). */
  async start(): Promise<void> {
    await registerNode(this.#core, this.nodeName);
    this.#stopWatch = listWatch<V1Pod>(this.#o.kc, {
      path: '/api/v1/pods',
      list: async () => {
        const l = await this.#core.listPodForAllNamespaces();
        return { items: l.items, resourceVersion: l.metadata?.resourceVersion ?? '' };
      },
      onEvent: (type, pod) => this.#onPod(type, pod),
      onError: (err) => this.#log('pod watch failed; retrying', { err: apiMessage(err) }),
    });
  }

  /** Kills every container this runner started; pods stay as they are in the API. */
  async stop(): Promise<void> {
    this.#stopWatch?.();
    await Promise.all([...this.#runs.values()].map((r) => r.kill('runner stopped', 2000)));
  }

  #prefixFor = (c: V1Container): string[] =>
    (c.image ? this.#o.images[imageRepository(c.image)] : undefined) ?? [];

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
    const fresh = new PodRun(this.#context(), pod);
    this.#runs.set(uid, fresh);
    if (phase === 'Running') {
      void fresh.fail(
        'NodeRestarted',
        'the local pod runner restarted while this pod ran; its containers were lost',
      );
      return;
    }
    fresh.run().catch((err: unknown) =>
      this.#log('pod run failed', {
        namespace: pod.metadata?.namespace,
        name: pod.metadata?.name,
        err: apiMessage(err),
      }),
    );
  }

  #context(): PodRunContext {
    const o = this.#o;
    return {
      core: this.#core,
      sources: apiSources(this.#core),
      workDir: o.workDir,
      server: o.server,
      caPem: o.caPem,
      cli: o.cli,
      extraPath: o.extraPath,
      prefixFor: this.#prefixFor,
      log: this.#log,
    };
  }

  async #schedule(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const unknown = unknownContainers(pod, this.#o.images);
    if (unknown.length === 0) return bindPod(this.#core, pod, this.nodeName, this.#log);
    if (this.#refused.has(uid)) return;
    this.#refused.add(uid);
    const written = await markUnschedulable(
      this.#core,
      pod,
      refusalMessage(unknown, this.#o.images),
      this.#log,
    );
    if (!written) this.#refused.delete(uid);
  }

  /**
   * Stops the pod's containers within its grace period (SIGTERM, then SIGKILL), writes their last status,
   * and removes the pod object, as the kubelet does once a pod's containers are gone.
   */
  async #terminate(pod: V1Pod, run: PodRun | undefined): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (this.#terminating.has(uid)) return;
    this.#terminating.add(uid);
    const namespace = pod.metadata?.namespace ?? 'default';
    const name = pod.metadata?.name ?? '';
    if (run) {
      run.pod = pod;
      await run.kill('pod deleted', deletionGraceMs(pod));
      await run.flush();
    }
    try {
      await this.#core.deleteNamespacedPod({
        name,
        namespace,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid } },
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) {
        this.#terminating.delete(uid);
        this.#log('could not finish pod deletion', { namespace, name, err: apiMessage(err) });
      }
    }
  }
}
