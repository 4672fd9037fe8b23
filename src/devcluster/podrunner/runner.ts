// The local pod runner: the kubelet (and the scheduler) of the dev cluster for pods whose images it knows.
// It watches every pod and hands each to the part that owns its stage: scheduler.ts binds or refuses a
// pending pod, pod-run.ts runs a pod bound to this node, and this file finishes a pod's deletion.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { K8S } from '../../api/resource-type.ts';
import { apiMessage, isConflict } from '../../kube/errors.ts';
import { createInformer, type Informer } from '../../kube/informer.ts';
import type { KubeClient, KubeObject } from '../../kube/types.ts';
import { apiSources } from './api-sources.ts';
import { imageRepository } from './command.ts';
import { registerNode } from './node.ts';
import { PodRun, type PodRunContext } from './pod-run.ts';
import { bindPod, markUnschedulable, refusalMessage, unknownContainers } from './scheduler.ts';

export interface PodRunnerOptions {
  /** A client with the rights of a node and a scheduler (the dev cluster's admin). */
  client: KubeClient;
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
  /**
   * The address every pod reports as its IP (default 127.0.0.1). EndpointSlices refuse loopback addresses,
   * so a Service can route to a pod only when this is an address of the host that is not loopback.
   */
  podIP?: string;
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
  readonly #client: KubeClient;
  readonly #runs = new Map<string, PodRun>();
  readonly #refused = new Set<string>();
  readonly #terminating = new Set<string>();
  #pods: Informer<V1Pod & KubeObject> | undefined;

  constructor(o: PodRunnerOptions) {
    this.#o = o;
    this.nodeName = o.nodeName ?? 'cairn-local';
    this.#client = o.client;
  }

  #log = (msg: string, fields?: Record<string, unknown>): void => this.#o.log?.(msg, fields);

  /** Registers the Node, then follows every pod until stop(); resolves once the first list is handled. */
  async start(): Promise<void> {
    await registerNode(this.#client, this.nodeName);
    const pods = createInformer<V1Pod & KubeObject>(this.#client, {
      resource: K8S.pods,
      onError: (err) => this.#log('pod watch failed; retrying', { err: apiMessage(err) }),
    });
    this.#pods = pods;
    // Handlers only start work and return: a pod's run must not hold back the events of other pods.
    pods.on({
      added: (pod) => this.#onPod('ADDED', pod),
      updated: (_old, pod) => this.#onPod('MODIFIED', pod),
      deleted: (pod) => this.#onPod('DELETED', pod),
    });
    pods.start();
    await pods.waitForSync();
  }

  /** Kills every container this runner started; pods stay as they are in the API. */
  async stop(): Promise<void> {
    await this.#pods?.stop();
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
      client: this.#client,
      sources: apiSources(this.#client),
      workDir: o.workDir,
      server: o.server,
      caPem: o.caPem,
      cli: o.cli,
      extraPath: o.extraPath,
      podIP: o.podIP,
      prefixFor: this.#prefixFor,
      log: this.#log,
    };
  }

  async #schedule(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const unknown = unknownContainers(pod, this.#o.images);
    if (unknown.length === 0) return bindPod(this.#client, pod, this.nodeName, this.#log);
    if (this.#refused.has(uid)) return;
    this.#refused.add(uid);
    const written = await markUnschedulable(
      this.#client,
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
      await this.#client.delete(K8S.pods, name, { namespace, gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (err) {
      // 409: the precondition failed, a newer pod of the same name exists and is not ours to delete.
      if (!isConflict(err)) {
        this.#terminating.delete(uid);
        this.#log('could not finish pod deletion', { namespace, name, err: apiMessage(err) });
      }
    }
  }
}
