// The manager runs the controller runtime of the process: it starts the shared informers, waits until they
// are synced, and then runs the controllers only while this replica leads (or always, without leader
// election). Stopping ends leadership first — the controllers' running reconciles finish — then the lease
// is released and the informers stop.
import { errorText } from '../common/redact.ts';
import { LogMessage, type Log } from '../common/log.ts';
import type { Controller } from './controller.ts';
import type { Informers } from './informers.ts';
import { LeaderElector, type LeaderElectionOptions } from './leader-election.ts';
import type { ControllerMetrics } from './metrics.ts';

export type LeaseSettings = Omit<LeaderElectionOptions, 'onStartedLeading' | 'onStoppedLeading' | 'log'>;

export interface ManagerOptions {
  informers: Informers;
  controllers: readonly Controller[];
  /** The Lease to lead by; without it this process always leads (one replica, tests). */
  leaderElection?: LeaseSettings;
  log: Log;
  metrics?: ControllerMetrics;
}

export class Manager {
  readonly #o: ManagerOptions;
  readonly #stop = new AbortController();
  readonly #elector: LeaderElector | undefined;
  #leading = false;
  #running: Promise<void> | undefined;

  constructor(o: ManagerOptions) {
    this.#o = o;
    this.#elector = o.leaderElection
      ? new LeaderElector({
          ...o.leaderElection,
          log: o.log,
          onStartedLeading: () => this.#startControllers(),
          onStoppedLeading: () => this.#stopControllers(),
        })
      : undefined;
  }

  /** Whether the controllers run in this process now. */
  get leading(): boolean {
    return this.#leading;
  }

  /** This replica's identity in the lease (undefined without leader election). */
  get identity(): string | undefined {
    return this.#elector?.identity;
  }

  /** Starts the informers now; elects (or starts the controllers) once they are synced. */
  start(): void {
    if (this.#running) return;
    this.#o.informers.start();
    this.#running = this.#o.informers.waitForSync(this.#stop.signal).then(
      () => {
        if (this.#stop.signal.aborted) return;
        if (this.#elector) this.#elector.start();
        else this.#startControllers();
      },
      (err: unknown) => {
        if (!this.#stop.signal.aborted) this.#o.log.error(LogMessage.informerFailed, { err: errorText(err) });
      },
    );
  }

  /** Stops leading (waiting for running reconciles), releases the lease and stops the informers. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
    if (this.#elector) await this.#elector.stop();
    else await this.#stopControllers();
    await this.#o.informers.stop();
  }

  #startControllers(): void {
    this.#leading = true;
    this.#o.metrics?.leading(true);
    for (const c of this.#o.controllers) c.start();
  }

  async #stopControllers(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#o.metrics?.leading(false);
    await Promise.all(this.#o.controllers.map((c) => c.stop()));
  }
}
