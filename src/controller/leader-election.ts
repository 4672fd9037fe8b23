// Leader election on a coordination.k8s.io Lease. One elector per process: it acquires the lease (or takes
// over one whose holder stopped renewing), renews it, and releases it on stop so a successor need not wait.
// Every write is conditional on the resourceVersion read, so two candidates can never both win a round.
// A leader that cannot renew for `renewDeadlineMs` stops leading before its lease can expire for others
// (renewDeadlineMs < leaseDurationMs), so two replicas never reconcile at the same time.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { K8S } from '../api/resource-type.ts';
import { isConflict, isNotFound } from '../kube/errors.ts';
import type { KubeClient } from '../kube/types.ts';
import { errorText } from '../common/redact.ts';
import { LogMessage, type Log } from '../common/log.ts';
import { observe, planLease, releasedSpec, type Lease, type Observed } from './lease-plan.ts';

export interface LeaderElectionOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  /** This candidate's name in the lease; default `<hostname>_<random>`. */
  identity?: string;
  /** How long a lease holds without renewal (default 15 s). */
  leaseDurationMs?: number;
  /** How long a leader keeps trying to renew before it steps down (default 10 s). */
  renewDeadlineMs?: number;
  /** The pause between attempts (default 2 s). */
  retryPeriodMs?: number;
  /** Called on becoming leader; `signal` aborts when leadership ends. */
  onStartedLeading(signal: AbortSignal): void;
  /** Called when leadership ends (lost or stopped); the next attempt waits for it to resolve. */
  onStoppedLeading(): Promise<void>;
  log: Log;
}

export const defaultIdentity = (): string => `${hostname()}_${randomUUID().slice(0, 8)}`;

export class LeaderElector {
  readonly identity: string;
  readonly #o: LeaderElectionOptions;
  readonly #leaseMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryMs: number;
  readonly #stop = new AbortController();
  #observed: Observed | undefined;
  #lastHolder: string | undefined;
  #leading = false;
  #loop: Promise<void> | undefined;

  constructor(o: LeaderElectionOptions) {
    this.#o = o;
    this.identity = o.identity ?? defaultIdentity();
    this.#leaseMs = o.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = Math.min(o.renewDeadlineMs ?? 10_000, this.#leaseMs);
    this.#retryMs = o.retryPeriodMs ?? 2000;
  }

  get isLeader(): boolean {
    return this.#leading;
  }

  get #lease(): string {
    return `${this.#o.namespace}/${this.#o.name}`;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Stops campaigning; a leader stops leading (awaiting onStoppedLeading) and then releases the lease. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }

  async #run(): Promise<void> {
    const stopped = this.#stop.signal;
    while (!stopped.aborted) {
      if (!(await this.#attempt())) {
        await this.#pause(this.#retryMs * (1 + Math.random() * 0.2));
        continue;
      }
      await this.#lead();
    }
  }

  /** Leads until a renewal deadline passes, the lease is lost, or the elector stops. */
  async #lead(): Promise<void> {
    const stopped = this.#stop.signal;
    const term = new AbortController();
    this.#leading = true;
    this.#o.log.info(LogMessage.leadingStarted, { identity: this.identity, lease: this.#lease });
    try {
      this.#o.onStartedLeading(term.signal);
    } catch (err) {
      this.#o.log.error(LogMessage.leaseFailed, { lease: this.#lease, err: errorText(err) });
    }
    let renewedAt = performance.now();
    while (!stopped.aborted) {
      await this.#pause(this.#retryMs);
      if (stopped.aborted) break;
      if (await this.#attempt()) renewedAt = performance.now();
      else if (!this.#isHolder() || performance.now() - renewedAt >= this.#renewDeadlineMs) break;
    }
    this.#leading = false;
    term.abort();
    this.#o.log.info(LogMessage.leadingStopped, { identity: this.identity, lease: this.#lease });
    await this.#o.onStoppedLeading().catch((err: unknown) => {
      this.#o.log.error(LogMessage.leaseFailed, { lease: this.#lease, err: errorText(err) });
    });
    if (stopped.aborted) await this.#release();
  }

  /** Whether the last lease record seen names this elector. */
  #isHolder(): boolean {
    return this.#lastHolder === this.identity;
  }

  /** One read-plan-write round; true when this elector holds the lease afterwards. */
  async #attempt(): Promise<boolean> {
    const { client, namespace, name, log } = this.#o;
    const signal = AbortSignal.any([this.#stop.signal, AbortSignal.timeout(this.#retryMs * 2 + 5000)]);
    try {
      const lease = await client.find<Lease>(K8S.leases, name, namespace, signal);
      const nowMs = performance.now();
      this.#observed = observe(lease, this.#observed, nowMs);
      this.#noteHolder(lease?.spec?.holderIdentity ?? '');
      const step = planLease(lease, this.#observed, this.identity, this.#leaseMs, new Date(), nowMs);
      if (step.action === 'wait') return false;
      const body: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace, ...(lease ? { resourceVersion: lease.metadata?.resourceVersion } : {}) },
        spec: step.spec,
      };
      const written =
        step.action === 'create'
          ? await client.create(K8S.leases, body, { namespace, signal })
          : await client.replace(K8S.leases, body, { namespace, signal });
      this.#observed = observe(written, this.#observed, performance.now());
      this.#noteHolder(this.identity);
      return true;
    } catch (err) {
      // A conflict means another candidate wrote first: the next round reads its record.
      if (!isConflict(err) && !this.#stop.signal.aborted)
        log.warn(LogMessage.leaseFailed, { lease: this.#lease, err: errorText(err) });
      return false;
    }
  }

  #noteHolder(holder: string): void {
    if (holder === this.#lastHolder) return;
    this.#lastHolder = holder;
    if (holder !== '' && holder !== this.identity)
      this.#o.log.info(LogMessage.leaderObserved, { identity: holder, lease: this.#lease });
  }

  /** Gives the lease up if this elector still holds it, so a successor takes over at its next attempt. */
  async #release(): Promise<void> {
    const { client, namespace, name, log } = this.#o;
    try {
      const lease = await client.find<Lease>(K8S.leases, name, namespace, AbortSignal.timeout(5000));
      if (lease?.spec?.holderIdentity !== this.identity) return;
      await client.replace(
        K8S.leases,
        { ...lease, spec: releasedSpec(lease.spec, new Date()) },
        { namespace, signal: AbortSignal.timeout(5000) },
      );
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err))
        log.warn(LogMessage.leaseFailed, { lease: this.#lease, err: errorText(err) });
    }
  }

  async #pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.#stop.signal }).catch(() => undefined);
  }
}
